"""The ops home page's transaction panels (issue #16): each one aggregate query over the actor's scope, so the home
page costs the same number of queries whatever the data.

* :func:`daily_volume` — approved transactions of the last :data:`VOLUME_DAYS` local dates, count and value per day
  and channel group (card, QR, NFC): one GROUP BY bounded by ``local_date`` (the partition key and the primary key's
  leading column, so only the one or two monthly partitions covering the window are read, by index);
* :func:`recon_match_rate` — matched records against breaks over the latest finished reconciliation runs (their
  ``totals``, summed when each run finished): one query of at most :data:`RECON_RUNS` rows;
* :func:`alerts_by_rule` — risk alerts raised per rule over the last :data:`ALERT_DAYS` days: one GROUP BY led by
  the (``rule``, ``created_at``) index."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.access import scope
from acquirer.lists import start_of_local_day
from transactions.models import ReconRun, RiskAlert, Transaction

VOLUME_DAYS = 14
RECON_RUNS = 7
ALERT_DAYS = 30
ALERT_RULES = 10

# channel groups of the home chart: every ledger channel falls in exactly one
CHANNEL_GROUPS = {
    "card": (_("Card"), (Transaction.Channel.CHIP, Transaction.Channel.MAGSTRIPE)),
    "qr": (_("QR"), (Transaction.Channel.UNIONPAY_QR, Transaction.Channel.OTHER_QR)),
    "nfc": (_("NFC"), (Transaction.Channel.CONTACTLESS,)),
}
GROUP_OF = {channel: key for key, (_label, channels) in CHANNEL_GROUPS.items() for channel in channels}


def daily_volume(*, actor, days: int = VOLUME_DAYS, today: date | None = None) -> dict:
    """Per local date of the last ``days`` days (today included, days without transactions too): the approved
    transactions' count and value in fen (signed: refunds count against), per channel group and in total."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (scope(Transaction.objects.all(), actor)
            .filter(local_date__gte=first, local_date__lte=today, status=Transaction.Status.APPROVED)
            .values("local_date", "channel").annotate(n=Count("id"), value=Sum("amount_minor"))
            .order_by())
    empty = {key: {"count": 0, "value_minor": 0} for key in CHANNEL_GROUPS}
    by_day = {first + timedelta(days=offset): {key: dict(cell) for key, cell in empty.items()}
              for offset in range(days)}
    for row in rows:
        cell = by_day[row["local_date"]][GROUP_OF.get(row["channel"], "card")]
        cell["count"] += row["n"]
        cell["value_minor"] += row["value"] or 0
    out = []
    for day, groups in by_day.items():
        out.append({"day": day, "groups": groups,
                    "count": sum(cell["count"] for cell in groups.values()),
                    "value_minor": sum(cell["value_minor"] for cell in groups.values())})
    return {"days": out, "groups": [(key, label) for key, (label, _channels) in CHANNEL_GROUPS.items()],
            "first": first, "last": today}


def recon_match_rate(*, actor, runs: int = RECON_RUNS) -> dict:
    """Matched records and breaks (every other category) of the latest ``runs`` finished runs, newest first."""
    latest = list(scope(ReconRun.objects.filter(status=ReconRun.Status.DONE), actor)
                  .order_by("-business_date", "-id").only("id", "side", "business_date", "totals")[:runs])
    out = []
    for run in latest:
        counts = {category: (figures or {}).get("count", 0) for category, figures in (run.totals or {}).items()}
        matched = counts.get("matched", 0)
        breaks = sum(count for category, count in counts.items() if category != "matched")
        out.append({"run": run, "matched": matched, "breaks": breaks, "share": _share(matched, matched + breaks)})
    matched = sum(row["matched"] for row in out)
    breaks = sum(row["breaks"] for row in out)
    return {"runs": out, "matched": matched, "breaks": breaks, "share": _share(matched, matched + breaks)}


def alerts_by_rule(*, actor, days: int = ALERT_DAYS, today: date | None = None, limit: int = ALERT_RULES) -> list:
    """Risk alerts raised per rule over the last ``days`` days, most first (at most ``limit`` rules)."""
    today = today or timezone.localdate()
    since = start_of_local_day(today - timedelta(days=days - 1))
    rows = (scope(RiskAlert.objects.filter(created_at__gte=since), actor)
            .values("rule_id", "rule__name").annotate(n=Count("id")).order_by("-n", "rule__name")[:limit])
    return [{"rule_id": row["rule_id"], "name": row["rule__name"], "count": row["n"]} for row in rows]


def _share(part: int, whole: int):
    """A percentage with one decimal (a Decimal, never a float), or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
