"""An audited write against its floor: one event through ``audit.record`` (keyed hash chain, chain lock,
catalogue check) in its own transaction, against one plain INSERT of a row of the same shape in its own
transaction. The goal keeps the audit trail from limiting the busiest flows (imports, reconciliation)."""

import sys

from _setup import django_with_scratch_db, per_call, result, scaled

GOAL = 6.0
BATCH_GOAL = 8.0


def main() -> int:
    cleanup = django_with_scratch_db()
    try:
        from django.db import connection, transaction

        from acquirer import audit

        count = scaled(2000, 200)
        with connection.cursor() as cursor:
            # an ordinary (logged) table: its commit waits for the WAL flush like the audit trail's; a temporary
            # table's would not, and the floor would measure skipping durability
            cursor.execute("CREATE TABLE bench_plain (id bigserial PRIMARY KEY, at timestamptz NOT NULL,"
                           " action text NOT NULL, data jsonb NOT NULL, hash text NOT NULL)")

        def audited():
            with transaction.atomic():
                audit.record("audit.checkpoint_written", data={"n": 1, "amount": "12.34"})

        def plain():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_plain (at, action, data, hash) VALUES (now(), %s, %s, %s)",
                               ["audit.checkpoint_written", '{"n": 1, "amount": "12.34"}', "0" * 64])

        ours = sum(per_call(audited, count)) / count
        floor = sum(per_call(plain, count)) / count
        single = result("audit_write", ours, floor, GOAL)

        batch = 1000

        def audited_batch():
            with transaction.atomic():
                audit.record_many([{"action": "audit.checkpoint_written", "data": {"n": n, "amount": "12.34"}}
                                   for n in range(batch)])

        def plain_batch():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany("INSERT INTO bench_plain (at, action, data, hash) VALUES (now(), %s, %s, %s)",
                                   [["audit.checkpoint_written", '{"n": 1, "amount": "12.34"}', "0" * 64]] * batch)

        rounds = scaled(20, 3)
        ours = sum(per_call(audited_batch, rounds, warmup=1)) / (rounds * batch)
        floor = sum(per_call(plain_batch, rounds, warmup=1)) / (rounds * batch)
        batched = result("audit_write_batch", ours, floor, BATCH_GOAL)
        assert audit.verify_chain().ok
        return 0 if single and batched else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
