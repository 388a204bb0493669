"""The change log a reconciliation run fingerprints its inputs from (``InputChange``): the database writes it for
every writer, so the fingerprint is a look-up by index instead of a scan of the day's million rows.

- Rows inserted: the statement triggers of migration 0007 also log one entry per date and file of the new rows.
- Rows deleted: one entry per date and file, with the rows as a negative number.
- A ledger row whose status, amount, type or key changes (a void marks its original voided), and a clearing
  record whose amount, date or key changes: one entry per row (row triggers, only when the value changed).
"""

import importlib

from django.db import migrations, models

previous = importlib.import_module("transactions.migrations.0007_repeated_keys")

# What the insert triggers add: one entry per date and file of the statement's new rows.
LOG = """
    INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
    SELECT '{source}', local_date, ingest_file_id, count(*) FROM new_rows GROUP BY local_date, ingest_file_id;"""

LEDGER = f"""
{previous.ledger_function(LOG.format(source="ledger"))}
CREATE FUNCTION transactions_transaction_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
    VALUES ('ledger', NEW.local_date, NEW.ingest_file_id, 0);
    RETURN NULL;
END
$$;

CREATE TRIGGER transaction_changed AFTER UPDATE OF status, amount_minor, type, rrn, mid, tid
    ON transactions_transaction FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount_minor IS DISTINCT FROM NEW.amount_minor
          OR OLD.type IS DISTINCT FROM NEW.type OR OLD.rrn IS DISTINCT FROM NEW.rrn
          OR OLD.mid IS DISTINCT FROM NEW.mid OR OLD.tid IS DISTINCT FROM NEW.tid)
    EXECUTE FUNCTION transactions_transaction_changed();

CREATE FUNCTION transactions_transaction_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
    SELECT 'ledger', local_date, ingest_file_id, -count(*) FROM old_rows GROUP BY local_date, ingest_file_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER transaction_deleted AFTER DELETE ON transactions_transaction
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION transactions_transaction_deleted();

INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
SELECT 'ledger', local_date, ingest_file_id, count(*) FROM transactions_transaction
GROUP BY local_date, ingest_file_id;
"""

LEDGER_BACK = f"""
DROP TRIGGER transaction_changed ON transactions_transaction;
DROP FUNCTION transactions_transaction_changed();
DROP TRIGGER transaction_deleted ON transactions_transaction;
DROP FUNCTION transactions_transaction_deleted();
{previous.LEDGER_FUNCTION}
"""

CLEARING = f"""
{previous.clearing_function(LOG.format(source="clearing"))}
CREATE FUNCTION transactions_clearingrecord_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
    VALUES ('clearing', NEW.local_date, NEW.ingest_file_id, 0);
    IF OLD.local_date IS DISTINCT FROM NEW.local_date THEN
        INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
        VALUES ('clearing', OLD.local_date, OLD.ingest_file_id, 0);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER clearing_record_changed AFTER UPDATE OF amount_minor, local_date, rrn, mid, tid
    ON transactions_clearingrecord FOR EACH ROW
    WHEN (OLD.amount_minor IS DISTINCT FROM NEW.amount_minor OR OLD.local_date IS DISTINCT FROM NEW.local_date
          OR OLD.rrn IS DISTINCT FROM NEW.rrn OR OLD.mid IS DISTINCT FROM NEW.mid OR OLD.tid IS DISTINCT FROM NEW.tid)
    EXECUTE FUNCTION transactions_clearingrecord_changed();

CREATE FUNCTION transactions_clearingrecord_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
    SELECT 'clearing', local_date, ingest_file_id, -count(*) FROM old_rows GROUP BY local_date, ingest_file_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER clearing_record_deleted AFTER DELETE ON transactions_clearingrecord
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION transactions_clearingrecord_deleted();

INSERT INTO transactions_inputchange (source, local_date, ingest_file_id, rows)
SELECT 'clearing', local_date, ingest_file_id, count(*) FROM transactions_clearingrecord
GROUP BY local_date, ingest_file_id;
"""

CLEARING_BACK = f"""
DROP TRIGGER clearing_record_changed ON transactions_clearingrecord;
DROP FUNCTION transactions_clearingrecord_changed();
DROP TRIGGER clearing_record_deleted ON transactions_clearingrecord;
DROP FUNCTION transactions_clearingrecord_deleted();
{previous.CLEARING_FUNCTION}
"""


class Migration(migrations.Migration):

    dependencies = [
        ('transactions', '0007_repeated_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='InputChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('ledger', 'Ledger'), ('clearing', 'Clearing records')], max_length=8)),
                ('local_date', models.DateField()),
                ('ingest_file_id', models.BigIntegerField(blank=True, null=True)),
                ('rows', models.IntegerField()),
            ],
            options={
                'default_permissions': (),
                'indexes': [models.Index(fields=['source', 'local_date'], name='inputchange_source_date')],
            },
        ),
        migrations.RunSQL(LEDGER, LEDGER_BACK),
        migrations.RunSQL(CLEARING, CLEARING_BACK),
    ]
