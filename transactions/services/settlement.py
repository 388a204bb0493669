"""Daily settlement and payout files (the rules are in docs/transactions.md, "Settlement and statements").

``settlement_build`` turns one transaction date of approved sales, completions and refunds into one
``SettlementBatch`` per merchant and currency with ONE grouped ``INSERT … SELECT … ON CONFLICT DO NOTHING`` and
stamps the ledger rows it summed with ONE ``UPDATE``; both are parts of a single statement, so they read the same
snapshot of the ledger (a row ingested meanwhile is neither counted nor stamped: the next run takes it).
``payout_file_create`` writes the batches due into the bank's CSV (stored encrypted) and moves them to
``in_payout``; a batch is in at most one file."""

import csv
import hashlib
import io
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, calendar, files
from acquirer.exceptions import DomainError
from transactions.models import PayoutFile, SettlementBatch

LATE_DAYS = 7  # an approved row up to this many days older than the day built is "late" and joins that day's batch
_LOCK = 0x53455454  # "SETT": one settlement build or payout file at a time
PAYOUT_FOLDER = "payouts"
PAYOUT_HEADER = ["reference", "merchant_id", "mid", "account_name", "bank_name", "branch_name", "account_number",
                 "amount", "currency", "payout_date", "transaction_date"]

# One statement: the day's (and late) approved rows not yet in a batch, summed per merchant and currency, inserted
# as batches (the contract in force on the day gives the cycle, the active settlement account the payout account),
# then the rows of the batches just inserted stamped. A merchant that already has its batch for the day (a re-run)
# conflicts, inserts nothing and stamps nothing. Risk holds keep money back and released holds pay theirs with the
# next batch in the same statement (``charged`` and ``paid_back`` move only with a batch just inserted: once).
BUILD_SQL = """
WITH settled_days AS (
    SELECT DISTINCT settlement_date AS day FROM transactions_settlementbatch
    WHERE settlement_date >= %(first)s AND settlement_date < %(day)s
), rows AS (
    SELECT t.local_date, t.id, t.merchant_id, t.currency, t.type, t.amount_minor, t.fee_minor, t.net_minor
    FROM transactions_transaction t
    WHERE t.local_date >= %(first)s AND t.local_date <= %(day)s
      AND (t.local_date = %(day)s OR t.local_date IN (SELECT day FROM settled_days))
      AND t.status = 'approved' AND t.type IN ('sale', 'completion', 'refund') AND t.settlement_batch_id IS NULL
), sums AS (
    SELECT merchant_id, currency, count(*) AS n,
           coalesce(sum(amount_minor) FILTER (WHERE type IN ('sale', 'completion')), 0) AS sales,
           coalesce(sum(amount_minor) FILTER (WHERE type = 'refund'), 0) AS refunds,
           sum(fee_minor) AS fees, sum(net_minor) AS net
    FROM rows GROUP BY merchant_id, currency
), holds AS (
    -- risk holds keeping money back (active, or waiting for a second person's release): of a positive net, a hold
    -- of everything keeps all of it (the first such hold is charged); amount holds keep, in the order placed, what
    -- each still has to keep (amount - held so far) until the net is used up
    SELECT h.id, h.merchant_id, h.currency, h.amount_minor, h.merchant_reason, s.net,
           h.amount_minor IS NULL AS everything,
           greatest(coalesce(h.amount_minor - h.held_minor, 0), 0) AS remaining
    FROM transactions_settlementhold h
    JOIN sums s ON s.merchant_id = h.merchant_id AND s.currency = h.currency AND s.net > 0
    WHERE h.status IN ('active', 'release_requested')
), ordered AS (
    SELECT h.*,
           bool_or(h.everything) OVER w AS all_held,
           row_number() OVER (PARTITION BY h.merchant_id, h.currency ORDER BY h.everything DESC, h.id) AS n,
           coalesce(sum(h.remaining) OVER (w ORDER BY h.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS before
    FROM holds h
    WINDOW w AS (PARTITION BY h.merchant_id, h.currency)
), kept AS (
    SELECT id, merchant_id, currency, merchant_reason,
           CASE WHEN all_held THEN CASE WHEN n = 1 THEN net ELSE 0 END
                ELSE least(remaining, greatest(net - before, 0)) END AS keep
    FROM ordered
), held AS (
    SELECT merchant_id, currency, sum(keep) AS held,
           left(coalesce(string_agg(DISTINCT merchant_reason, '; ') FILTER (WHERE keep > 0), ''), 300) AS reason
    FROM kept GROUP BY merchant_id, currency
), released_holds AS (
    -- released holds whose kept-back money is not paid back yet: paid with this batch, exactly once
    SELECT h.id, h.merchant_id, h.currency, h.held_minor - h.paid_back_minor AS amount
    FROM transactions_settlementhold h
    JOIN sums s ON s.merchant_id = h.merchant_id AND s.currency = h.currency
    WHERE h.status = 'released' AND h.held_minor > h.paid_back_minor
), released AS (
    SELECT merchant_id, currency, sum(amount) AS amount FROM released_holds GROUP BY merchant_id, currency
), contract AS (
    SELECT DISTINCT ON (c.merchant_id) c.merchant_id, c.settlement_cycle
    FROM merchants_contract c
    WHERE c.status = 'active' AND c.start_date <= %(day)s AND c.end_date >= %(day)s
      AND c.merchant_id IN (SELECT merchant_id FROM sums)
    ORDER BY c.merchant_id, c.version DESC
), numbered AS (
    SELECT nextval(pg_get_serial_sequence('transactions_settlementbatch', 'id')) AS batch_id, s.*
    FROM sums s
), inserted AS (
    INSERT INTO transactions_settlementbatch (
        id, merchant_id, settlement_date, payout_date, currency, cycle, transactions, sales_minor, refunds_minor,
        fees_minor, net_minor, held_minor, released_minor, payout_minor, settlement_account_id, account_masked,
        payout_reference, hold_reason, status, status_changed_at, created_at)
    SELECT n.batch_id, n.merchant_id, %(day)s,
           CASE WHEN c.settlement_cycle = 'D+0' THEN %(day)s::date ELSE %(next_working_day)s::date END,
           n.currency, coalesce(c.settlement_cycle, 'T+1'), n.n, n.sales, n.refunds, n.fees, n.net,
           coalesce(h.held, 0), coalesce(r.amount, 0),
           CASE WHEN n.net < 0 THEN coalesce(r.amount, 0) ELSE n.net - coalesce(h.held, 0) + coalesce(r.amount, 0) END,
           a.id, coalesce(a.account_number_masked, ''),
           'P' || to_char(%(day)s::date, 'YYMMDD') || lpad(n.batch_id::text, 9, '0'),
           coalesce(h.reason, ''),
           CASE WHEN coalesce(h.held, 0) > 0 AND n.net - h.held + coalesce(r.amount, 0) = 0 THEN 'held'
                ELSE 'open' END,
           %(now)s, %(now)s
    FROM numbered n
    LEFT JOIN contract c ON c.merchant_id = n.merchant_id
    LEFT JOIN merchants_settlementaccount a ON a.merchant_id = n.merchant_id AND a.status = 'active'
    LEFT JOIN held h ON h.merchant_id = n.merchant_id AND h.currency = n.currency
    LEFT JOIN released r ON r.merchant_id = n.merchant_id AND r.currency = n.currency
    ON CONFLICT (merchant_id, settlement_date, currency) DO NOTHING
    RETURNING id, merchant_id, currency, transactions, net_minor, payout_minor, payout_date, payout_reference,
              held_minor, released_minor
), charged AS (
    -- each hold's kept-back total grows by what the batch just inserted kept for it
    UPDATE transactions_settlementhold h SET held_minor = h.held_minor + k.keep
    FROM kept k JOIN inserted i ON i.merchant_id = k.merchant_id AND i.currency = k.currency
    WHERE h.id = k.id AND k.keep > 0
    RETURNING h.id
), paid_back AS (
    UPDATE transactions_settlementhold h SET paid_back_minor = h.paid_back_minor + rh.amount
    FROM released_holds rh JOIN inserted i ON i.merchant_id = rh.merchant_id AND i.currency = rh.currency
    WHERE h.id = rh.id
    RETURNING h.id
), stamped AS (
    UPDATE transactions_transaction t SET settlement_batch_id = i.id, settlement_date = %(day)s
    FROM rows r JOIN inserted i ON i.merchant_id = r.merchant_id AND i.currency = r.currency
    WHERE t.local_date = r.local_date AND t.id = r.id
      AND t.local_date >= %(first)s AND t.local_date <= %(day)s
    RETURNING t.id
)
SELECT i.id, i.merchant_id, i.currency, i.transactions, i.net_minor, i.payout_minor, i.payout_date,
       i.payout_reference, (SELECT count(*) FROM stamped), i.held_minor, i.released_minor,
       (SELECT count(*) FROM charged) + (SELECT count(*) FROM paid_back)
FROM inserted i ORDER BY i.id
"""

# Approved rows left out: older than the late window, or of a merchant whose batch for the day already existed.
LEFT_OUT_SQL = """
SELECT count(*) FROM transactions_transaction
WHERE local_date >= %(old)s AND local_date <= %(day)s AND status = 'approved'
  AND type IN ('sale', 'completion', 'refund') AND settlement_batch_id IS NULL
"""


class NothingDue(DomainError):
    """No batch is due for a payout file on that date."""


def payout_date_for(day: date, cycle: str) -> date:
    """T+1: the next working day of the core calendar after ``day``; D+0: ``day`` itself."""
    return day if cycle == "D+0" else calendar.add_working_days(day, 1)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def settlement_lock() -> None:
    """Wait for a running settlement build (held until the caller's transaction ends): a hold's release takes it, so
    a build sees a hold either before or after its release, never in between."""
    _lock()


@transaction.atomic
def settlement_build(*, day: date | None = None, actor=None) -> dict:
    """Build the settlement batches of transaction date ``day`` (default yesterday). Idempotent: a second run adds
    nothing (and stamps nothing). Returns the counts: ``batches``, ``transactions``, ``payout_minor`` (sum),
    ``negative`` (batches with a negative net: nothing paid, carried), ``left_unsettled`` (approved rows of the
    last :data:`LATE_DAYS` days still in no batch after the run)."""
    day = day or timezone.localdate() - timedelta(days=1)
    _lock()
    params = {"day": day, "first": day - timedelta(days=LATE_DAYS), "now": timezone.now(),
              "next_working_day": payout_date_for(day, "T+1")}
    with connection.cursor() as cursor:
        cursor.execute(BUILD_SQL, params)
        built = cursor.fetchall()
        cursor.execute(LEFT_OUT_SQL, {"old": day - timedelta(days=LATE_DAYS), "day": day})
        left = cursor.fetchone()[0]
    stamped = built[0][8] if built else 0
    payout = sum(row[5] for row in built)
    negative = sum(1 for row in built if row[4] < 0)
    entries = [{"action": "settlement.batch_built", "actor": actor, "merchant_id": row[1],
                "target": audit.Ref("transactions.settlementbatch", row[0], row[7], row[1]),
                "data": {"settlement_date": day.isoformat(), "payout_date": row[6].isoformat(),
                         "transactions": row[3], "net_minor": row[4], "held_minor": row[9],
                         "released_minor": row[10], "payout_minor": row[5], "currency": row[2]}} for row in built]
    audit.record_many(entries)
    counts = {"day": day.isoformat(), "batches": len(built), "transactions": stamped, "payout_minor": payout,
              "negative": negative, "left_unsettled": left, "held_minor": sum(row[9] for row in built),
              "released_minor": sum(row[10] for row in built)}
    audit.record("settlement.built", actor=actor, data=counts)
    return counts


def _money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


@transaction.atomic
def payout_file_create(*, payout_date: date, actor=None, currency: str = "CNY") -> PayoutFile:
    """The payout file of ``payout_date``: every batch still ``open`` with a payout, due on or before that date,
    written to the bank's CSV (docs/transactions.md) with the full account number — decrypted for the file only,
    which is stored encrypted — and moved to ``in_payout``. A batch is never in two files: a re-run finds nothing
    due and raises :class:`NothingDue`."""
    from merchants.models import SettlementAccount

    _lock()
    batches = list(SettlementBatch.objects.select_for_update(of=("self",)).select_related("merchant")
                   .filter(status=SettlementBatch.Status.OPEN, payout_minor__gt=0, payout_date__lte=payout_date,
                           currency=currency, payout_file__isnull=True)
                   .order_by("payout_date", "id"))
    if not batches:
        raise NothingDue(_("No settlement batch is due for payout on %(date)s.") % {"date": payout_date})
    missing = [batch.payout_reference for batch in batches if batch.settlement_account_id is None]
    if missing:
        raise DomainError(_("These batches have no settlement account to pay into: %(refs)s.")
                          % {"refs": ", ".join(missing[:10])})
    accounts = SettlementAccount.objects.in_bulk({batch.settlement_account_id for batch in batches})
    total = sum(batch.payout_minor for batch in batches)
    digest = hashlib.sha256()
    with files.private_writer(folder=PAYOUT_FOLDER, extension=".csv") as (stored_name, writer):
        def write(line: list[str]) -> None:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerow(line)
            data = buffer.getvalue().encode("utf-8")
            digest.update(data)
            writer.write(data)

        write(PAYOUT_HEADER)
        for batch in batches:
            account = accounts[batch.settlement_account_id]
            write([batch.payout_reference, str(batch.merchant_id), batch.merchant.mid, account.account_name,
                   account.bank_name, account.branch_name, account.account_number, _money(batch.payout_minor),
                   batch.currency, batch.payout_date.isoformat(), batch.settlement_date.isoformat()])
    try:
        payout_file = PayoutFile.objects.create(payout_date=payout_date, stored_name=stored_name,
                                                sha256=digest.hexdigest(), rows=len(batches), total_minor=total,
                                                currency=currency, created_by=actor if actor and actor.pk else None)
        now = timezone.now()
        SettlementBatch.objects.filter(pk__in=[batch.pk for batch in batches]).update(
            status=SettlementBatch.Status.IN_PAYOUT, status_changed_at=now, payout_file=payout_file)
        audit.record("settlement.payout_file_created", actor=actor, target=payout_file,
                     data={"payout_date": payout_date.isoformat(), "rows": len(batches), "total_minor": total,
                           "currency": currency})
    except BaseException:
        files.delete_stored(stored_name)
        raise
    return payout_file


def payout_file_download(*, actor, payout_file: PayoutFile):
    """The payout file as an audited download (it holds full account numbers: managers only, checked by the
    caller's gate)."""
    return files.audited_download(actor=actor, stored_name=payout_file.stored_name,
                                  filename=f"payouts-{payout_file.payout_date:%Y%m%d}-{payout_file.pk}.csv",
                                  content_type="text/csv; charset=utf-8", action="settlement.payout_file_downloaded",
                                  target=payout_file)


def settlement_daily(*, today: date | None = None) -> dict:
    """The daily job: yesterday's batches, then the payout file of today (when anything is due)."""
    today = today or timezone.localdate()
    counts = settlement_build(day=today - timedelta(days=1))
    try:
        payout_file = payout_file_create(payout_date=today)
        counts.update(payout_file=payout_file.pk, payouts=payout_file.rows)
    except NothingDue:
        counts.update(payout_file=None, payouts=0)
    return counts
