"""Login page renders per second (the page anyone can reach)."""

import sys
import time

from _setup import django_with_scratch_db, report

FLOOR = 50.0
COUNT = 300


def main() -> int:
    cleanup = django_with_scratch_db()
    try:
        from django.test import Client

        client = Client()
        for _ in range(20):
            client.get("/accounts/login/")
        start = time.perf_counter()
        for _ in range(COUNT):
            assert client.get("/accounts/login/").status_code == 200
        elapsed = time.perf_counter() - start
        return report("login_page", COUNT / elapsed, "pages/s", FLOOR)
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
