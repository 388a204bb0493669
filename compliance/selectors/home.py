"""What the home pages read of compliance (issue #16): the posture per framework and the open findings by severity
and age. Each a fixed number of aggregate queries through ``acquirer.access.scope``, whatever the data."""

from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from acquirer.access import scope
from compliance.models import Assessment, AssessmentItem, Finding, Framework
from compliance.models.common import Severity
from compliance.selectors.findings import overdue_q

# the assessments that say where a framework stands: signed off, or still being answered (open or awaiting sign-off)
POSTURE_STATUSES = (Assessment.Status.OPEN, Assessment.Status.IN_REVIEW, Assessment.Status.SIGNED_OFF)
RESULTS = (*AssessmentItem.Result.values, "")  # "" = not answered yet
AGE_BUCKETS = ("under_30", "30_90", "over_90")


def framework_posture(*, actor) -> list[dict]:
    """Per framework in force, its latest assessment (signed off or open, by period end then id) covering at least
    one of its requirements, and that assessment's items of the framework by result:
    ``[{"framework", "assessment_id", "counts": {result: n}, "total"}]``. Two queries."""
    latest = (scope(Assessment.objects.filter(status__in=POSTURE_STATUSES), actor)
              .filter(items__requirement__framework=OuterRef("pk"))
              .order_by("-period_end", "-id").values("id")[:1])
    frameworks = list(scope(Framework.objects.filter(active=True), actor)
                      .annotate(latest_assessment=Subquery(latest)).order_by("code"))
    wanted = {fw.latest_assessment for fw in frameworks if fw.latest_assessment}
    counts: dict[tuple, dict] = {}
    if wanted:
        rows = (scope(AssessmentItem.objects.filter(assessment_id__in=wanted), actor)
                .values("assessment_id", "requirement__framework_id", "result")
                .annotate(n=Count("id")).order_by())
        for row in rows:
            key = (row["assessment_id"], row["requirement__framework_id"])
            counts.setdefault(key, {})[row["result"]] = row["n"]
    posture = []
    for fw in frameworks:
        found = counts.get((fw.latest_assessment, fw.pk), {})
        by_result = {result: found.get(result, 0) for result in RESULTS}
        posture.append({"framework": fw, "assessment_id": fw.latest_assessment, "counts": by_result,
                        "total": sum(by_result.values())})
    return posture


def open_findings_by_age(*, actor, today=None) -> list[dict]:
    """Open findings (``Finding.OPEN``) per severity, most severe first, split by age since raised (under 30 days,
    30 to 90, over 90: the three add up to the open total) and how many of them are overdue (still to be rectified
    past their due date). One aggregate query."""
    now = timezone.now()
    young, old = now - timedelta(days=30), now - timedelta(days=90)
    rows = (scope(Finding.objects.filter(status__in=Finding.OPEN), actor).values("severity")
            .annotate(under_30=Count("id", filter=Q(raised_at__gt=young)),
                      **{"30_90": Count("id", filter=Q(raised_at__lte=young, raised_at__gt=old))},
                      over_90=Count("id", filter=Q(raised_at__lte=old)),
                      overdue=Count("id", filter=overdue_q(today)),
                      total=Count("id"))
            .order_by())
    found = {row["severity"]: row for row in rows}
    table = []
    for severity, label in Severity.choices:
        row = found.get(severity, {})
        table.append({"severity": severity, "label": label,
                      "ages": [row.get(bucket, 0) for bucket in AGE_BUCKETS],
                      "overdue": row.get("overdue", 0), "total": row.get("total", 0)})
    return table
