"""Rows whose match key (RRN + MID + TID) is not alone on their side are marked ``repeated`` by the database, as
they are inserted, so the reconciliation can match every other key with one hash join and judge only these few
keys by aggregate (``transactions/services/recon.py``).

- Ledger: another approved-or-not sale, completion or refund with the same key on the same day (the run reads one
  day of the ledger). Voids, reversals and pre-authorisations are never reconciled and mark nothing.
- Clearing records: another record with the same key within ``REPEAT_HORIZON_DAYS`` (14) either side, twice the
  widest window a run reads (7 days), so two records one run reads are always marked.

One statement trigger per table reads the statement's new rows (a transition table) and marks them and the rows
they repeat, looking each key up by index (the ledger's RRN index, the clearing records' new RRN + date index).
Two transactions inserting the same key side by side would each miss the other's uncommitted row: the trigger
first takes a transaction-level advisory lock per table, held to commit, so the later one's look-up runs after
the earlier one committed and sees its rows. The lock only orders the look-ups; the inserts themselves still run
side by side. A mark is never removed: a marked key that turns out alone is judged by aggregate, just as right.
"""

from django.db import migrations, models

KINDS = "('sale', 'completion', 'refund')"

LEDGER = f"""
ALTER TABLE transactions_transaction ADD COLUMN repeated boolean NOT NULL DEFAULT false;

CREATE FUNCTION transactions_transaction_repeated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('transactions_transaction.repeated'));
    UPDATE transactions_transaction t SET repeated = true
    FROM (SELECT n.local_date, unnest(ARRAY[n.id, x.id]) AS id
          FROM new_rows n
          JOIN transactions_transaction x
            ON x.rrn = n.rrn AND x.local_date = n.local_date AND x.mid = n.mid AND x.tid = n.tid AND x.id <> n.id
           AND x.type IN {KINDS}
          WHERE n.type IN {KINDS}) d
    WHERE t.local_date = d.local_date AND t.id = d.id AND NOT t.repeated;
    RETURN NULL;
END
$$;

CREATE TRIGGER transaction_repeated AFTER INSERT ON transactions_transaction
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION transactions_transaction_repeated();

UPDATE transactions_transaction t SET repeated = true
FROM (SELECT local_date, rrn, mid, tid FROM transactions_transaction WHERE type IN {KINDS}
      GROUP BY local_date, rrn, mid, tid HAVING count(*) > 1) d
WHERE t.local_date = d.local_date AND t.rrn = d.rrn AND t.mid = d.mid AND t.tid = d.tid AND t.type IN {KINDS};
"""

LEDGER_BACK = """
DROP TRIGGER transaction_repeated ON transactions_transaction;
DROP FUNCTION transactions_transaction_repeated();
ALTER TABLE transactions_transaction DROP COLUMN repeated;
"""

CLEARING = """
CREATE FUNCTION transactions_clearingrecord_repeated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('transactions_clearingrecord.repeated'));
    UPDATE transactions_clearingrecord c SET repeated = true
    FROM (SELECT unnest(ARRAY[n.id, x.id]) AS id
          FROM new_rows n
          JOIN transactions_clearingrecord x
            ON x.rrn = n.rrn AND x.local_date BETWEEN n.local_date - 14 AND n.local_date + 14
           AND x.mid = n.mid AND x.tid = n.tid AND x.id <> n.id) d
    WHERE c.id = d.id AND NOT c.repeated;
    RETURN NULL;
END
$$;

CREATE TRIGGER clearing_record_repeated AFTER INSERT ON transactions_clearingrecord
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION transactions_clearingrecord_repeated();

UPDATE transactions_clearingrecord c SET repeated = true
WHERE EXISTS (SELECT 1 FROM transactions_clearingrecord x
              WHERE x.rrn = c.rrn AND x.local_date BETWEEN c.local_date - 14 AND c.local_date + 14
                AND x.mid = c.mid AND x.tid = c.tid AND x.id <> c.id);
"""

CLEARING_BACK = """
DROP TRIGGER clearing_record_repeated ON transactions_clearingrecord;
DROP FUNCTION transactions_clearingrecord_repeated();
"""


class Migration(migrations.Migration):
    dependencies = [("transactions", "0006_partitions_attach")]
    operations = [
        migrations.RunSQL(LEDGER, LEDGER_BACK),
        migrations.AddField(
            model_name="clearingrecord", name="repeated",
            field=models.BooleanField(db_default=False, default=False, editable=False)),
        migrations.AddIndex(
            model_name="clearingrecord", index=models.Index(fields=["rrn", "local_date"], name="clearing_rrn_date")),
        migrations.RunSQL(CLEARING, CLEARING_BACK),
    ]
