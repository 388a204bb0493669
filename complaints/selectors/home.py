"""Reads of the home pages (issue #16), each a fixed number of queries whatever the data, through
``acquirer.access.scope``: the merchant's open complaints and the help articles other readers found most helpful
(``portal:home``), and SLA attainment this month and last month (``ops:home``, reusing the report's aggregate
:func:`complaints.selectors.reports.sla_attainment`, one query per month)."""

from datetime import date, timedelta

from django.utils import timezone

from acquirer.access import scope
from acquirer.lists import bounded_count
from complaints.models import Article, Complaint
from complaints.selectors.reports import Period, sla_attainment

SUGGESTED = 3


def open_complaint_count(*, actor):
    """The complaints ``actor`` may see that are still open (counted up to a limit: one query)."""
    return bounded_count(scope(Complaint.objects.filter(status__in=Complaint.OPEN), actor))


def suggested_articles(*, actor, limit: int = SUGGESTED) -> list[Article]:
    """Up to ``limit`` published help articles, the most helpful first (then the newest changed): one query of the
    few columns a link needs."""
    return list(scope(Article.objects.filter(published=True), actor)
                .only("id", "slug", "title_zh", "title_en", "helpful_yes", "helpful_no")
                .order_by("-helpful_yes", "helpful_no", "-changed_at", "id")[:limit])


def sla_months(*, actor, today: date | None = None) -> list[dict]:
    """This month so far and last month, newest first: ``{"period", "sla"}`` with the report's figures (targets
    due, met, missed and the share met of each clock)."""
    today = today or timezone.localdate()
    this_month = Period.this_month(today)
    last_month = Period.month(this_month.first - timedelta(days=1))
    return [{"period": period, "sla": sla_attainment(actor=actor, period=period)}
            for period in (this_month, last_month)]
