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


def ledger_function(log: str = "") -> str:
    """The ledger's insert trigger; ``log`` adds statements (migration 0008 logs the change). Each new row's key is
    looked up by index (a subquery per row: as a join the planner may walk the whole RRN index for every
    block), and only the rows found are updated, by primary key."""
    return f"""
CREATE OR REPLACE FUNCTION transactions_transaction_repeated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dates date[];
    ids bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('transactions_transaction.repeated'));
    SELECT array_agg(p.local_date), array_agg(p.id) INTO dates, ids
    FROM (SELECT n.local_date, unnest(n.id || n.others) AS id
          FROM (SELECT n.local_date, n.id,
                       ARRAY(SELECT x.id FROM transactions_transaction x
                             WHERE x.rrn = n.rrn AND x.local_date = n.local_date AND x.mid = n.mid
                               AND x.tid = n.tid AND x.id <> n.id AND x.type IN {KINDS}) AS others
                FROM new_rows n WHERE n.type IN {KINDS}) n
          WHERE cardinality(n.others) > 0) p;
    IF ids IS NOT NULL THEN
        UPDATE transactions_transaction t SET repeated = true
        WHERE (t.local_date, t.id) IN (SELECT * FROM unnest(dates, ids)) AND NOT t.repeated;
    END IF;{log}
    RETURN NULL;
END
$$;
"""


LEDGER_FUNCTION = ledger_function()

LEDGER = f"""
ALTER TABLE transactions_transaction ADD COLUMN repeated boolean NOT NULL DEFAULT false;
{LEDGER_FUNCTION}
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

def clearing_function(log: str = "") -> str:
    """The clearing records' insert trigger, as :func:`ledger_function`: each new record's key looked up by index
    within the horizon."""
    return f"""
CREATE OR REPLACE FUNCTION transactions_clearingrecord_repeated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('transactions_clearingrecord.repeated'));
    SELECT array_agg(p.id) INTO ids
    FROM (SELECT unnest(n.id || n.others) AS id
          FROM (SELECT n.id,
                       ARRAY(SELECT x.id FROM transactions_clearingrecord x
                             WHERE x.rrn = n.rrn AND x.local_date BETWEEN n.local_date - 14 AND n.local_date + 14
                               AND x.mid = n.mid AND x.tid = n.tid AND x.id <> n.id) AS others
                FROM new_rows n) n
          WHERE cardinality(n.others) > 0) p;
    IF ids IS NOT NULL THEN
        UPDATE transactions_clearingrecord c SET repeated = true
        WHERE c.id IN (SELECT unnest(ids)) AND NOT c.repeated;
    END IF;{log}
    RETURN NULL;
END
$$;
"""


CLEARING_FUNCTION = clearing_function()

CLEARING = f"""
{CLEARING_FUNCTION}
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
        # a window of dates is read through the unique key (it begins with the date): one index fewer to keep
        migrations.RemoveIndex(model_name="clearingrecord", name="clearing_date_rrn"),
        migrations.RunSQL(CLEARING, CLEARING_BACK),
    ]
