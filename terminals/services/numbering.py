"""Day numbers of work orders and tickets (``WO-20261123-0001``, ``TK-20261123-0001``) from the core's per-day
counter (``acquirer.counters``): one upsert per number, whatever the day's volume."""

from datetime import date

from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from acquirer.counters import next_numbers


def _highest_written(model, stem: str) -> int:
    """The highest number of the day already written (rows numbered before the counter row existed)."""
    suffix = Cast(Substr("number", len(stem) + 1), IntegerField())
    found = (model.objects.filter(number__regex=rf"^{stem}[0-9]+$")
             .aggregate(highest=Max(suffix))["highest"])
    return found or 0


def day_numbers(model, prefix: str, count: int = 1, day: date | None = None) -> list[str]:
    """``count`` consecutive numbers ``<prefix>-YYYYMMDD-NNNN`` of ``day`` (default today) for ``model``;
    call inside the transaction that writes the rows."""
    day = day or timezone.localdate()
    stem = f"{prefix}-{day:%Y%m%d}-"
    numbers = next_numbers(f"{model._meta.label_lower}:{prefix}", day, count,
                           start=lambda: _highest_written(model, stem))
    return [f"{stem}{n:04d}" for n in numbers]
