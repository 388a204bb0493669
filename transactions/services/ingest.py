"""File ingest: the host journal (ISO 8583 or CSV), the network's clearing file and the bank's MT940 statement
into the ledger, the clearing records and the statement lines (``docs/transactions.md``, "Ingest").

One pipeline for a person (:func:`ingest_upload`, then the Celery task runs :func:`ingest_stored`) and a machine
(:func:`ingest_path`, the ``manage.py ingest`` command and the demo seeder):

1. the file is checked as a whole (framing, header, UTF-8, MT940 account) — a refused file gets one line;
2. rows are parsed streaming, checked field by field and tokenised (the PAN never leaves the parser);
3. blocks of rows go into a ``TEMP`` staging table by ``COPY``;
4. per block ONE statement resolves MID/TID, BIN and the contract fee, inserts with ``ON CONFLICT DO NOTHING``
   (the idempotency key), marks the originals of voids and reversals and moves the terminals' last-seen time;
5. one audit event per file, with the counts; the row report (line, field, reason) is stored as a private file.

A dry run does steps 1-4 inside a transaction that is rolled back, counting new rows with an anti-join.

The clearing file (a million lines) skips Python parsing: ``COPY`` splits each block into a staging table, the checks
are set-based and the blocks are loaded by worker connections (:func:`_load_clearing`).
"""

import codecs
import contextvars
import csv
import hashlib
import io
import logging
import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, files, outbox
from acquirer.exceptions import DomainError
from acquirer.secrets import keyed_hash, mask
from transactions.cards import _key as card_key
from transactions.models import IngestFile
from transactions.parsers import clearing as clearing_parser
from transactions.parsers import journal_csv, journal_iso
from transactions.parsers import mt940 as mt940_parser
from transactions.parsers.common import Refused, RowError
from transactions.selectors.ingest import registered_account
from transactions.services.partitions import partition_months

log = logging.getLogger(__name__)

K = IngestFile.Kind
S = IngestFile.Status
KINDS = [k.value for k in K]
JOURNAL_KINDS = (K.JOURNAL, K.JOURNAL_CSV)
EXTENSIONS = {K.JOURNAL: ".iso", K.JOURNAL_CSV: ".csv", K.CLEARING: ".csv", K.BANK_STATEMENT: ".sta"}
STORE_FOLDER = "ingest"
REPORT_FOLDER = "ingest-reports"
TASK = "transactions.tasks.ingest_file"
RISK_TASK = "transactions.tasks.risk_evaluate_file"  # risk rules engine (issue #13)
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
_READ = 1024 * 1024


class IngestRefused(DomainError):
    """The upload cannot be taken at all (unknown kind, too large)."""


def block_rows() -> int:
    return int(getattr(settings, "ACQUIRER_INGEST_BLOCK_ROWS", 5000))


def max_bytes() -> int:
    return int(getattr(settings, "ACQUIRER_INGEST_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass
class _Counts:
    rows: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    business_date: date | None = None
    warning: str = ""

    def reject(self, error: RowError) -> None:
        self.rows += 1
        self.rejected += 1
        self.errors.append(error)


# --- staging tables ----------------------------------------------------------------------------------------------

_JOURNAL_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ingest_journal_stage (
    line integer, tid varchar(8), mid varchar(15), local_time timestamp, type varchar(12), channel varchar(12),
    bin varchar(8), last4 varchar(4), card_token varchar(64), amount_minor bigint, currency char(3),
    stan varchar(6), rrn varchar(12), auth_code varchar(6), response_code varchar(2), batch_no varchar(6),
    latitude numeric(9, 6), longitude numeric(9, 6))"""
_JOURNAL_COLUMNS = ("line", "tid", "mid", "local_time", "type", "channel", "bin", "last4", "card_token",
                    "amount_minor", "currency", "stan", "rrn", "auth_code", "response_code", "batch_no", "latitude",
                    "longitude")
_JOURNAL_KEYS = """
CREATE TEMP TABLE IF NOT EXISTS ingest_journal_keys (
    local_date date, tid varchar(8), stan varchar(6), rrn varchar(12), type varchar(12),
    UNIQUE (local_date, tid, stan, rrn, type))"""
_CLEARING_RAW = """
CREATE TEMP TABLE IF NOT EXISTS ingest_clearing_raw (n bigint GENERATED ALWAYS AS IDENTITY, line text)"""
_CLEARING_KEYS = """
CREATE TEMP TABLE IF NOT EXISTS ingest_clearing_keys (
    local_date date, tid varchar(8), stan varchar(6), rrn varchar(12), type varchar(12),
    UNIQUE (local_date, tid, stan, rrn, type))"""
_BANK_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ingest_bank_stage (
    sequence integer, value_date date, entry_date date, amount_minor bigint, currency varchar(3),
    reference varchar(40), details text)"""


def _reasons() -> dict:
    return {
        "unknown_mid": _("unknown MID"),
        "unknown_tid": _("unknown TID"),
        "not_merchants": _("the terminal is not this merchant's"),
        "no_contract": _("no contract in force on the transaction date"),
        "no_fee": _("the contract in force has no fee for this channel"),
    }


# --- journal: one statement per block ------------------------------------------------------------------------------

_JOURNAL_RESOLVE = """
WITH s AS (
    SELECT st.*, st.local_time::date AS local_date, st.local_time AT TIME ZONE 'Asia/Shanghai' AS at
    FROM ingest_journal_stage st
), r AS (
    SELECT s.*, m.id AS merchant_id, t.id AS terminal_id, t.merchant_id AS terminal_merchant,
           coalesce(b.scheme, '') AS scheme, coalesce(b.funding, 'unknown') AS funding, c.id AS contract_id,
           f.rate_percent, f.cap
    FROM s
    LEFT JOIN merchants_merchant m ON m.mid = s.mid
    LEFT JOIN terminals_terminal t ON t.tid = s.tid
    LEFT JOIN LATERAL (
        SELECT br.scheme, br.funding FROM transactions_binrange br
        WHERE s.bin <> '' AND br.prefix = ANY (ARRAY[left(s.bin, 8), left(s.bin, 7), left(s.bin, 6), left(s.bin, 5),
                                                      left(s.bin, 4), left(s.bin, 3), left(s.bin, 2), left(s.bin, 1)])
        ORDER BY length(br.prefix) DESC LIMIT 1) b ON true
    LEFT JOIN LATERAL (
        SELECT mc.id FROM merchants_contract mc
        WHERE mc.merchant_id = m.id AND mc.status IN ('active', 'superseded', 'terminated')
          AND mc.start_date <= s.local_date AND mc.end_date >= s.local_date
        ORDER BY mc.version DESC LIMIT 1) c ON true
    LEFT JOIN merchants_contractfee f ON f.contract_id = c.id AND f.channel = CASE
        WHEN s.channel IN ('unionpay_qr', 'other_qr', 'contactless') THEN s.channel
        WHEN b.funding = 'credit' THEN 'credit' ELSE 'debit' END
), v AS (
    SELECT r.*,
        CASE WHEN merchant_id IS NULL THEN 'merchant_id' || chr(9) || %(unknown_mid)s
             WHEN terminal_id IS NULL THEN 'terminal_id' || chr(9) || %(unknown_tid)s
             WHEN terminal_merchant IS DISTINCT FROM merchant_id THEN 'terminal_id' || chr(9) || %(not_merchants)s
             WHEN contract_id IS NULL THEN 'local_time' || chr(9) || %(no_contract)s
             WHEN rate_percent IS NULL THEN 'channel' || chr(9) || %(no_fee)s END AS problem,
        CASE WHEN response_code <> '00' OR rate_percent IS NULL THEN 0
             ELSE sign(amount_minor) * CASE WHEN cap IS NULL THEN round(abs(amount_minor) * rate_percent / 100)
                  ELSE least(round(abs(amount_minor) * rate_percent / 100), round(cap * 100)) END
        END::bigint AS fee_minor
    FROM r
)"""

_JOURNAL_INSERT = """
, ins AS (
    INSERT INTO transactions_transaction (
        local_date, merchant_id, terminal_id, mid, tid, type, channel, scheme, funding, bin, last4, card_token,
        amount_minor, fee_minor, net_minor, currency, stan, rrn, auth_code, response_code, status, local_time, at,
        batch_no, latitude, longitude, ingest_file_id, source_line)
    SELECT local_date, merchant_id, terminal_id, mid, tid, type, channel, scheme, funding, bin, last4, card_token,
        amount_minor, fee_minor, amount_minor - fee_minor, currency, stan, rrn, auth_code, response_code,
        CASE WHEN response_code <> '00' THEN 'declined'
             WHEN type IN ('void', 'reversal') THEN 'approved'
             WHEN EXISTS (SELECT 1 FROM v w WHERE w.problem IS NULL AND w.tid = v.tid AND w.type = 'reversal'
                          AND w.response_code = '00'
                          AND (w.rrn = v.rrn OR (w.stan = v.stan AND w.local_date = v.local_date))
                          AND w.local_date BETWEEN v.local_date AND v.local_date + 1) THEN 'reversed'
             WHEN EXISTS (SELECT 1 FROM v w WHERE w.problem IS NULL AND w.tid = v.tid AND w.type = 'void'
                          AND w.response_code = '00'
                          AND (w.rrn = v.rrn OR (w.stan = v.stan AND w.local_date = v.local_date))
                          AND w.local_date BETWEEN v.local_date AND v.local_date + 1) THEN 'voided'
             ELSE 'approved' END,
        local_time, at, batch_no, latitude, longitude, %(file)s, line
    FROM v WHERE problem IS NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
), marked AS (
    UPDATE transactions_transaction o
    SET status = CASE WHEN w.type = 'reversal' THEN 'reversed' ELSE 'voided' END
    FROM v w
    WHERE w.problem IS NULL AND w.type IN ('void', 'reversal') AND w.response_code = '00'
      AND o.tid = w.tid AND o.local_date BETWEEN w.local_date - 1 AND w.local_date
      AND o.type NOT IN ('void', 'reversal') AND o.status = 'approved'
      AND (o.rrn = w.rrn OR (o.stan = w.stan AND o.local_date = w.local_date))
    RETURNING 1
), seen AS (
    UPDATE terminals_terminal t
    SET last_seen_at = greatest(t.last_seen_at, x.at), last_transaction_at = greatest(t.last_transaction_at, x.at)
    FROM (SELECT terminal_id, max(at) AS at FROM v WHERE problem IS NULL GROUP BY terminal_id) x
    WHERE t.id = x.terminal_id
    RETURNING 1
)"""

_JOURNAL_DRY = """
, ins AS (
    INSERT INTO ingest_journal_keys
    SELECT local_date, tid, stan, rrn, type FROM v
    WHERE problem IS NULL AND NOT EXISTS (
        SELECT 1 FROM transactions_transaction o
        WHERE o.local_date = v.local_date AND o.tid = v.tid AND o.stan = v.stan AND o.rrn = v.rrn AND o.type = v.type)
    ON CONFLICT DO NOTHING
    RETURNING 1
)"""

_OUTCOME = """
SELECT 0, (SELECT count(*) FROM ins)::int, '', ''
UNION ALL
SELECT 1, line, split_part(problem, chr(9), 1), split_part(problem, chr(9), 2) FROM v WHERE problem IS NOT NULL"""


def _journal_block(cursor, rows: list[dict], *, file_id, dry_run: bool, counts: _Counts) -> None:
    cursor.execute("TRUNCATE ingest_journal_stage")
    with cursor.cursor.copy(f"COPY ingest_journal_stage ({', '.join(_JOURNAL_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row["line"], row["tid"], row["mid"], row["local_time"], row["type"], row["channel"],
                            row["bin"], row["last4"], row["card_token"], row["amount_minor"], row["currency"],
                            row["stan"], row["rrn"], row["auth_code"], row["response_code"], row["batch"],
                            row["latitude"], row["longitude"]))
    sql = _JOURNAL_RESOLVE + (_JOURNAL_DRY if dry_run else _JOURNAL_INSERT) + _OUTCOME
    cursor.execute(sql, {**_reasons(), "file": file_id})
    _tally(cursor.fetchall(), valid=len(rows), counts=counts)


def _tally(results, *, valid: int, counts: _Counts) -> None:
    rejected = 0
    for marker, number, field_name, reason in results:
        if marker == 0:
            new = number
        else:
            rejected += 1
            counts.errors.append(RowError(number, field_name, reason))
    counts.rows += valid
    counts.rejected += rejected
    counts.new += new
    counts.duplicates += valid - rejected - new


def _load_journal(items, *, file_id, dry_run: bool, counts: _Counts, progress: Callable[[], None]) -> None:
    months = set(partition_months())
    size = block_rows()
    with connection.cursor() as cursor:
        cursor.execute(_JOURNAL_STAGE)
        if dry_run:
            cursor.execute(_JOURNAL_KEYS)
            cursor.execute("TRUNCATE ingest_journal_keys")
        block: list[dict] = []
        dates: list[date] = []
        for item in items:
            if isinstance(item, RowError):
                counts.reject(item)
                continue
            day = item["local_time"].date()
            if day.replace(day=1) not in months:
                counts.reject(RowError(item["line"], "local_time", _("no ledger partition for %(month)s")
                                       % {"month": day.strftime("%Y-%m")}))
                continue
            dates.append(day)
            block.append(item)
            if len(block) >= size:
                _in_block(lambda b=block: _journal_block(cursor, b, file_id=file_id, dry_run=dry_run, counts=counts),
                          dry_run)
                block = []
                progress()
        if block:
            _in_block(lambda: _journal_block(cursor, block, file_id=file_id, dry_run=dry_run, counts=counts), dry_run)
        if dates:
            counts.business_date = max(dates)


def _in_block(work: Callable[[], None], dry_run: bool) -> None:
    """A block commits on its own (its rows are in the ledger even if a later block fails; a re-run counts them
    as duplicates); in a dry run everything is already inside the one transaction that will be rolled back."""
    if dry_run:
        work()
    else:
        with transaction.atomic():
            work()


# --- clearing: COPY splits the file, the checks and the insert are set-based ---------------------------------------

_CLEARING_COLUMNS = ", ".join(f"c{i}" for i in range(1, 12))
# One staging table per block of the file: TEMP for a run inside a transaction (a dry run, a test), else UNLOGGED
# and named after the file and the block, so that the workers' connections read it too; each is dropped once its
# block is loaded (and all of them at the end whatever happens). ``ingest_clearing_stage`` in the statements below
# stands for its name.
_CLEARING_STAGE = f"""
CREATE {{kind}} TABLE {{name}} (
    line integer GENERATED BY DEFAULT AS IDENTITY (START WITH {{first}}), early text,
    {" text, ".join(f"c{i}" for i in range(1, 12))} text) WITH (autovacuum_enabled = false)"""
_CLEARING_FAST_COPY = (f"COPY ingest_clearing_stage ({_CLEARING_COLUMNS}) FROM STDIN (FORMAT csv, QUOTE E'\\x01', "
                       f"FORCE_NOT_NULL ({_CLEARING_COLUMNS}){{freeze}})")
# A block that is not plainly 11 fields a line (a control character, a blank line, another number of commas, or a
# COPY that refuses it) goes the careful way: raw lines into one text column, split in SQL, the line's own problem
# kept in ``early``.
_CLEARING_SPLIT = f"""
INSERT INTO ingest_clearing_stage (line, early, {_CLEARING_COLUMNS})
SELECT %(first)s + n - 1,
       CASE WHEN line ~ '[\\x01-\\x1f\\x7f]' THEN 'line' || chr(9) || %(control)s
            WHEN cardinality(a) <> 11 THEN 'line' || chr(9) || format(%(columns)s, cardinality(a)) END,
       {", ".join(f"a[{i}]" for i in range(1, 12))}
FROM (SELECT n, line, string_to_array(line, ',') AS a FROM ingest_clearing_raw) r
WHERE line IS NOT NULL AND line <> chr(127)"""

_DIGITS = "'0123456789'"
_ALNUM = "'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'"


def _date_ok(x: str) -> str:
    """``YYYY-MM-DD`` of a day that exists (year 0001 or later), without a regex or a cast that could fail."""
    year = f"substr({x}, 1, 4)::int"
    leap = f"(mod({year}, 4) = 0 AND (mod({year}, 100) <> 0 OR mod({year}, 400) = 0))"
    return (f"(length({x}) = 10 AND translate({x}, {_DIGITS}, '') = '--' AND substr({x}, 5, 1) = '-' "
            f"AND substr({x}, 8, 1) = '-' AND substr({x}, 1, 4) <> '0000' "
            f"AND substr({x}, 6, 2) BETWEEN '01' AND '12' AND substr({x}, 9, 2) BETWEEN '01' AND '31' "
            f"AND (substr({x}, 9, 2) <= '28' OR substr({x}, 9, 2) <= CASE "
            f"WHEN substr({x}, 6, 2) = '02' THEN CASE WHEN {leap} THEN '29' ELSE '28' END "
            f"WHEN substr({x}, 6, 2) IN ('04', '06', '09', '11') THEN '30' ELSE '31' END))")


def _alnum(x: str, low: int, high: int) -> str:
    return f"(length({x}) BETWEEN {low} AND {high} AND translate({x}, {_ALNUM}, '') = '')"


def _amount_ok(x: str) -> str:
    """``-?[0-9]{1,10}[.][0-9]{2}``: an optional minus, 1 to 10 digits, a point, two digits."""
    body = f"substr({x}, 1 + (left({x}, 1) = '-')::int)"
    return f"(length({body}) BETWEEN 4 AND 13 AND substr({body}, length({body}) - 2, 1) = '.' " \
           f"AND translate({body}, {_DIGITS}, '') = '.')"


# ``[0-9]{6,8}[*]{2,}[0-9]{4}`` or empty: the first star after 6 to 8 digits, stars up to the last four digits.
_MASKED_OK = (f"(c11 = '' OR (strpos(c11, '*') BETWEEN 7 AND 9 AND length(c11) >= strpos(c11, '*') + 5 "
              f"AND translate(left(c11, strpos(c11, '*') - 1), {_DIGITS}, '') = '' "
              f"AND translate(substr(c11, strpos(c11, '*'), length(c11) - 3 - strpos(c11, '*')), '*', '') = '' "
              f"AND translate(right(c11, 4), {_DIGITS}, '') = ''))")
_CLEARING_PROBLEM = f"""CASE
        WHEN early IS NOT NULL THEN early
        WHEN NOT {_date_ok("c1")} THEN 'clearing_date' || chr(9) || %(date)s
        WHEN NOT {_date_ok("c2")} THEN 'local_date' || chr(9) || %(date)s
        WHEN NOT {_alnum("c3", 1, 15)} THEN 'mid' || chr(9) || %(mid)s
        WHEN NOT {_alnum("c4", 8, 8)} THEN 'tid' || chr(9) || %(tid)s
        WHEN NOT {_alnum("c5", 12, 12)} THEN 'rrn' || chr(9) || %(rrn)s
        WHEN NOT (length(c6) = 6 AND translate(c6, {_DIGITS}, '') = '') THEN 'stan' || chr(9) || %(stan)s
        WHEN c7 NOT IN ('sale', 'void', 'refund', 'preauth', 'completion', 'reversal')
            THEN 'type' || chr(9) || %(type)s
        WHEN NOT {_amount_ok("c8")} THEN 'amount' || chr(9) || %(amount)s
        WHEN NOT (length(c9) = 3 AND translate(c9, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = '')
            THEN 'currency' || chr(9) || %(currency)s
        WHEN NOT {_amount_ok("c10")} THEN 'interchange_fee' || chr(9) || %(amount)s
        WHEN NOT {_MASKED_OK} THEN 'masked_pan' || chr(9) || %(masked)s
    END"""

# The rows of a range that pass every check, typed, with the merchant of the MID (NULL when unknown: kept for the
# reconciliation). The IngestFile row is locked once (KEY SHARE, what the foreign key would take per row): it
# cannot go away under the insert.
_CLEARING_SELECT = """
SELECT c1::date, c2::date, c3, c4, c5, c6, c7, replace(c8, '.', '')::bigint, c9, replace(c10, '.', '')::bigint,
       CASE WHEN c11 = '' THEN '' ELSE left(c11, strpos(c11, '*') - 1) END, right(c11, 4),
       m.id, f.id, s.line
FROM ingest_clearing_stage s
JOIN (SELECT id FROM transactions_ingestfile WHERE id = %(file)s FOR KEY SHARE) f ON true
LEFT JOIN merchants_merchant m ON m.mid = s.c3
WHERE /*GOOD*/"""
_CLEARING_INSERT = """
INSERT INTO transactions_clearingrecord (
    clearing_date, local_date, mid, tid, rrn, stan, type, amount_minor, currency, interchange_minor, bin, last4,
    merchant_id, ingest_file_id, source_line)"""

_CLEARING_DRY = """
INSERT INTO ingest_clearing_keys
SELECT c2::date, c4, c6, c5, c7 FROM ingest_clearing_stage v
WHERE /*GOOD*/ AND NOT EXISTS (
    SELECT 1 FROM transactions_clearingrecord o
    WHERE o.local_date = v.c2::date AND o.tid = v.c4 AND o.stan = v.c6 AND o.rrn = v.c5 AND o.type = v.c7)
ON CONFLICT DO NOTHING"""

# The range's rejected lines with their field and reason, and (marker 0) the count of its rows and the latest
# clearing date of its good rows. This is where the checks run; the insert that follows repeats them only when the
# range has a rejected line (``/*GOOD*/``).
_CLEARING_OUTCOME = f"""
WITH v AS (SELECT line, c1, {_CLEARING_PROBLEM} AS problem FROM ingest_clearing_stage)
SELECT 0, count(*)::int, max(c1) FILTER (WHERE problem IS NULL), '' FROM v
UNION ALL
SELECT 1, line, split_part(problem, chr(9), 1), split_part(problem, chr(9), 2) FROM v WHERE problem IS NOT NULL"""


def _clearing_reasons() -> dict:
    return {
        "control": _("control or binary characters"), "columns": _("%s columns instead of 11"),
        "date": _("not a date (YYYY-MM-DD)"), "mid": _("must be 1 to 15 letters or digits"),
        "tid": _("must be 8 letters or digits"), "rrn": _("must be 12 letters or digits"),
        "stan": _("must be 6 digits"), "type": _("unknown type (sale, void, refund, preauth, completion, reversal)"),
        "amount": _("not an amount (yuan with two decimals)"), "currency": _("not an ISO 4217 currency code"),
        "masked": _("not a masked card number (BIN, stars, last four)"),
    }


def _copy_plain(cursor, stage: str, kind: str, data: bytes, first: int, lines: int, *, freeze: bool) -> bool:
    """Create the block's table and COPY the block into it, split by COPY itself (FORMAT csv, no quote character:
    a plain block has none), frozen when the table is new in this transaction (nothing to write back on the first
    read). False, with nothing kept, when COPY refuses it or reads another number of rows."""
    try:
        with transaction.atomic():
            cursor.execute(_CLEARING_STAGE.format(kind=kind, name=stage, first=first))
            with cursor.cursor.copy(_staged(_CLEARING_FAST_COPY, stage).format(
                    freeze=", FREEZE" if freeze else "")) as copy:
                copy.write(data)
            if cursor.cursor.rowcount != lines:
                raise _NotPlain
    except (_NotPlain, DatabaseError, psycopg.Error):
        return False
    return True


class _NotPlain(Exception):
    pass


def _copy_careful(cursor, stage: str, kind: str, data: bytes, first: int, reasons: dict) -> None:
    """Create the block's table and fill it from the raw lines, split in SQL; a line with a control character or
    another number of fields keeps its problem in ``early``."""
    cursor.execute(_CLEARING_STAGE.format(kind=kind, name=stage, first=first))
    cursor.execute("TRUNCATE ingest_clearing_raw RESTART IDENTITY")
    with cursor.cursor.copy("COPY ingest_clearing_raw (line) FROM STDIN "
                            "(FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')") as copy:
        copy.write(data)
    cursor.execute(_staged(_CLEARING_SPLIT, stage), {**reasons, "first": first})


def _staged(sql: str, stage: str) -> str:
    return sql.replace("ingest_clearing_stage", stage)


def _insert_range(cursor, sql: str, params: dict) -> int:
    """The block's good rows into the clearing records; the number of new ones. A plain INSERT first (the unique
    key refuses any row already there or twice in the file); when it does, the block is inserted again with
    ``ON CONFLICT DO NOTHING``, which skips those rows. Either way the unique key is the idempotency. (Two workers
    that meet on a line twice in the file may deadlock: the loser does the same.)"""
    try:
        with transaction.atomic():
            cursor.execute(sql, params)
            return cursor.cursor.rowcount
    except (IntegrityError, OperationalError) as error:
        if isinstance(error, OperationalError) and not isinstance(error.__cause__, psycopg.errors.DeadlockDetected):
            raise
        cursor.execute(sql + " ON CONFLICT DO NOTHING", params)
        return cursor.cursor.rowcount


def _clearing_block(params: dict, *, dry_run: bool) -> tuple[int, list]:
    """Check and load one staged block in one transaction (on this thread's connection): ``(new rows, outcome
    rows)``. A plain block (every line of a good shape) needs only its distinct dates and types checked; when
    they pass, no line can be rejected and the insert checks nothing. Any other block runs every check per line."""
    stage = params["stage"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        results = None
        if params["plain"]:
            cursor.execute(f"SELECT array_agg(DISTINCT c1), array_agg(DISTINCT c2), array_agg(DISTINCT c7), "
                           f"count(*)::int FROM {stage}")
            clearing_dates, local_dates, types, rows = cursor.fetchone()
            if rows and clearing_parser.values_ok(clearing_dates + local_dates, types):
                results = [(0, rows, max(clearing_dates), "")]
        if results is None:
            cursor.execute(_staged(_CLEARING_OUTCOME, stage), params)
            results = cursor.fetchall()
        good = "true" if len(results) == 1 else f"({_CLEARING_PROBLEM}) IS NULL"
        if dry_run:
            cursor.execute(_staged(_CLEARING_DRY, stage).replace("/*GOOD*/", good), params)
            new = cursor.cursor.rowcount
        else:
            new = _insert_range(cursor, _staged(_CLEARING_INSERT + _CLEARING_SELECT, stage).replace("/*GOOD*/", good),
                                params)
        cursor.execute(f"DROP TABLE {stage}")
    return new, results


class _Blocks:
    """Runs ``work(params)`` for each block handed to :meth:`add`, on ``workers`` threads that each keep their own
    connection (each block commits on its own) while the caller stages the next blocks, or at once in the caller's
    thread when ``workers`` is 1. :meth:`finished` yields the results ready, :meth:`rest` waits for all; the first
    failure is raised once every block handed over has ended."""

    def __init__(self, work: Callable[[dict], tuple], workers: int):
        self.work, self.workers, self.pending = work, workers, 0
        self.todo: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.failures: list[BaseException] = []
        self.threads = [threading.Thread(target=contextvars.copy_context().run, args=(self._worker,), daemon=True)
                        for _n in range(workers if workers > 1 else 0)]
        for thread in self.threads:
            thread.start()

    def _worker(self) -> None:
        try:
            while (params := self.todo.get()) is not None:
                try:
                    self.done.put((self.work(params), None))
                except BaseException as error:  # handed to the caller's thread
                    self.done.put((None, error))
        finally:
            connections.close_all()  # this thread's connection

    def add(self, params: dict) -> None:
        self.pending += 1
        if not self.threads:
            self.done.put((self.work(params), None))
        else:
            self.todo.put(params)

    def finished(self, wait: bool = False):
        while self.pending and (wait or not self.done.empty()):
            result, error = self.done.get()
            self.pending -= 1
            if error is None:
                yield result
            else:
                self.failures.append(error)
        if self.failures and (wait or not self.pending):
            raise self.failures[0]

    def rest(self):
        yield from self.finished(wait=True)

    def close(self) -> None:
        for _thread in self.threads:
            self.todo.put(None)
        for thread in self.threads:
            thread.join()


def _load_clearing(stream, *, file_id, dry_run: bool, counts: _Counts, progress: Callable[..., None]) -> None:
    """Each block of the file into its own staging table by COPY, then per block the checks (with the report) and
    one insert; outside a transaction the blocks are checked and loaded on ``ACQUIRER_JOB_WORKERS`` connections
    while the next ones are staged."""
    clearing_parser.read_header(stream)
    reasons = _clearing_reasons()
    workers = 1 if connection.in_atomic_block else max(1, int(getattr(settings, "ACQUIRER_JOB_WORKERS", 1)))
    kind, prefix = ("TEMP", "ingest_clearing_stage_") if workers == 1 else ("UNLOGGED", f"ingest_clearing_{file_id}_")
    latest, names = "", []
    runner = _Blocks(partial(_clearing_block, dry_run=dry_run), workers)

    def tally(done) -> None:
        nonlocal latest
        for new, results in done:
            latest = max(latest, results[0][2] or "")
            _tally([(0, new, "", ""), *results[1:]], valid=results[0][1], counts=counts)
        progress(share=1.0 if runner.pending else 0.99)

    with connection.cursor() as cursor:
        cursor.execute(_CLEARING_RAW)
        if dry_run:
            cursor.execute(_CLEARING_KEYS)
            cursor.execute("TRUNCATE ingest_clearing_keys")
        try:
            first = 2
            for number, (lines, data, plain) in enumerate(clearing_parser.blocks(stream)):
                stage = f"{prefix}{number}"
                names.append(stage)
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
                if not (plain and _copy_plain(cursor, stage, kind, data, first, lines, freeze=workers > 1)):
                    _copy_careful(cursor, stage, kind, data, first, reasons)
                    plain = False
                runner.add({**reasons, "stage": stage, "plain": plain, "file": file_id})
                first += lines
                tally(runner.finished())
            tally(runner.rest())
        finally:
            runner.close()
            for stage in names:
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
    if latest:
        counts.business_date = date.fromisoformat(latest)


# --- bank statement -------------------------------------------------------------------------------------------------

_BANK_INSERT = """
WITH ins AS (
    INSERT INTO transactions_bankstatementline (
        account_hash, account_masked, clearing_account_id, merchant_id, statement_reference, value_date, entry_date,
        amount_minor, currency, reference, details, sequence, ingest_file_id)
    SELECT %(hash)s, %(masked)s, %(clearing)s, %(merchant)s, %(reference)s, value_date, entry_date, amount_minor,
           currency, reference, details, sequence, %(file)s
    FROM ingest_bank_stage
    ON CONFLICT DO NOTHING
    RETURNING 1
) SELECT count(*) FROM ins"""

_BANK_DRY = """
SELECT count(*) FROM ingest_bank_stage s WHERE NOT EXISTS (
    SELECT 1 FROM transactions_bankstatementline o
    WHERE o.account_hash = %(hash)s AND o.statement_reference = %(reference)s AND o.sequence = s.sequence)"""


def _load_bank(data: bytes, *, file_id, dry_run: bool, counts: _Counts) -> None:
    found = mt940_parser.statements(data)
    with connection.cursor() as cursor:
        cursor.execute(_BANK_STAGE)
        for statement in found:
            number_hash = keyed_hash(statement["account"])
            account = registered_account(number_hash=number_hash)
            if account is None:
                message = _("The account %(account)s is not one of our registered settlement or clearing accounts.") \
                    % {"account": mask(statement["account"])}
                if not dry_run:
                    raise Refused(message)
                counts.warning = message
                account = {"merchant_id": None, "clearing_account_id": None, "masked": mask(statement["account"])}

            def work(statement=statement, account=account, number_hash=number_hash):
                cursor.execute("TRUNCATE ingest_bank_stage")
                with cursor.cursor.copy("COPY ingest_bank_stage (sequence, value_date, entry_date, amount_minor, "
                                        "currency, reference, details) FROM STDIN") as copy:
                    for line in statement["lines"]:
                        copy.write_row((line["sequence"], line["value_date"], line["entry_date"],
                                        line["amount_minor"], line["currency"][:3], line["reference"],
                                        line["details"]))
                params = {"hash": number_hash, "masked": account["masked"], "clearing": account["clearing_account_id"],
                          "merchant": account["merchant_id"], "reference": statement["reference"], "file": file_id}
                cursor.execute(_BANK_DRY if dry_run else _BANK_INSERT, params)
                new = cursor.fetchone()[0]
                counts.rows += len(statement["lines"])
                counts.new += new
                counts.duplicates += len(statement["lines"]) - new

            _in_block(work, dry_run)
            dates = [line["value_date"] for line in statement["lines"]]
            if dates:
                counts.business_date = max(dates)


# --- whole-file checks ---------------------------------------------------------------------------------------------

def _precheck(kind: str, path: Path) -> tuple[str, int]:
    """SHA-256 and size of the file, and the checks of the whole file: framing for ISO 8583, UTF-8 text for the
    CSV kinds. :class:`Refused` with the reason."""
    digest = hashlib.sha256()
    size = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
            size += len(chunk)
            if kind in (K.JOURNAL_CSV,):
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    raise Refused(_("The file is not UTF-8 text.")) from None
    if size == 0:
        raise Refused(_("The file is empty."))
    if kind == K.JOURNAL:
        with open(path, "rb") as handle:
            journal_iso.check(handle)
    return digest.hexdigest(), size


# --- the run ---------------------------------------------------------------------------------------------------------

def _progress_updater(record: IngestFile, handle, size: int, dry_run: bool) -> Callable[..., None]:
    """``update()`` sets the progress from the position in the file (``share``: the part of the work reading the
    file is); ``update(done)`` from a fraction (0-1) of the work, for a kind whose work goes on after reading."""
    def update(done: float | None = None, *, share: float = 1.0) -> None:
        if dry_run or record.pk is None or not size:
            return
        if done is None:
            try:
                position = handle.tell()
            except (OSError, ValueError):
                return
            percent = min(99, int(position * 100 * share // size))
        else:
            percent = min(99, int(done * 100))
        if percent != record.progress:
            record.progress = percent
            IngestFile.objects.filter(pk=record.pk).update(progress=percent)
    return update


def _load(record: IngestFile, handle, *, size: int, dry_run: bool, rewrite=None) -> _Counts:
    """Parse and load the open binary ``handle`` of ``record.kind``; ``rewrite`` receives the stored form of a
    journal (PAN masked, token added)."""
    counts = _Counts()
    progress = _progress_updater(record, handle, size, dry_run)
    file_id = record.pk
    if record.kind == K.JOURNAL:
        items = journal_iso.parse(handle, key=card_key(), rewrite=rewrite)
        _load_journal(items, file_id=file_id, dry_run=dry_run, counts=counts, progress=progress)
    elif record.kind == K.JOURNAL_CSV:
        items = journal_csv.parse(handle, key=card_key(), rewrite=rewrite)
        _load_journal(items, file_id=file_id, dry_run=dry_run, counts=counts, progress=progress)
    elif record.kind == K.CLEARING:
        _load_clearing(handle, file_id=file_id, dry_run=dry_run, counts=counts, progress=progress)
    else:
        _load_bank(handle.read(), file_id=file_id, dry_run=dry_run, counts=counts)
    counts.errors.sort(key=lambda error: error.line)
    return counts


def _write_report(counts: _Counts) -> str:
    if not counts.errors:
        return ""
    with files.private_writer(folder=REPORT_FOLDER, extension=".csv") as (stored_name, writer):
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\n")
        out.writerow(["line", "field", "reason"])
        for error in counts.errors:
            out.writerow([error.line, error.field, error.reason])
            if buffer.tell() > _READ:
                writer.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate()
        writer.write(buffer.getvalue().encode())
    return stored_name


def _audit_data(record: IngestFile) -> dict:
    return {"kind": record.kind, "file": record.original_name, "sha256": record.sha256, "rows": record.rows,
            "new": record.new, "duplicates": record.duplicates, "rejected": record.rejected}


def _finish(record: IngestFile, counts: _Counts) -> None:
    record.rows, record.new, record.duplicates, record.rejected = (counts.rows, counts.new, counts.duplicates,
                                                                   counts.rejected)
    record.business_date = counts.business_date
    record.errors = counts.errors
    record.message = counts.warning
    if record.dry_run:
        record.status = S.DONE
        record.progress = 100
        return
    record.report_name = _write_report(counts)
    with transaction.atomic():
        record.status, record.progress = S.DONE, 100
        record.status_changed_at = record.finished_at = timezone.now()
        record.save()
        audit.record("ingest.completed", actor=record.uploaded_by, target=record, data=_audit_data(record))
        # risk rules engine (issue #13): the new rows of a journal go through the risk rules after the commit
        if record.kind in JOURNAL_KINDS and record.new:
            outbox.enqueue(RISK_TASK, {"ingest_file_id": record.pk})


def _refuse(record: IngestFile, reason: str) -> IngestFile:
    record.message = reason
    record.status = S.REFUSED
    record.errors = []
    if record.dry_run:
        return record
    with transaction.atomic():
        record.status_changed_at = record.finished_at = timezone.now()
        record.save()
        audit.record("ingest.refused", actor=record.uploaded_by, target=record,
                     data={"kind": record.kind, "file": record.original_name, "sha256": record.sha256,
                           "reason": reason})
    return record


def _fail(record: IngestFile, error: BaseException) -> None:
    log.exception("ingest of file %s (%s) failed", record.pk, record.kind)
    if record.pk is None:
        return
    record.status, record.message = S.FAILED, _("The ingest failed: %(error)s.") % {"error": type(error).__name__}
    record.status_changed_at = record.finished_at = timezone.now()
    with transaction.atomic():
        record.save()
        audit.record("ingest.failed", actor=record.uploaded_by, target=record,
                     data={"kind": record.kind, "file": record.original_name, "error": type(error).__name__})


class _DryRunRollback(Exception):
    pass


def ingest_path(*, kind: str, path, actor=None, dry_run: bool = False, original_name: str | None = None,
                source: str = "command") -> IngestFile:
    """Ingest the file at ``path`` as ``kind`` now (synchronously). Returns the :class:`IngestFile` with its
    status (done or refused), counts and ``errors`` (the row errors, a list of ``RowError``, also stored as the
    row report). A journal is stored only as its rewrite (PAN masked); the other kinds as they are.

    ``dry_run``: everything happens inside a transaction that is rolled back; the returned file is not saved
    (``pk`` is None) and its ``new``/``duplicates`` say what a real run would add."""
    if kind not in KINDS:
        raise IngestRefused(_("Unknown kind “%(kind)s”: use one of %(kinds)s.") % {"kind": kind,
                                                                                  "kinds": ", ".join(KINDS)})
    path = Path(path)
    record = IngestFile(kind=kind, original_name=(original_name or path.name)[:200], dry_run=dry_run,
                        uploaded_by=actor, source=source, status=S.RUNNING, started_at=timezone.now())
    try:
        record.sha256, record.size = _precheck(kind, path)
    except Refused as refusal:
        if not dry_run:
            record.save()
        return _refuse(record, str(refusal))
    except OSError as error:
        raise IngestRefused(_("The file cannot be read: %(error)s.") % {"error": error.strerror or error}) from None
    if dry_run:
        return _dry_run(record, path)
    record.save()
    try:
        with open(path, "rb") as handle, files.private_writer(folder=STORE_FOLDER,
                                                             extension=EXTENSIONS[kind]) as (stored_name, writer):
            if kind in JOURNAL_KINDS:
                counts = _load(record, handle, size=record.size, dry_run=False, rewrite=writer.write)
            else:
                with open(path, "rb") as original:
                    shutil.copyfileobj(original, writer, _READ)
                counts = _load(record, handle, size=record.size, dry_run=False)
        record.stored_name = stored_name
    except Refused as refusal:
        return _refuse(record, str(refusal))
    except Exception as error:
        _fail(record, error)
        raise
    _finish(record, counts)
    return record


def _dry_run(record: IngestFile, path: Path) -> IngestFile:
    outcome = {}
    try:
        with transaction.atomic(), open(path, "rb") as handle:
            outcome["counts"] = _load(record, handle, size=record.size, dry_run=True)
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    except Refused as refusal:
        return _refuse(record, str(refusal))
    _finish(record, outcome["counts"])
    return record


# --- uploads and the task ------------------------------------------------------------------------------------------

def _upload_precheck(kind: str, uploaded_file) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(_READ):
        digest.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest(), size


def _stream_of(uploaded_file):
    """A binary stream of the upload (a temporary file on disk or bytes in memory)."""
    uploaded_file.seek(0)
    return uploaded_file.file if hasattr(uploaded_file, "file") else uploaded_file


def ingest_upload(*, actor, kind: str, uploaded_file) -> IngestFile:
    """Take an uploaded file for ingest: check it as a whole, store it (a journal only as its rewrite with every
    PAN masked: the upload is streamed through the parser and never stored as uploaded), record it queued and
    queue the task ``transactions.tasks.ingest_file`` after commit (through the outbox: a broker that is down
    delays the run, never fails the request). A file refused as a whole is recorded refused, with its reason."""
    if kind not in KINDS:
        raise IngestRefused(_("Unknown kind “%(kind)s”.") % {"kind": kind})
    if uploaded_file.size > max_bytes():
        raise IngestRefused(_("The file is larger than %(size)s MB.") % {"size": max_bytes() // (1024 * 1024)})
    sha256, size = _upload_precheck(kind, uploaded_file)
    record = IngestFile(kind=kind, original_name=(uploaded_file.name or "upload")[:200], sha256=sha256, size=size,
                        uploaded_by=actor, source="upload", status=S.QUEUED)
    try:
        record.stored_name = _store_upload(kind, uploaded_file)
    except Refused as refusal:
        record.save()
        return _refuse(record, str(refusal))
    try:
        with transaction.atomic():
            record.save()
            audit.record("ingest.uploaded", actor=actor, target=record,
                         data={"kind": kind, "file": record.original_name, "sha256": sha256, "size": size})
            outbox.enqueue(TASK, {"file_id": record.pk})
    except BaseException:
        files.delete_stored(record.stored_name)
        raise
    return record


def _store_upload(kind: str, uploaded_file) -> str:
    """The stored form of an upload; :class:`Refused` when the file is refused as a whole (nothing stored)."""
    stream = _stream_of(uploaded_file)
    with files.private_writer(folder=STORE_FOLDER, extension=EXTENSIONS[kind]) as (stored_name, writer):
        if kind == K.JOURNAL:
            journal_iso.check(stream)
            stream.seek(0)
            for item in journal_iso.parse(stream, key=card_key(), rewrite=writer.write):
                del item
        elif kind == K.JOURNAL_CSV:
            for item in journal_csv.parse(stream, key=card_key(), rewrite=writer.write):
                del item
        else:
            head = stream.read(_READ)
            if kind == K.CLEARING:
                clearing_parser.read_header(io.BytesIO(head))
            elif kind == K.BANK_STATEMENT:
                rest = stream.read()
                _check_statement(head + rest)
                head += rest
            writer.write(head)
            shutil.copyfileobj(stream, writer, _READ)
    return stored_name


def _check_statement(data: bytes) -> None:
    for statement in mt940_parser.statements(data):
        if registered_account(number_hash=keyed_hash(statement["account"])) is None:
            raise Refused(_("The account %(account)s is not one of our registered settlement or clearing accounts.")
                          % {"account": mask(statement["account"])})


def ingest_stored(*, file_id: int) -> IngestFile | None:
    """The task's work: run a queued upload from its stored form. Safe to run twice: a file already done, refused
    or failed is left alone; a file left running by a lost worker runs again (what it loaded counts as
    duplicates)."""
    with transaction.atomic():
        record = IngestFile.objects.select_for_update().filter(pk=file_id).first()
        if record is None or record.status not in (S.QUEUED, S.RUNNING):
            return record
        record.status, record.status_changed_at, record.started_at = S.RUNNING, timezone.now(), timezone.now()
        record.save(update_fields=["status", "status_changed_at", "started_at"])
    try:
        with files.open_stored(record.stored_name) as handle:
            counts = _load(record, handle, size=record.size, dry_run=False)
    except Refused as refusal:
        return _refuse(record, str(refusal))
    except OperationalError:
        raise  # the database went away: the file stays running and the task tries again
    except Exception as error:
        _fail(record, error)
        raise
    _finish(record, counts)
    return record


# --- reading back ----------------------------------------------------------------------------------------------------

def ingest_report_rows(*, record: IngestFile, limit: int) -> list[list[str]]:
    """The first ``limit`` rows of the stored row report (line, field, reason)."""
    if not record.report_name:
        return []
    rows = []
    with files.open_stored(record.report_name) as handle:
        reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8"))
        next(reader, None)
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    return rows


@transaction.atomic
def ingest_report_download(*, actor, record: IngestFile):
    """The row report as an attachment; the download is audited (``acquirer.files.audited_download``)."""
    if not record.report_name:
        raise DomainError(_("This file has no row report."))
    stem = Path(record.original_name).stem or "ingest"
    return files.audited_download(actor=actor, stored_name=record.report_name, filename=f"{stem}-report.csv",
                                  content_type="text/csv", action="ingest.report_downloaded", target=record,
                                  data={"kind": record.kind, "file": record.original_name})
