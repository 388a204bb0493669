"""The ops home page's complaint panel (issue #16): SLA attainment this month and last month, reusing the report's
aggregate (:func:`complaints.selectors.reports.sla_attainment`, one query per month), so the panel costs two queries
whatever the data."""

from datetime import date, timedelta

from django.utils import timezone

from complaints.selectors.reports import Period, sla_attainment


def sla_months(*, actor, today: date | None = None) -> list[dict]:
    """This month so far and last month, newest first: ``{"period", "sla"}`` with the report's figures (targets
    due, met, missed and the share met of each clock)."""
    today = today or timezone.localdate()
    this_month = Period.this_month(today)
    last_month = Period.month(this_month.first - timedelta(days=1))
    return [{"period": period, "sla": sla_attainment(actor=actor, period=period)}
            for period in (this_month, last_month)]
