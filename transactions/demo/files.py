"""Writers of the four ingest kinds, used by the demo seeder, the benchmarks and the tests. Each writes exactly
the layout ``docs/transactions.md`` documents (and the parsers read).

Journal rows are dicts with the keys ``terminal_id`` (8), ``merchant_id`` (MID), ``local_time`` (naive datetime,
Asia/Shanghai wall time), ``type`` (sale, void, refund, preauth, completion, reversal), ``channel`` (chip,
contactless, magstripe, unionpay_qr, other_qr), ``pan`` (full card number, or "" for a QR payment without a card),
``amount`` (``Decimal`` yuan, unsigned: the type gives the sign), ``currency`` (``CNY``), ``stan`` (6 digits),
``rrn`` (12), ``auth_code`` (up to 6), ``response_code`` (2, ``00`` approved) and ``batch`` (up to 6 digits); for
the ISO journal optionally ``latitude`` and ``longitude``."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from transactions.parsers import journal_iso
from transactions.parsers.clearing import HEADER as CLEARING_HEADER
from transactions.parsers.journal_csv import HEADER as JOURNAL_HEADER

ISO_TYPES = {"sale": ("0200", "000000"), "void": ("0200", "020000"), "refund": ("0200", "200000"),
             "preauth": ("0100", "030000"), "completion": ("0220", "000000"), "reversal": ("0400", "000000")}
ISO_ENTRY = {"chip": "051", "contactless": "071", "magstripe": "021", "unionpay_qr": "031", "other_qr": "041"}
ISO_CURRENCY = {alpha: numeric for numeric, alpha in journal_iso.CURRENCIES.items()}


def _yuan(amount) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01'))}"


def write_journal_csv(path, rows) -> int:
    """Write ``rows`` (journal row dicts, see the module) as a ``journal-csv`` file at ``path``; returns the count."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(JOURNAL_HEADER)
        for row in rows:
            out.writerow([row["terminal_id"], row["merchant_id"], row["local_time"].isoformat(timespec="seconds"),
                          row["type"], row["channel"], row.get("pan", ""), _yuan(abs(Decimal(row["amount"]))),
                          row.get("currency", "CNY"), row["stan"], row["rrn"], row.get("auth_code", ""),
                          row.get("response_code", "00"), row.get("batch", "")])
            count += 1
    return count


def iso_fields(row: dict) -> dict:
    """The ISO 8583 fields of one journal row (the spec of ``transactions.parsers.journal_iso``)."""
    mti, processing = ISO_TYPES[row["type"]]
    fields = {
        "t": mti, "3": processing, "4": f"{int(abs(Decimal(row['amount'])) * 100):012d}",
        "7": row["local_time"].strftime("%m%d%H%M%S"), "11": row["stan"],
        "12": row["local_time"].strftime("%y%m%d%H%M%S"), "22": ISO_ENTRY[row["channel"]], "37": row["rrn"],
        "39": row.get("response_code", "00"), "41": row["terminal_id"], "42": row["merchant_id"].ljust(15),
        "49": ISO_CURRENCY[row.get("currency", "CNY")],
    }
    if row.get("pan"):
        fields["2"] = row["pan"]
    if row.get("auth_code"):
        fields["38"] = row["auth_code"].ljust(6)
    if row.get("batch"):
        fields["60"] = row["batch"]
    if row.get("latitude") is not None and row.get("longitude") is not None:
        fields["62"] = f"{Decimal(row['latitude']):.6f},{Decimal(row['longitude']):.6f}"
    return fields


def write_journal_iso(path, rows) -> int:
    """Write ``rows`` (journal row dicts) as length-prefixed ISO 8583 messages at ``path``; returns the count."""
    count = 0
    with Path(path).open("wb") as handle:
        for row in rows:
            handle.write(journal_iso.encode_message(iso_fields(row)))
            count += 1
    return count


def write_clearing(path, rows, clearing_date: date) -> int:
    """Write a ``clearing`` file at ``path`` for ``clearing_date``. ``rows`` are dicts with ``local_date`` (date),
    ``mid``, ``tid``, ``rrn``, ``stan``, ``type``, ``amount`` (``Decimal`` yuan, signed: negative for refunds, voids
    and reversals), optional ``currency`` (``CNY``), ``interchange_fee`` (``Decimal`` yuan, default 0) and
    ``masked_pan`` (BIN + stars + last four, or ""); returns the count."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(CLEARING_HEADER) + "\n")
        for row in rows:
            handle.write(f"{clearing_date:%Y-%m-%d},{row['local_date']:%Y-%m-%d},{row['mid']},{row['tid']},"
                         f"{row['rrn']},{row['stan']},{row['type']},{_yuan(row['amount'])},"
                         f"{row.get('currency', 'CNY')},{_yuan(row.get('interchange_fee', 0))},"
                         f"{row.get('masked_pan', '')}\n")
            count += 1
    return count


def _mt940_amount(minor: int) -> str:
    return f"{abs(minor) // 100},{abs(minor) % 100:02d}"


def write_mt940(path, *, account_number: str, statement_reference: str, opening_date: date, lines,
                opening_minor: int = 0, currency: str = "CNY") -> int:
    """Write an MT940 statement at ``path`` for ``account_number`` (``:25:``), reference ``statement_reference``
    (``:20:``, up to 16 characters), opening balance ``opening_minor`` on ``opening_date``. ``lines`` are dicts
    with ``value_date`` (date), ``amount_minor`` (int: credits positive, debits negative), ``reference`` (the
    payout reference, e.g. ``P261130000000123``, put in the ``:61:`` customer reference) and optional
    ``details`` (``:86:``, wrapped at 65 characters); returns the number of entries."""
    out = [f":20:{statement_reference}", f":25:{account_number}", ":28C:00001/001",
           f":60F:{'C' if opening_minor >= 0 else 'D'}{opening_date:%y%m%d}{currency}{_mt940_amount(opening_minor)}"]
    balance, closing_date, count = opening_minor, opening_date, 0
    for line in lines:
        value_date, amount = line["value_date"], int(line["amount_minor"])
        mark = "C" if amount >= 0 else "D"
        reference = line.get("reference") or "NONREF"
        out.append(f":61:{value_date:%y%m%d}{value_date:%m%d}{mark}{_mt940_amount(amount)}NTRF{reference}")
        details = line.get("details", "")
        chunks = [details[i:i + 65] for i in range(0, len(details), 65)] or [""]
        out.append(":86:" + "\n".join(chunks))
        balance += amount
        closing_date = max(closing_date, value_date)
        count += 1
    out.append(f":62F:{'C' if balance >= 0 else 'D'}{closing_date:%y%m%d}{currency}{_mt940_amount(balance)}")
    Path(path).write_text("\r\n".join(out) + "\r\n", encoding="utf-8")
    return count
