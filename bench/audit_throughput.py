"""Audit events written per second (each in its own transaction, hash chain included)."""

import sys
import time

from _setup import django_with_scratch_db, report

FLOOR = 200.0
COUNT = 2000


def main() -> int:
    cleanup = django_with_scratch_db()
    try:
        from django.db import transaction

        from acquirer import audit

        for _ in range(50):  # warm-up
            with transaction.atomic():
                audit.record("audit.checkpoint_written", data={"n": 0})
        start = time.perf_counter()
        for n in range(COUNT):
            with transaction.atomic():
                audit.record("audit.checkpoint_written", data={"n": n, "amount": "12.34"})
        elapsed = time.perf_counter() - start
        assert audit.verify_chain().ok
        return report("audit_throughput", COUNT / elapsed, "events/s", FLOOR)
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
