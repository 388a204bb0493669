"""Reconciliation: our ledger against the network's clearing records, and our payouts against the bank's credits.

A run covers one side and one business date. It is split into chunks by a hash of the match key's first part;
each chunk is one Celery task (any worker on any machine may take it; a waited run works them on threads) that
runs ONE set-based statement: both sides' rows of its chunk in one hash full join by match key, each joined row
judged on its own (the few keys marked ``repeated`` by the database judged by key as a whole), which writes the
per-merchant counts and sums (``ReconSummary``) and one ``ReconException`` per break with ``INSERT … SELECT``.
The last chunk to finish sums the totals and marks the run done. The result does not depend on the number of
chunks: every row of a match key falls in the same chunk, and each key is judged on its own.

Rules (``docs/transactions.md``, "Reconciliation"):

- clearing side: our rows for the date that should clear (approved sales, completions and refunds; never a
  pre-authorisation, a void, a reversal or a declined or voided row) against the clearing records whose transaction
  date lies within ``ACQUIRER_RECON_WINDOW_DAYS`` of it, matched on RRN + MID + TID; amounts (signed, refunds
  negative on both sides) agree within ``ACQUIRER_RECON_TOLERANCE_MINOR``. Several completions under one key (a
  pre-authorisation completed in parts) are one item, their sum against the one clearing record; any other key seen
  twice on one side is a duplicate.
- bank side: the payouts due that date (settlement batches in a payout file, or already paid) against the bank's
  credits with the same payout reference within the window; a match marks the batch paid.

Exceptions are work items (``transactions/workflow.py``, ``transactions/policy.py``): taken or assigned,
investigated, a resolution proposed (adjustment, write-off, accepted with a note), approved by a second person
above ``ACQUIRER_RECON_FOUR_EYES_MINOR``, resolved; every move audited.
"""

import contextvars
import hashlib
import json
import logging
import os
import queue
import socket
import threading
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, outbox, policy
from acquirer.exceptions import DomainError
from acquirer.workflow import advance
from transactions.models import IngestFile, ReconChunk, ReconException, ReconRun, ReconSummary
from transactions.models.ingest import REPEAT_HORIZON_DAYS
from transactions.models.recon import Category
from transactions.policy import HANDLES_EXCEPTIONS, RECON_ACTIONS
from transactions.workflow import EXCEPTION_MOVES, RUN_MOVES, UNRESOLVED

log = logging.getLogger(__name__)

R = ReconRun.Status
E = ReconException.Status
SIDES = (ReconRun.Side.CLEARING, ReconRun.Side.BANK)
CHUNK_TASK = "transactions.tasks.recon_chunk"
MAX_CHUNKS = 64
MAX_WINDOW_DAYS = REPEAT_HORIZON_DAYS // 2
PAYOUT_STATUSES = ("in_payout", "paid")


# --- settings -------------------------------------------------------------------------------------------------------
# Read from Django settings when a settings module sets them (tests do), else from the environment (README,
# "Configuration"), else the default: the core's settings need not know this app.

def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "") or default
    return int(value)


def tolerance_minor() -> int:
    """How far two amounts may differ and still match, in minor units (``ACQUIRER_RECON_TOLERANCE_MINOR``, 0)."""
    return _setting("ACQUIRER_RECON_TOLERANCE_MINOR", 0)


def window_days() -> int:
    """How many days apart the two sides' dates may be (``ACQUIRER_RECON_WINDOW_DAYS``, 1; 0 to
    :data:`MAX_WINDOW_DAYS`: the database marks repeated clearing keys over twice that, ``REPEAT_HORIZON_DAYS``)."""
    days = _setting("ACQUIRER_RECON_WINDOW_DAYS", 1)
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise ImproperlyConfigured(f"ACQUIRER_RECON_WINDOW_DAYS must be 0 to {MAX_WINDOW_DAYS}, not {days}.")
    return days


def four_eyes_minor() -> int:
    """Above this |difference| a second person approves the resolution (``ACQUIRER_RECON_FOUR_EYES_MINOR``,
    100000 = 1,000.00 yuan)."""
    return _setting("ACQUIRER_RECON_FOUR_EYES_MINOR", 100_000)


def workers() -> int:
    """How many chunks a run started with ``wait`` works on side by side, each on its own thread and database
    connection (``ACQUIRER_JOB_WORKERS``, 2)."""
    return max(1, _setting("ACQUIRER_JOB_WORKERS", 2))


def default_chunks() -> int:
    """How many chunks a run is split into (``ACQUIRER_RECON_CHUNKS``; default one per worker, 2). Each chunk reads
    both sides in full and keeps its share of the keys, so on one machine more chunks than workers only read more
    (measured at a million rows: 2 chunks on 2 threads beat 4); set it higher where Celery workers on several
    machines take the chunks."""
    return min(MAX_CHUNKS, _setting("ACQUIRER_RECON_CHUNKS", workers()))


# --- inputs ---------------------------------------------------------------------------------------------------------

def _fetch(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _inputs(side: str, day: date, window: int) -> tuple[list[dict], list]:
    """The input files of the run (those whose rows fall in the window) and a fingerprint of the rows read: a
    corrected file or a late or changed ledger row changes it. The clearing side reads the change log the database
    keeps (``InputChange``: entries, rows and the latest entry per file and date), a look-up by index; the bank
    side, a row per merchant and day, counts and sums its rows."""
    first, last = day - timedelta(days=window), day + timedelta(days=window)
    if side == ReconRun.Side.CLEARING:
        log = ("SELECT ingest_file_id, count(*), coalesce(sum(rows), 0), max(id) FROM transactions_inputchange "
               "WHERE source = %s AND local_date BETWEEN %s AND %s GROUP BY ingest_file_id ORDER BY ingest_file_id")
        ours = [list(row) for row in _fetch(log, ["ledger", day, day])]
        per_file = _fetch(log, ["clearing", first, last])
        theirs = [list(row) for row in per_file]
        file_ids = [row[0] for row in per_file if row[0] is not None and row[2] > 0]
    else:
        ours = list(_fetch("SELECT count(*), coalesce(sum(payout_minor), 0), coalesce(max(id), 0) "
                           "FROM transactions_settlementbatch WHERE payout_date = %s AND status = ANY(%s)",
                           [day, list(PAYOUT_STATUSES)])[0])
        per_file = _fetch("SELECT ingest_file_id, count(*), sum(amount_minor), max(id) "
                          "FROM transactions_bankstatementline WHERE value_date BETWEEN %s AND %s "
                          "GROUP BY ingest_file_id", [first, last])
        # per file (one pass, no sort of the file ids), then added up
        theirs = [sum(row[1] for row in per_file), sum((row[2] for row in per_file), Decimal(0)),
                  max((row[3] for row in per_file), default=0)]
        file_ids = [row[0] for row in per_file]
    files = [{"file": f.pk, "name": f.original_name, "sha256": f.sha256}
             for f in IngestFile.objects.filter(pk__in=file_ids).order_by("sha256", "pk")]
    return files, [ours, theirs]


def _input_hash(side: str, files: list[dict], fingerprint: list, tolerance: int, window: int) -> str:
    body = json.dumps({"side": side, "files": sorted(f["sha256"] for f in files), "rows": fingerprint,
                       "tolerance": tolerance, "window": window}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


# --- starting a run -------------------------------------------------------------------------------------------------

def recon_start(*, side: str, business_date: date, actor=None, chunks: int | None = None,
                wait: bool = False) -> ReconRun:
    """Reconcile ``side`` ("clearing" or "bank") for ``business_date``.

    The same side, date and inputs (files, row fingerprint, tolerance, window) are not reconciled twice: the run
    already made is returned (a failed one is queued again). Otherwise a new run supersedes the side's current run
    for that date (kept readable; its unresolved breaks are superseded). One task per chunk is queued after the
    commit (through the outbox: a broker that is down delays the run, never fails the request); ``wait`` runs the
    chunks here, :func:`workers` of them side by side (one after the other inside a caller's transaction), and
    returns the finished run."""
    if side not in SIDES:
        raise DomainError(_("Choose the sources to reconcile."))
    if actor is not None:
        policy.require(actor, RECON_ACTIONS["run"])
    chunks = default_chunks() if chunks is None else chunks
    if isinstance(chunks, bool) or not isinstance(chunks, int) or not 1 <= chunks <= MAX_CHUNKS:
        raise DomainError(_("The number of chunks must be a whole number from 1 to %(max)d.") % {"max": MAX_CHUNKS})
    tolerance, window = tolerance_minor(), window_days()
    with transaction.atomic():
        # one start at a time per side and date (two people pressing the button, the job and a person)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"recon:{side}:{business_date}"])
        files, fingerprint = _inputs(side, business_date, window)
        input_hash = _input_hash(side, files, fingerprint, tolerance, window)
        existing = (ReconRun.objects.select_for_update()
                    .filter(side=side, business_date=business_date, input_hash=input_hash).first())
        if existing is not None and existing.status != R.FAILED:
            return existing
        if existing is not None:
            run = _requeue(existing, actor)
        else:
            run = ReconRun.objects.create(
                side=side, business_date=business_date, input_hash=input_hash, inputs=files, chunks=chunks,
                tolerance_minor=tolerance, window_days=window, status=R.QUEUED, started_by=actor)
            ReconChunk.objects.bulk_create([ReconChunk(run=run, number=n) for n in range(chunks)])
            audit.record("recon_run.started", actor=actor, target=run, after={"status": run.status},
                         data={"side": side, "business_date": business_date, "chunks": chunks,
                               "input_hash": input_hash[:12]})
            _supersede_others(run, actor)
        if not wait:
            outbox.enqueue_many(CHUNK_TASK, [{"run_id": run.pk, "number": n}
                                             for n in run.chunk_set.filter(status="queued")
                                             .values_list("number", flat=True)])
    if wait:
        _run_chunks(run.pk, list(run.chunk_set.exclude(status="done").order_by("number")
                                 .values_list("number", flat=True)))
        run.refresh_from_db()
    return run


def _run_chunks(run_id: int, numbers: list[int]) -> None:
    """Run the chunks ``numbers`` of a run here: on :func:`workers` threads, each with its own database
    connection (as ``acquirer.batches.each_batch``), or one after the other when there is one worker or one chunk,
    or inside a transaction (another connection would not see its rows). The first failure is raised once the
    threads have stopped (the failed chunk has failed the run)."""
    count = min(workers(), len(numbers))
    if count <= 1 or connection.in_atomic_block:
        for number in numbers:
            recon_chunk_run(run_id=run_id, number=number)
        return
    todo: queue.Queue = queue.Queue()
    for number in numbers:
        todo.put(number)
    failures: list[BaseException] = []

    def worker():
        try:
            while not failures:
                try:
                    number = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    recon_chunk_run(run_id=run_id, number=number)
                except BaseException as error:  # raised in the caller's thread below
                    failures.append(error)
        finally:
            connections.close_all()  # this thread's connection

    # each thread runs in a copy of the caller's context: the audit origin and the language go along
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(worker,), daemon=True)
               for _n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _requeue(run: ReconRun, actor) -> ReconRun:
    run.chunk_set.exclude(status="done").update(status="queued", worker="", started_at=None, finished_at=None)
    run.message = ""
    advance(run, to=R.QUEUED, moves=RUN_MOVES, actor=actor, action="recon_run.started",
            data={"side": run.side, "business_date": run.business_date, "chunks": run.chunks},
            extra_fields=("message",))
    return run


def _supersede_others(run: ReconRun, actor) -> None:
    """The side's earlier runs for the date are superseded by ``run``; their unresolved breaks too."""
    older = list(ReconRun.objects.select_for_update()
                 .filter(side=run.side, business_date=run.business_date)
                 .exclude(pk=run.pk).exclude(status=R.SUPERSEDED))
    now = timezone.now()
    for previous in older:
        previous.superseded_by = run
        advance(previous, to=R.SUPERSEDED, moves=RUN_MOVES, actor=actor, action="recon_run.superseded",
                data={"superseded_by": run.pk}, extra_fields=("superseded_by",))
        moved = (ReconException.objects.filter(run=previous, status__in=UNRESOLVED)
                 .update(status=E.SUPERSEDED, status_changed_at=now))
        if moved:
            audit.record("recon_exception.superseded", actor=actor, target=previous,
                         data={"exceptions": moved, "superseded_by": run.pk})


# --- one chunk ------------------------------------------------------------------------------------------------------

# Each side as (ours, theirs). What should clear: approved sales, completions and refunds (a pre-authorisation only
# reserves; voids and reversals cancel an original, which is then no longer approved). Rows with the columns id,
# local_date (theirs only), merchant_id, k1, k2, k3 (the match key), amount_minor, completion (ours only: the row
# is a completion), repeated (the row's key may not be alone on its side: judged by aggregate). ``{chunk}`` is the
# chunk's condition. Only what judging needs goes through the join; a break's currency is read afterwards by id
# (``CURRENCY_SQL``). The bank side is small (a row per merchant and day) and marks nothing: every key of it is
# judged by aggregate.
SIDE_SQL = {
    ReconRun.Side.CLEARING: (
        """SELECT id, merchant_id, rrn AS k1, mid AS k2, tid AS k3, amount_minor, type = 'completion' AS completion,
                  repeated
           FROM transactions_transaction
           WHERE local_date = %(day)s AND status = 'approved' AND type IN ('sale', 'completion', 'refund') {chunk}""",
        """SELECT id, local_date, merchant_id, rrn AS k1, mid AS k2, tid AS k3, amount_minor, repeated
           FROM transactions_clearingrecord
           WHERE local_date BETWEEN %(first)s AND %(last)s {chunk}""",
    ),
    ReconRun.Side.BANK: (
        """SELECT id, merchant_id, payout_reference::text AS k1, ''::text AS k2, ''::text AS k3,
                  payout_minor AS amount_minor, false AS completion, true AS repeated
           FROM transactions_settlementbatch
           WHERE payout_date = %(day)s AND status IN ('in_payout', 'paid') {chunk}""",
        """SELECT id, value_date AS local_date, merchant_id, reference::text AS k1, ''::text AS k2, ''::text AS k3,
                  amount_minor, true AS repeated
           FROM transactions_bankstatementline
           WHERE value_date BETWEEN %(first)s AND %(last)s AND amount_minor > 0 AND reference <> '' {chunk}""",
    ),
}
# A break's currency: our row's (the key's first), else theirs.
CURRENCY_SQL = {
    ReconRun.Side.CLEARING: """coalesce(
        (SELECT x.currency::text FROM transactions_transaction x WHERE x.local_date = %(day)s AND x.id = k.o_id),
        (SELECT y.currency::text FROM transactions_clearingrecord y WHERE y.id = k.t_id), 'CNY')""",
    ReconRun.Side.BANK: """coalesce(
        (SELECT x.currency::text FROM transactions_settlementbatch x WHERE x.id = k.o_id),
        (SELECT y.currency::text FROM transactions_bankstatementline y WHERE y.id = k.t_id), 'CNY')""",
}
# A key seen only on their side belongs to this run when its date is the run's and our side has no row for it on
# another day of the window (that day's run matches it). A scalar subquery, looked up by key for the few keys only
# their side has (as EXISTS the planner would hash the whole of our window's rows in every chunk).
ELSEWHERE_SQL = {
    ReconRun.Side.CLEARING: """(SELECT 1 FROM transactions_transaction x
        WHERE x.rrn = k.k1 AND x.mid = k.k2 AND x.tid = k.k3 AND x.local_date BETWEEN %(first)s AND %(last)s
          AND x.local_date <> %(day)s AND x.status = 'approved' AND x.type IN ('sale', 'completion', 'refund')
        LIMIT 1) IS NOT NULL""",
    ReconRun.Side.BANK: """(SELECT 1 FROM transactions_settlementbatch x
        WHERE x.payout_reference = k.k1 AND x.payout_date BETWEEN %(first)s AND %(last)s
          AND x.payout_date <> %(day)s AND x.status IN ('in_payout', 'paid') LIMIT 1) IS NOT NULL""",
}
# Where the exception's references go: (ours id column, theirs id column, rrn, mid, tid, reference).
EXCEPTION_COLUMNS = {
    ReconRun.Side.CLEARING: ("transaction_id", "clearing_record_id", "k.k1", "k.k2", "k.k3", "''"),
    ReconRun.Side.BANK: ("settlement_batch_id", "statement_line_id", "''", "''", "''", "k.k1"),
}
# The chunk of a row: a hash of the key's first part (RRN, payout reference), which both sides of a key share. One
# short string hashed per row: the condition is cheap enough that each chunk may scan both sides in full.
CHUNK_CONDITION = "AND (hashtext(k1::text) & 2147483647) %% %(n)s = %(chunk)s"

# One statement per chunk, in two paths:
#
# - Most keys are alone on each side: the two sides go through ONE hash full join on the match key (``joined``),
#   which is what reading both sides once costs, and each joined row is judged on its own (``judged``). A row
#   marked ``repeated`` (on either side) is not judged here but set aside as ``slow``: every row of a repeated
#   key is marked (the triggers mark them all), so every joined row of such a key is set aside.
# - ``grouped`` adds the judged rows up per merchant and category in the same pass and keeps only the breaks'
#   and the set-aside rows' columns (arrays; the matched rows are never kept). The set-aside rows (a few per
#   thousand) are taken apart into each side's distinct rows (a key on n rows of one side and m of the other
#   joined n x m times) and judged by key as a whole (``keyed`` … ``slow_judged``): several completions under one
#   key are one item (their sum); any other key on several rows of one side is a duplicate.
#
# Both paths' counts and breaks are written with ``INSERT … SELECT``. The plan is steered to hashes: see
# ``_chunk_settings``.
CHUNK_SQL = """
WITH judged AS (
    SELECT j.*, category <> 'matched' AS kept
    FROM (SELECT k.*, coalesce(o_merchant, t_merchant) AS merchant_id,
                 CASE WHEN slow THEN 'slow'
                      WHEN o_id IS NULL THEN 'missing_ours'
                      WHEN t_id IS NULL THEN 'missing_theirs'
                      WHEN abs(ours - theirs) > %(tolerance)s THEN 'amount_mismatch'
                      ELSE 'matched' END AS category
          FROM (SELECT coalesce(o.k1, t.k1) AS k1, coalesce(o.k2, t.k2) AS k2, coalesce(o.k3, t.k3) AS k3,
                       o.id AS o_id, t.id AS t_id, o.amount_minor AS ours, t.amount_minor AS theirs,
                       o.merchant_id AS o_merchant, t.merchant_id AS t_merchant, t.local_date AS t_date,
                       o.completion, coalesce(o.repeated, false) OR coalesce(t.repeated, false) AS slow
                FROM ({ours}) o FULL JOIN ({theirs}) t ON o.k1 = t.k1 AND o.k2 = t.k2 AND o.k3 = t.k3) k
          -- a key only their side has, on another day of the window, or ours on another day: another run's
          WHERE CASE WHEN o_id IS NOT NULL OR slow THEN true WHEN t_date <> %(day)s THEN false
                     ELSE NOT {elsewhere} END) j
),
grouped AS (
    SELECT merchant_id, category, count(*) AS n, coalesce(sum(ours), 0) AS ours_minor,
           coalesce(sum(theirs), 0) AS theirs_minor,
           array_agg(k1) FILTER (WHERE kept) AS k1s,
           array_agg(k2) FILTER (WHERE kept) AS k2s,
           array_agg(k3) FILTER (WHERE kept) AS k3s,
           array_agg(o_id) FILTER (WHERE kept) AS o_ids,
           array_agg(t_id) FILTER (WHERE kept) AS t_ids,
           array_agg(ours) FILTER (WHERE kept) AS ourss,
           array_agg(theirs) FILTER (WHERE kept) AS theirss,
           array_agg(o_merchant) FILTER (WHERE slow) AS o_merchants,
           array_agg(t_merchant) FILTER (WHERE slow) AS t_merchants,
           array_agg(t_date) FILTER (WHERE slow) AS t_dates,
           array_agg(completion) FILTER (WHERE slow) AS completions{matched_ids}
    FROM judged GROUP BY merchant_id, category
),
slow_rows AS (
    SELECT r.* FROM grouped g,
         unnest(g.k1s, g.k2s, g.k3s, g.o_ids, g.t_ids, g.ourss, g.theirss, g.o_merchants, g.t_merchants, g.t_dates,
                g.completions) AS r (k1, k2, k3, o_id, t_id, ours, theirs, o_merchant, t_merchant, t_date, completion)
    WHERE g.category = 'slow'
),
sides AS (
    SELECT DISTINCT k1, k2, k3, o_id, ours AS o_amount, completion, o_merchant,
           NULL::bigint AS t_id, NULL::bigint AS t_amount, NULL::date AS t_date, NULL::bigint AS t_merchant
    FROM slow_rows WHERE o_id IS NOT NULL
    UNION ALL
    SELECT DISTINCT k1, k2, k3, NULL::bigint, NULL::bigint, NULL::boolean, NULL::bigint, t_id, theirs, t_date,
           t_merchant
    FROM slow_rows WHERE t_id IS NOT NULL
),
keyed AS (
    SELECT k1, k2, k3, count(o_id) AS o_rows, count(t_id) AS t_rows, min(o_id) AS o_id, min(t_id) AS t_id,
           sum(o_amount)::bigint AS o_sum, sum(t_amount)::bigint AS t_sum, bool_and(completion) AS completions,
           min(t_date) AS t_date, min(o_merchant) AS o_merchant, min(t_merchant) AS t_merchant
    FROM sides GROUP BY k1, k2, k3
),
amounts AS (
    SELECT k1, k2, k3, o_id, t_id, coalesce(o_merchant, t_merchant) AS merchant_id,
           (o_rows > 1 AND NOT completions) OR t_rows > 1 AS duplicate,
           -- each side's sum; a key on several rows of both sides: the average row of each side, to the fen
           CASE WHEN o_rows > 1 AND t_rows > 1 THEN round(o_sum::numeric / o_rows)::bigint ELSE o_sum END AS ours,
           CASE WHEN o_rows > 1 AND t_rows > 1 THEN round(t_sum::numeric / t_rows)::bigint ELSE t_sum END AS theirs
    FROM keyed k
    WHERE CASE WHEN o_rows > 0 THEN true WHEN t_date <> %(day)s THEN false ELSE NOT {elsewhere} END
),
slow_judged AS (
    SELECT k1, k2, k3, o_id, t_id, merchant_id, ours, theirs,
           CASE WHEN duplicate THEN 'duplicate'
                WHEN ours IS NULL THEN 'missing_ours'
                WHEN theirs IS NULL THEN 'missing_theirs'
                WHEN abs(ours - theirs) > %(tolerance)s THEN 'amount_mismatch'
                ELSE 'matched' END AS category
    FROM amounts
),
summary AS (
    INSERT INTO transactions_reconsummary (run_id, chunk, merchant_id, category, count, ours_minor, theirs_minor)
    SELECT %(run)s, %(chunk)s, merchant_id, category, sum(n), sum(ours_minor), sum(theirs_minor)
    FROM (SELECT merchant_id, category, n, ours_minor, theirs_minor FROM grouped WHERE category <> 'slow'
          UNION ALL
          SELECT merchant_id, category, count(*), coalesce(sum(ours), 0), coalesce(sum(theirs), 0)
          FROM slow_judged GROUP BY merchant_id, category) s
    GROUP BY merchant_id, category
    RETURNING category, count
),
breaks AS (
    INSERT INTO transactions_reconexception (
        run_id, category, merchant_id, business_date, rrn, mid, tid, reference, transaction_date, {ours_id},
        {theirs_id}, ours_minor, theirs_minor, difference_minor, currency, status, status_changed_at, resolution,
        note, created_at)
    SELECT %(run)s, k.category, k.merchant_id, %(day)s, {rrn}, {mid}, {tid}, {reference},
           {transaction_date}, k.o_id, k.t_id, k.ours, k.theirs, coalesce(k.ours, 0) - coalesce(k.theirs, 0),
           {currency}, 'open', now(), '', '', now()
    FROM (SELECT g.category, g.merchant_id, b.*
          FROM grouped g, unnest(g.k1s, g.k2s, g.k3s, g.o_ids, g.t_ids, g.ourss, g.theirss)
                          AS b (k1, k2, k3, o_id, t_id, ours, theirs)
          WHERE g.category NOT IN ('matched', 'slow')
          UNION ALL
          SELECT category, merchant_id, k1, k2, k3, o_id, t_id, ours, theirs
          FROM slow_judged WHERE category <> 'matched') k
    RETURNING 1
){paid}
SELECT category, sum(count)::bigint FROM summary GROUP BY category
UNION ALL SELECT '_exceptions', count(*) FROM breaks{paid_count}
"""
# The bank side also keeps the matched batches' ids: their bank credit confirms the payout.
MATCHED_IDS_SQL = """,
           array_agg(o_id) FILTER (WHERE category = 'matched') AS matched_ids"""
# The bank's credit confirms the payout: the batch is paid.
PAID_SQL = """,
paid AS (
    UPDATE transactions_settlementbatch b SET status = 'paid', paid_at = now(), status_changed_at = now()
    FROM (SELECT unnest(g.matched_ids) AS o_id FROM grouped g WHERE g.category = 'matched'
          UNION ALL
          SELECT o_id FROM slow_judged WHERE category = 'matched') j
    WHERE b.id = j.o_id AND b.status = 'in_payout'
    RETURNING b.id
)"""


def chunk_sql(side: str, chunks: int) -> str:
    """The one statement that reconciles a chunk of ``side`` split ``chunks`` ways (no hash when one chunk)."""
    chunk = CHUNK_CONDITION if chunks > 1 else ""
    ours, theirs = (sql.format(chunk=chunk.replace("k1", key[0]))
                    for sql, key in zip(SIDE_SQL[side], _key_columns(side), strict=True))
    ours_id, theirs_id, rrn, mid, tid, reference = EXCEPTION_COLUMNS[side]
    bank = side == ReconRun.Side.BANK
    return CHUNK_SQL.format(
        ours=ours, theirs=theirs, elsewhere=ELSEWHERE_SQL[side], ours_id=ours_id, theirs_id=theirs_id, rrn=rrn,
        mid=mid, tid=tid, reference=reference, currency=CURRENCY_SQL[side],
        transaction_date="CASE WHEN k.o_id IS NULL THEN NULL ELSE %(day)s::date END" if not bank else "NULL::date",
        matched_ids=MATCHED_IDS_SQL if bank else "", paid=PAID_SQL if bank else "",
        paid_count=" UNION ALL SELECT '_paid', count(*) FROM paid" if bank else "")


def _key_columns(side: str):
    if side == ReconRun.Side.CLEARING:
        return (("rrn", "mid", "tid"), ("rrn", "mid", "tid"))
    return (("payout_reference", "''", "''"), ("reference", "''", "''"))


# Memory for the chunk's hash join and hash aggregate (per chunk running; a larger chunk spills to disk, slower but
# still right).
CHUNK_WORK_MEM = "256MB"


def _chunk_settings() -> None:
    """For the chunk's transaction: no JIT (compiling this one large statement costs more than it saves, a second
    at a million rows); memory enough to group a chunk in a hash table; and no sort where a hash will do — the
    planner, which cannot estimate the chunk condition (it guesses 0.5 % of the rows), would otherwise sort the
    joined rows by key to group them, 1.5 s at a million rows against 0.5 s for the hash aggregate."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{CHUNK_WORK_MEM}'; SET LOCAL enable_sort = off")


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def recon_chunk_run(*, run_id: int, number: int, task_id: str = "", worker: str = "") -> dict:
    """Reconcile chunk ``number`` of run ``run_id`` (a task's body; safe to run twice: a done chunk is skipped),
    then finish the run if it was the last chunk."""
    ReconRun.objects.filter(pk=run_id, status=R.QUEUED).update(status=R.RUNNING, status_changed_at=timezone.now())
    try:
        with transaction.atomic():
            # a share lock: chunks run side by side, a superseding start waits for them
            if not _fetch("SELECT 1 FROM transactions_reconrun WHERE id = %s FOR SHARE", [run_id]):
                return {"skipped": "no such run"}
            run = ReconRun.objects.get(pk=run_id)
            chunk = ReconChunk.objects.select_for_update().get(run=run, number=number)
            if chunk.status == "done" or run.status in (R.SUPERSEDED, R.DONE):
                return {"skipped": chunk.status}
            chunk.started_at = timezone.now()
            day, window = run.business_date, run.window_days
            params = {"run": run.pk, "chunk": number, "n": run.chunks, "day": day,
                      "first": day - timedelta(days=window), "last": day + timedelta(days=window),
                      "tolerance": run.tolerance_minor}
            _chunk_settings()
            counts = dict(_fetch(chunk_sql(run.side, run.chunks), params))
            counts = {key: int(value) for key, value in counts.items()}
            if counts.get("_paid"):
                audit.record("recon_run.payouts_confirmed", target=run, data={"batches": counts["_paid"]})
            chunk.status, chunk.finished_at, chunk.counts = "done", timezone.now(), counts
            chunk.task_id, chunk.worker = task_id[:64], (worker or _worker_name())[:200]
            chunk.save(update_fields=["status", "started_at", "finished_at", "counts", "task_id", "worker"])
    except Exception as error:
        log.exception("reconciliation run %s chunk %s failed", run_id, number)
        _fail(run_id, number, error)
        raise
    recon_finish(run_id=run_id)
    return counts


def _fail(run_id: int, number: int, error: Exception) -> None:
    with transaction.atomic():
        run = ReconRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return
        ReconChunk.objects.filter(run=run, number=number).update(status="failed", finished_at=timezone.now())
        if run.status in (R.QUEUED, R.RUNNING):
            run.message = (_("Chunk %(number)s failed: %(error)s") % {"number": number, "error": error})[:2000]
            run.finished_at = timezone.now()
            advance(run, to=R.FAILED, moves=RUN_MOVES, actor=None, action="recon_run.failed",
                    data={"message": run.message[:500]}, extra_fields=("message", "finished_at"))


def recon_finish(*, run_id: int) -> ReconRun | None:
    """Sum the run's totals and mark it done when every chunk is (idempotent; the run row is locked, so of two
    chunks finishing together exactly one finishes the run). A chunk that sees another chunk not done yet leaves
    without waiting for the lock (a running chunk holds a share lock on the run): the chunk that commits last sees
    every chunk done, and finishes the run."""
    if ReconChunk.objects.filter(run_id=run_id).exclude(status="done").exists():
        return ReconRun.objects.filter(pk=run_id).first()
    return _finish(run_id)


@transaction.atomic
def _finish(run_id: int) -> ReconRun | None:
    run = ReconRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.status not in (R.QUEUED, R.RUNNING):
        return run
    if run.chunk_set.exclude(status="done").exists():
        return run
    totals = {category: {"count": 0, "ours": 0, "theirs": 0} for category in Category.values}
    for row in ReconSummary.objects.filter(run=run).values("category").order_by("category").annotate(
            **_sums()):
        totals[row["category"]] = {"count": row["n"], "ours": row["ours"], "theirs": row["theirs"]}
    run.totals = totals
    run.finished_at = timezone.now()
    if run.status == R.QUEUED:
        run.status = R.RUNNING
    advance(run, to=R.DONE, moves=RUN_MOVES, actor=None, action="recon_run.finished",
            data={"totals": {key: value["count"] for key, value in totals.items()}},
            extra_fields=("totals", "finished_at"))
    return run


def _sums() -> dict:
    from django.db.models import Sum

    return {"n": Sum("count"), "ours": Sum("ours_minor"), "theirs": Sum("theirs_minor")}


def recon_daily(*, today: date | None = None) -> dict:
    """The scheduled job: reconcile yesterday, both sides (a second run the same day finds the same inputs and
    does nothing)."""
    day = (today or timezone.localdate()) - timedelta(days=1)
    counts = {"date": day.isoformat()}
    for side in SIDES:
        run = recon_start(side=side, business_date=day)
        counts[side] = run.pk
    return counts


# --- exceptions: the work on a break --------------------------------------------------------------------------------

def _lock(exception: ReconException) -> ReconException:
    return ReconException.objects.select_for_update(of=("self",)).select_related("run").get(pk=exception.pk)


def _data(exception: ReconException, **extra) -> dict:
    return {"run": exception.run_id, "category": exception.category,
            "difference_minor": exception.difference_minor, **extra}


@transaction.atomic
def recon_exception_take(*, actor, exception: ReconException) -> ReconException:
    """The actor takes an open break to investigate it (open -> investigating)."""
    exception = _lock(exception)
    policy.require(actor, RECON_ACTIONS["take"], exception)
    exception.assigned_to = actor
    advance(exception, to=E.INVESTIGATING, moves=EXCEPTION_MOVES, actor=actor, action="recon_exception.taken",
            data=_data(exception, assigned_to=actor.get_username()), extra_fields=("assigned_to",))
    return exception


@transaction.atomic
def recon_exception_assign(*, actor, exception: ReconException, assignee) -> ReconException:
    """Give a break to someone who handles breaks (an open one starts being investigated)."""
    exception = _lock(exception)
    policy.require(actor, RECON_ACTIONS["assign"], exception)
    if not policy.permitted(assignee, HANDLES_EXCEPTIONS):
        raise DomainError(_("%(user)s cannot handle reconciliation breaks.") % {"user": assignee})
    before = exception.assigned_to_id
    exception.assigned_to = assignee
    data = _data(exception, assigned_to=assignee.get_username())
    if exception.status == E.OPEN:
        advance(exception, to=E.INVESTIGATING, moves=EXCEPTION_MOVES, actor=actor,
                action="recon_exception.assigned", data=data, extra_fields=("assigned_to",))
    else:
        exception.save(update_fields=["assigned_to"])
        audit.record("recon_exception.assigned", actor=actor, target=exception, before={"assigned_to": before},
                     after={"assigned_to": assignee.pk}, data=data)
    return exception


def needs_second_person(exception: ReconException) -> bool:
    """Above the four-eyes amount (|difference|) a proposal waits for a second person's approval."""
    return abs(exception.difference_minor) > four_eyes_minor()


@transaction.atomic
def recon_exception_propose(*, actor, exception: ReconException, resolution: str, note: str,
                            amount_minor: int | None = None) -> ReconException:
    """Propose how the break is resolved: an adjustment (with its amount), a write-off or acceptance with a note.
    At or below the four-eyes amount the proposal resolves the break; above it the break waits for approval."""
    exception = _lock(exception)
    policy.require(actor, RECON_ACTIONS["propose"], exception)
    if resolution not in ReconException.Resolution.values:
        raise DomainError(_("Choose how the break is resolved."))
    note = (note or "").strip()
    if len(note) < 5:
        raise DomainError(_("Explain the resolution in a note (at least 5 characters)."))
    if resolution == ReconException.Resolution.ADJUSTMENT:
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor == 0:
            raise DomainError(_("An adjustment needs its amount."))
    else:
        amount_minor = None
    now = timezone.now()
    exception.resolution, exception.resolution_minor, exception.note = resolution, amount_minor, note
    exception.proposed_by, exception.proposed_at = actor, now
    fields = ("resolution", "resolution_minor", "note", "proposed_by", "proposed_at")
    data = _data(exception, resolution=resolution, resolution_minor=amount_minor, note=note)
    if needs_second_person(exception):
        advance(exception, to=E.PROPOSED, moves=EXCEPTION_MOVES, actor=actor, action="recon_exception.proposed",
                data=data, extra_fields=fields)
    else:
        exception.resolved_at = now
        advance(exception, to=E.RESOLVED, moves=EXCEPTION_MOVES, actor=actor, action="recon_exception.resolved",
                data=data, extra_fields=(*fields, "resolved_at"))
    return exception


@transaction.atomic
def recon_exception_approve(*, actor, exception: ReconException) -> ReconException:
    """A second person approves the proposal (proposed -> resolved); never the proposer."""
    exception = _lock(exception)
    policy.require(actor, RECON_ACTIONS["approve"], exception)
    exception.approved_by, exception.resolved_at = actor, timezone.now()
    advance(exception, to=E.RESOLVED, moves=EXCEPTION_MOVES, actor=actor, action="recon_exception.approved",
            data=_data(exception, resolution=exception.resolution, resolution_minor=exception.resolution_minor),
            extra_fields=("approved_by", "resolved_at"))
    return exception


@transaction.atomic
def recon_exception_reject(*, actor, exception: ReconException, reason: str) -> ReconException:
    """A second person sends the proposal back to be investigated again, with the reason."""
    exception = _lock(exception)
    policy.require(actor, RECON_ACTIONS["reject"], exception)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Give the reason for rejecting the proposal (at least 5 characters)."))
    previous = {"resolution": exception.resolution, "resolution_minor": exception.resolution_minor}
    exception.resolution, exception.resolution_minor = "", None
    exception.proposed_by, exception.proposed_at = None, None
    advance(exception, to=E.INVESTIGATING, moves=EXCEPTION_MOVES, actor=actor, action="recon_exception.rejected",
            data=_data(exception, reason=reason, **previous),
            extra_fields=("resolution", "resolution_minor", "proposed_by", "proposed_at"))
    return exception
