"""Demo transactions: 60 days of trading on the demo merchants' active terminals, fed through the real ingest,
settlement and reconciliation, with a few planted differences of each kind; and the files of today, left under
``var/demo-files/`` for a person to upload and reconcile.

Everything goes through the same services as production (``ingest_path``, ``settlement_build``,
``payout_file_create``, ``recon_start``), so the ingest history, the audit trail and the runs are real. Idempotent:
a second run finds the ledger filled and does nothing."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from transactions.cards import luhn_ok

DAYS = 60
SEED = 20261130
# (prefix, length): UnionPay debit and credit, Visa, Mastercard.
CARD_RANGES = [("622588", 16), ("621483", 19), ("625800", 16), ("628288", 16), ("453201", 16), ("542418", 16)]
CHANNELS = [("chip", 34), ("contactless", 22), ("magstripe", 4), ("unionpay_qr", 25), ("other_qr", 15)]
TICKETS = {"898290058120001": (1500, 12000), "898290058120002": (1800, 8800)}  # fen, per merchant (by MID)


def demo_files_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-files"


def _pan(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@dataclass
class Day:
    """A day's journal rows (as the terminals report them) and the network's clearing rows for it."""

    day: date
    journal: list = field(default_factory=list)
    clearing: list = field(default_factory=list)


def _rows_for_day(rng: random.Random, day: date, terminals: list, cards: list, plant: bool, ago: int = 0) -> Day:
    from transactions.demo import risk

    result = Day(day)
    idle = risk.dormant(terminals) if risk.DORMANT_BACK < ago <= risk.DORMANT_FROM else None
    for terminal in terminals:
        if terminal == idle:
            continue
        low, high = TICKETS.get(terminal.mid, (1000, 9000))
        stan = rng.randint(1, 5000)
        batch = f"{(day - date(2020, 1, 1)).days % 1000000:06d}"
        sales = []
        for _ in range(rng.randint(55, 95)):
            stan += 1
            channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
            pan = rng.choice(cards) if channel in ("chip", "contactless", "magstripe") else ""
            at = datetime.combine(day, time(8)) + timedelta(seconds=rng.randint(0, 13 * 3600))
            amount = Decimal(rng.randint(low, high)) / 100
            if rng.random() < 0.25:
                amount = amount.quantize(Decimal("1"))  # cash prices
            row = {"terminal_id": terminal.tid, "merchant_id": terminal.mid, "local_time": at, "type": "sale",
                   "channel": channel, "pan": pan, "amount": amount, "currency": "CNY", "stan": f"{stan:06d}",
                   "rrn": f"{day:%y%m%d}{terminal.tid[-2:]}{stan:04d}"[-12:],
                   "auth_code": f"{rng.randint(0, 999999):06d}", "response_code": "00", "batch": batch}
            if rng.random() < 0.03:
                row.update(response_code=rng.choice(["05", "51", "55"]), auth_code="")
            elif rng.random() < 0.012:
                row.update(type="preauth")
            result.journal.append(row)
            if row["response_code"] == "00":
                sales.append(row)
        # a few voids, refunds, reversals and pre-authorisation completions against the day's approved rows
        for row in [r for r in sales if r["type"] == "preauth"]:
            stan += 1
            result.journal.append({**row, "type": "completion", "stan": f"{stan:06d}",
                                   "local_time": row["local_time"] + timedelta(minutes=40)})
        for kind, share in (("void", 0.01), ("refund", 0.02), ("reversal", 0.005)):
            for row in [r for r in sales if r["type"] == "sale" and rng.random() < share]:
                stan += 1
                reversal = {**row, "type": kind, "stan": f"{stan:06d}",
                            "local_time": row["local_time"] + timedelta(minutes=rng.randint(2, 90))}
                if kind == "refund":  # a refund is a transaction of its own; a void or reversal names the original
                    reversal["rrn"] = f"{day:%y%m%d}{terminal.tid[-2:]}{stan:04d}"[-12:]
                result.journal.append(reversal)
    risk.plant(rng, result, ago, terminals, cards)  # rows that make each shipped risk rule fire once
    result.journal.sort(key=lambda r: r["local_time"])
    cancelled = {(r["terminal_id"], r["rrn"]) for r in result.journal if r["type"] in ("void", "reversal")}
    for row in result.journal:
        if (row["response_code"] == "00" and row["type"] in ("sale", "completion", "refund")
                and (row["terminal_id"], row["rrn"]) not in cancelled):
            amount = -row["amount"] if row["type"] == "refund" else row["amount"]
            masked = f"{row['pan'][:6]}******{row['pan'][-4:]}" if row["pan"] else ""
            result.clearing.append({"local_date": day, "mid": row["merchant_id"], "tid": row["terminal_id"],
                                    "rrn": row["rrn"], "stan": row["stan"], "type": row["type"], "amount": amount,
                                    "currency": row["currency"], "masked_pan": masked})
    if plant and len(result.clearing) > 10:
        _plant(rng, result)
    return result


def _plant(rng: random.Random, day: Day) -> None:
    """One difference of each kind: an amount the network cleared differently, a transaction it never cleared, one
    it cleared that our journal lacks, and one it cleared twice."""
    picks = rng.sample(range(len(day.clearing)), 3)
    mismatch, dropped, doubled = (day.clearing[i] for i in picks)
    mismatch["amount"] = mismatch["amount"] + Decimal("1.00")
    day.clearing.remove(dropped)
    stranger = dict(doubled)
    stranger.update(rrn=f"{day.day:%y%m%d}990001", stan="990001", amount=Decimal("66.00"))
    day.clearing.append(stranger)
    twin = dict(doubled)
    twin.update(stan=f"{(int(doubled['stan']) + 500000) % 1000000:06d}")
    day.clearing.append(twin)


def seed(*, staff: dict, merchants: list) -> None:
    from terminals.models import Terminal
    from transactions.demo import files
    from transactions.models import IngestFile, SettlementBatch, Transaction
    from transactions.services.ingest import ingest_path
    from transactions.services.recon import recon_start
    from transactions.services.settlement import NothingDue, payout_file_create, settlement_build

    if Transaction.objects.filter(merchant_id__in=[m.pk for m in merchants]).exists():
        return
    terminals = list(Terminal.objects.filter(merchant__in=merchants, status=Terminal.Status.ACTIVE,
                                             tid__isnull=False).order_by("tid"))
    if not terminals:
        return
    rng = random.Random(SEED)
    cards = [_pan(rng, prefix, length) for prefix, length in CARD_RANGES for _ in range(60)]
    today = timezone.localdate()
    folder = demo_files_dir()
    work = folder / "history"
    work.mkdir(parents=True, exist_ok=True)
    actor = staff["ops"]
    days = [_rows_for_day(rng, today - timedelta(days=n), terminals, cards, plant=n in (1, 2, 9, 23), ago=n)
            for n in range(DAYS, -1, -1)]
    past, current = days[:-1], days[-1]

    journal = work / "journal-history.csv"
    files.write_journal_csv(journal, [row for day in past for row in day.journal if "latitude" not in row])
    ingest_path(kind=IngestFile.Kind.JOURNAL_CSV, path=journal, actor=actor, source="demo")
    journal.unlink()
    # rows that report where the terminal was come as ISO 8583 (the CSV journal has no location)
    located = [row for day in past for row in day.journal if "latitude" in row]
    if located:
        journal = work / "journal-located.iso8583"
        files.write_journal_iso(journal, located)
        ingest_path(kind=IngestFile.Kind.JOURNAL, path=journal, actor=actor, source="demo")
        journal.unlink()
    for day in past:
        clearing = work / f"clearing-{day.day:%Y%m%d}.csv"
        files.write_clearing(clearing, day.clearing, clearing_date=day.day + timedelta(days=1))
        ingest_path(kind=IngestFile.Kind.CLEARING, path=clearing, actor=actor, source="demo")
        clearing.unlink()
        settlement_build(day=day.day, actor=actor)
    payout_dates = sorted(set(SettlementBatch.objects.filter(payout_date__lt=today, merchant__in=merchants)
                              .values_list("payout_date", flat=True)))
    for n, payout_date in enumerate(payout_dates, start=1):
        # planted on the bank's side: a credit 0.10 short, and a payout the bank never confirmed
        _pay(files, work, payout_date, actor, short=n == len(payout_dates) - 2, drop=n == len(payout_dates) - 4)
    for day in past:
        recon_start(side="clearing", business_date=day.day, actor=actor, wait=True)
    for payout_date in payout_dates:
        recon_start(side="bank", business_date=payout_date, actor=actor, wait=True)

    _work_breaks(staff)
    from transactions.demo import risk

    risk.seed(staff=staff, merchants=merchants, first=today - timedelta(days=DAYS), last=today - timedelta(days=1))

    # Today's files, for a person to upload: the journal (CSV and ISO 8583), the clearing file, and the bank's
    # statement of today's payouts.
    folder.mkdir(parents=True, exist_ok=True)
    files.write_journal_csv(folder / f"journal-{today:%Y%m%d}.csv", current.journal)
    files.write_journal_iso(folder / f"journal-{today:%Y%m%d}.iso8583", current.journal)
    _plant(rng, current)
    files.write_clearing(folder / f"clearing-{today:%Y%m%d}.csv", current.clearing,
                         clearing_date=today + timedelta(days=1))
    try:
        payout_file_create(payout_date=today, actor=actor)
    except NothingDue:
        return
    _statements(files, folder, today, short=True, keep=True)


def _pay(files, work: Path, payout_date: date, actor, *, short: bool, drop: bool) -> None:
    from transactions.models import IngestFile
    from transactions.services.ingest import ingest_path
    from transactions.services.settlement import NothingDue, payout_file_create

    try:
        payout_file_create(payout_date=payout_date, actor=actor)
    except NothingDue:
        return
    for path in _statements(files, work, payout_date, short=short, drop=drop, keep=False):
        ingest_path(kind=IngestFile.Kind.BANK_STATEMENT, path=path, actor=actor, source="demo")
        path.unlink()


def _statements(files, folder: Path, payout_date: date, *, short: bool = False, drop: bool = False,
                keep: bool) -> list[Path]:
    """One MT940 statement per merchant settlement account with a credit per payout of ``payout_date``; when
    ``short``, the first merchant's first credit is 0.10 short; when ``drop``, the last merchant's last credit is
    missing."""
    from transactions.models import SettlementBatch

    batches = SettlementBatch.objects.filter(payout_date=payout_date, status=SettlementBatch.Status.IN_PAYOUT,
                                             settlement_account__isnull=False).select_related("settlement_account")
    by_account: dict = {}
    for batch in batches.order_by("merchant_id", "id"):
        by_account.setdefault(batch.settlement_account, []).append(batch)
    paths = []
    for n, (account, payouts) in enumerate(by_account.items()):
        lines = []
        for batch in payouts:
            amount = batch.payout_minor
            if short and n == 0 and not lines:
                amount -= 10
            if drop and n == len(by_account) - 1 and batch is payouts[-1]:
                continue
            lines.append({"value_date": payout_date, "amount_minor": amount, "reference": batch.payout_reference,
                          "details": f"结算款 {batch.payout_reference} SETTLEMENT {batch.settlement_date:%Y-%m-%d}"})
        path = folder / f"statement-{payout_date:%Y%m%d}-{n + 1}.mt940" if keep else \
            folder / f"statement-{payout_date:%Y%m%d}-{account.pk}.mt940"
        files.write_mt940(path, account_number=account.account_number,
                          statement_reference=f"ST{payout_date:%Y%m%d}{account.pk:04d}", opening_date=payout_date,
                          lines=lines)
        paths.append(path)
    return paths


def _work_breaks(staff: dict) -> None:
    """Breaks in every state: one resolved by the risk analyst (small enough for one person), one under
    investigation, and the bank's missing confirmation proposed as an adjustment, waiting for a manager's second
    approval (above the four-eyes amount). The rest stay open."""
    from transactions.models import ReconException
    from transactions.services.recon import recon_exception_propose, recon_exception_take

    risk = staff["risk"]
    open_ = ReconException.objects.filter(status=ReconException.Status.OPEN).order_by("id")
    duplicate = open_.filter(category="duplicate").first()
    if duplicate:
        recon_exception_take(actor=risk, exception=duplicate)
        recon_exception_propose(actor=risk, exception=duplicate, resolution="accepted",
                                note="卡组织重复清算，已提交差错退回申请。"
                                     "The network cleared it twice; a chargeback of the second record was filed.")
    mismatch = open_.filter(category="amount_mismatch", rrn__gt="").first()
    if mismatch:
        recon_exception_take(actor=risk, exception=mismatch)
    unpaid = open_.filter(category="missing_theirs", reference__gt="").first()
    if unpaid:
        recon_exception_take(actor=risk, exception=unpaid)
        recon_exception_propose(actor=risk, exception=unpaid, resolution="adjustment",
                                amount_minor=unpaid.ours_minor,
                                note="银行回单缺失，已致电银行确认到账，申请调账。"
                                     "The bank confirmed the credit by phone.")
