"""New monthly partitions are created beside the ledger and then attached, instead of ``CREATE TABLE … PARTITION
OF``: attaching takes only a SHARE UPDATE EXCLUSIVE lock on the ledger, so reads (searches, exports, the nightly
backup's ``pg_dump``) never wait on the daily partition job. The bound is checked by a temporary constraint, so
the attach does not scan the (empty) table."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION transactions_ensure_partitions(first date, last date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date := date_trunc('month', first)::date;
    next_month date;
    created integer := 0;
    name text;
BEGIN
    WHILE month <= last LOOP
        name := format('transactions_transaction_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
        next_month := (month + interval '1 month')::date;
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE transactions_transaction INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                           name);
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (local_date >= %L AND local_date < %L)',
                           name, name || '_bound', month, next_month);
            EXECUTE format('ALTER TABLE transactions_transaction ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           name, month, next_month);
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', name, name || '_bound');
            created := created + 1;
        END IF;
        month := next_month;
    END LOOP;
    RETURN created;
END
$$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION transactions_ensure_partitions(first date, last date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date := date_trunc('month', first)::date;
    created integer := 0;
    name text;
BEGIN
    WHILE month <= last LOOP
        name := format('transactions_transaction_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF transactions_transaction FOR VALUES FROM (%L) TO (%L)',
                           name, month, (month + interval '1 month')::date);
            created := created + 1;
        END IF;
        month := (month + interval '1 month')::date;
    END LOOP;
    RETURN created;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("transactions", "0005_ingest_clearing_lean_indexes")]
    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
