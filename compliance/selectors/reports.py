"""What the compliance report for a period reads (``compliance.services.reports`` writes it): findings, assessments
and their items per framework, evidence in force, and the early-warning figures every app publishes in the
registry. Every queryset goes through ``acquirer.access.scope``; nothing here writes."""

import calendar as month_calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer.access import scope
from acquirer.registry import registry
from compliance.models import Assessment, AssessmentItem, Evidence, Finding

_PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|H(?P<half>[12])|(?P<month>0[1-9]|1[0-2])))?")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """A reporting period: a year ``2026``, a half ``2026-H2``, a quarter ``2026-Q4`` or a month ``2026-10``;
    ``start`` and ``end`` are its first and last days."""

    label: str
    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


def period_help() -> str:
    return _("Give the period as a year (2026), a half-year (2026-H2), a quarter (2026-Q4) or a month (2026-10).")


def period_parse(text) -> Period:
    """The period named by ``text``; :class:`PeriodError` (with a readable message) otherwise."""
    label = str(text or "").strip().upper()
    match = _PERIOD.fullmatch(label)
    if not match or not 2000 <= int(match["year"]) <= 2100:
        raise PeriodError(_("“%(period)s” is not a period.") % {"period": str(text or "")[:20]} + " "
                          + period_help())
    year = int(match["year"])
    if match["quarter"]:
        first_month, months = 3 * int(match["quarter"]) - 2, 3
    elif match["half"]:
        first_month, months = 6 * int(match["half"]) - 5, 6
    elif match["month"]:
        first_month, months = int(match["month"]), 1
    else:
        first_month, months = 1, 12
    last_month = first_month + months - 1
    end = date(year, last_month, month_calendar.monthrange(year, last_month)[1])
    return Period(label, date(year, first_month, 1), end)


def period_current(today: date | None = None) -> str:
    """The quarter ``today`` falls in, as the form's default."""
    today = today or timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


# --- the report's data ------------------------------------------------------------------------------------------

def findings_for_period(*, actor, period: Period):
    """The findings open at some time during the period: raised before it ended, not closed before it began."""
    return (scope(Finding.objects.all(), actor)
            .filter(raised_at__lt=period.end_at)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=period.start_at))
            .select_related("owner", "requirement", "requirement__framework")
            .order_by("raised_at", "id"))


def assessments_for_period(*, actor, period: Period):
    return (scope(Assessment.objects.all(), actor)
            .filter(period_start__lte=period.end, period_end__gte=period.start)
            .exclude(status=Assessment.Status.CANCELLED))


def framework_status(*, actor, period: Period) -> list[dict]:
    """Per framework: the items of the period's assessments by result (one grouped query)."""
    items = scope(AssessmentItem.objects.all(), actor).filter(
        assessment__in=assessments_for_period(actor=actor, period=period))
    rows = (items.values("requirement__framework_id", "requirement__framework__name_zh",
                         "requirement__framework__name_en", "requirement__framework__version", "result")
            .annotate(n=Count("id")).order_by("requirement__framework__name_en", "requirement__framework_id"))
    frameworks: dict[int, dict] = {}
    for row in rows:
        entry = frameworks.setdefault(row["requirement__framework_id"], {
            "name_zh": row["requirement__framework__name_zh"], "name_en": row["requirement__framework__name_en"],
            "version": row["requirement__framework__version"], "total": 0,
            **{result: 0 for result in (*AssessmentItem.Result.values, "")}})
        entry[row["result"]] += row["n"]
        entry["total"] += row["n"]
    return list(frameworks.values())


def evidence_in_force(*, actor, today: date):
    """Evidence not withdrawn and not expired, with what it is attached to."""
    return (scope(Evidence.objects.all(), actor)
            .filter(withdrawn_at__isnull=True)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
            .select_related("owner", "item__requirement", "item__assessment", "finding", "control")
            .order_by("expires_on", "id"))


def early_warning_figures(*, actor) -> list[dict]:
    """Each early-warning figure every app publishes (``registry().warnings()``), counted now (auditors read them
    all, staff those their permissions show); a figure whose count fails is reported as unavailable rather than
    stopping the report."""
    figures = []
    for warning in registry().warnings():
        if warning.permission and actor.kind == "staff" and not actor.has_perm(warning.permission):
            continue  # a figure the person may not read on the early-warning page is not in their report either
        try:
            value = warning.count(actor)
        except Exception:  # noqa: BLE001 - one app's failing figure must not stop the report
            figures.append({"key": warning.key, "title": str(warning.title), "value": None})
            continue
        figures.append({"key": warning.key, "title": str(warning.title), "value": str(value)})
    return figures


def report_figures(*, actor, period: Period, today: date | None = None) -> dict:
    """Everything the report shows, read in a fixed number of queries."""
    today = today or timezone.localdate()
    findings = scope(Finding.objects.all(), actor)
    relevant = findings_for_period(actor=actor, period=period)
    open_findings = findings.filter(status__in=Finding.OPEN)
    assessments = assessments_for_period(actor=actor, period=period)
    by_cell = relevant.values("severity", "status").annotate(n=Count("id")).order_by()
    matrix: dict[str, dict[str, int]] = {}
    for row in by_cell:
        matrix.setdefault(row["severity"], {})[row["status"]] = row["n"]
    summary = {
        "raised": findings.filter(raised_at__gte=period.start_at, raised_at__lt=period.end_at).count(),
        "closed": findings.filter(closed_at__gte=period.start_at, closed_at__lt=period.end_at).count(),
        "open": open_findings.count(),
        "overdue": open_findings.filter(due_on__lt=today).count(),
        "assessments": assessments.count(),
        "signed_off": assessments.filter(status=Assessment.Status.SIGNED_OFF).count(),
        "evidence": evidence_in_force(actor=actor, today=today).count(),
    }
    return {
        "period": period,
        "today": today,
        "summary": summary,
        "matrix": matrix,
        "frameworks": framework_status(actor=actor, period=period),
        "open_findings": list(relevant.filter(status__in=Finding.OPEN).order_by("due_on", "id")),
        "evidence": list(evidence_in_force(actor=actor, today=today)),
        "warnings": early_warning_figures(actor=actor),
    }
