"""Reading findings (always through ``acquirer.access.scope``: staff and auditors read every finding, a merchant
user none — the model has no tenant field)."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count
from acquirer.models import User
from compliance.models import Finding, FindingReminder

LIST_ORDER = ("due_on", "id")
LIST_RELATED = ("owner", "requirement", "inspection")
# a finding still to be rectified: a rectified one waits on its verifier, not on its owner
TO_RECTIFY = ("identified", "confirmed", "in_progress")


def overdue_q(today=None) -> Q:
    """Findings still to be rectified whose due date has passed."""
    today = today or timezone.localdate()
    return Q(status__in=TO_RECTIFY, due_on__lt=today)


def finding_list(*, actor, filters: dict | None = None):
    """Findings the actor may see, filtered by status ("open" for every open status), severity, source, owner (an
    id, or "me"), overdue (True), inspection (an id) or the start of a reference (``q``); soonest due first."""
    filters = filters or {}
    qs = scope(Finding.objects.select_related(*LIST_RELATED), actor)
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=Finding.OPEN)
    elif status:
        qs = qs.filter(status=status)
    for name in ("severity", "source"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    owner = filters.get("owner")
    if owner == "me":
        qs = qs.filter(owner_id=actor.pk)
    elif owner:
        qs = qs.filter(owner_id=getattr(owner, "pk", owner))
    if filters.get("overdue"):
        qs = qs.filter(overdue_q())
    if filters.get("inspection"):
        qs = qs.filter(inspection_id=getattr(filters["inspection"], "pk", filters["inspection"]))
    if filters.get("q"):
        qs = qs.filter(reference__startswith=str(filters["q"]).strip().upper())
    return qs.order_by(*LIST_ORDER)


def finding_get(*, actor, pk: int) -> Finding:
    qs = Finding.objects.select_related(*LIST_RELATED, "assessment_item__assessment", "raised_by", "verified_by",
                                        "risk_approver", "requirement__framework")
    return get_scoped(qs, actor, pk=pk)


def findings_of_inspection(*, actor, inspection):
    return scope(Finding.objects.select_related("owner"), actor).filter(inspection=inspection).order_by(*LIST_ORDER)


def findings_overdue_count(*, actor):
    """Open findings past their due date (the early-warning figure), counted up to a limit."""
    return bounded_count(scope(Finding.objects.filter(overdue_q()), actor), order=("status", "due_on", "id"))


def finding_owner_choices(*, actor):
    """Active staff: anyone may own a finding's rectification."""
    return scope(User.objects.filter(kind=User.Kind.STAFF, is_active=True), actor).order_by("username")


def findings_for_reminders(*, statuses, due_until):
    """The job's candidates (no actor: the system reads them): findings in ``statuses`` due by ``due_until``, but
    those already escalated for their due date (nothing is left to send them)."""
    escalated = FindingReminder.objects.filter(finding=OuterRef("pk"), kind=FindingReminder.Kind.OVERDUE,
                                               due_on=OuterRef("due_on"))
    return (Finding.objects.select_related("owner").filter(status__in=statuses, due_on__lte=due_until)
            .exclude(Exists(escalated)).order_by("due_on", "id"))


def risk_acceptances_expired(*, today):
    """The job's candidates: risk acceptances whose last day has passed."""
    return (Finding.objects.filter(status=Finding.Status.RISK_ACCEPTED, risk_accepted_until__lt=today)
            .order_by("risk_accepted_until", "id"))


def finding_requirement_choices(*, actor):
    """Requirements a finding may name (the library's, through the scope)."""
    from compliance.models import Requirement

    return scope(Requirement.objects.select_related("framework"), actor).order_by("framework_id", "reference")


def finding_source_item(*, actor, pk) :
    """The assessment item a finding is raised from (None when the id names none the actor may see)."""
    from compliance.models import AssessmentItem

    try:
        return scope(AssessmentItem.objects.select_related("requirement", "assessment"), actor).get(pk=int(pk))
    except (AssessmentItem.DoesNotExist, TypeError, ValueError):
        return None


def mark_overdue(findings, today=None):
    """Set ``is_overdue`` on each finding (still to be rectified and past its due date) for the pages."""
    today = today or timezone.localdate()
    for finding in findings:
        finding.is_overdue = finding.status in TO_RECTIFY and finding.due_on < today
    return findings


def finding_history(*, actor, finding, limit: int = 50):
    """The events about the finding and about its evidence (added, withdrawn, downloaded), newest first."""
    from acquirer.models import AuditEvent
    from compliance.models import Evidence

    evidence = scope(Evidence.objects.filter(finding=finding), actor)
    evidence_ids = [str(pk) for pk in evidence.values_list("pk", flat=True)]
    about = Q(target_type=Finding._meta.label_lower, target_id=str(finding.pk))
    if evidence_ids:
        about |= Q(target_type=Evidence._meta.label_lower, target_id__in=evidence_ids)
    return scope(AuditEvent.objects.select_related("actor"), actor).filter(about).order_by("-id")[:limit]
