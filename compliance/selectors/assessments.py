"""Reading checklist templates, assessments and their items (always through ``acquirer.access.scope``)."""

from django.db.models import Count, Prefetch, Q

from acquirer.access import get_scoped, scope
from compliance.models import Assessment, AssessmentItem, ChecklistTemplate, Evidence

TEMPLATE_ORDER = ("id",)
ASSESSMENT_ORDER = ("-period_start", "-id")
ITEM_ORDER = ("id",)


def template_list(*, actor):
    return scope(ChecklistTemplate.objects.select_related("framework").annotate(
        requirement_count=Count("requirements")), actor)


def template_get(*, actor, pk: int) -> ChecklistTemplate:
    return get_scoped(ChecklistTemplate.objects.select_related("framework", "default_assignee"), actor, pk=pk)


def template_requirements(*, actor, template: ChecklistTemplate):
    return scope(template.requirements.select_related("framework"), actor).order_by("framework__code", "order")


def assessment_list(*, actor, status: str = ""):
    rows = scope(Assessment.objects.select_related("template", "reviewer").annotate(
        item_count=Count("items"), done_count=Count("items", filter=Q(items__status="done"))), actor)
    return rows.filter(status=status) if status else rows


def assessment_get(*, actor, pk: int) -> Assessment:
    return get_scoped(Assessment.objects.select_related("template", "reviewer", "signed_off_by", "created_by"),
                      actor, pk=pk)


def _evidence():
    return Prefetch("evidence", queryset=Evidence.objects.select_related("owner").order_by(
        "withdrawn_at", "-added_at", "-id"))


def assessment_items(*, actor, assessment: Assessment):
    """The items of an assessment, in order, each with its requirement, assignee and evidence (fixed queries)."""
    return scope(AssessmentItem.objects.filter(assessment=assessment), actor).select_related(
        "requirement__framework", "assignee", "answered_by").prefetch_related(_evidence()).order_by("order", "id")


def item_get(*, actor, pk: int) -> AssessmentItem:
    return get_scoped(AssessmentItem.objects.select_related(
        "assessment__reviewer", "requirement__framework", "assignee", "answered_by"), actor, pk=pk)


def item_answered_by(*, assessment: Assessment, user) -> bool:
    return assessment.items.filter(answered_by=user).exists()


def my_items(*, actor, open_only: bool = True):
    rows = scope(AssessmentItem.objects.filter(assignee=actor), actor).select_related(
        "assessment", "requirement__framework")
    if open_only:
        rows = rows.filter(assessment__status=Assessment.Status.OPEN).exclude(status=AssessmentItem.Status.DONE)
    return rows


def staff_choices(*, actor):
    """Active staff who can be given items or own evidence."""
    from acquirer.selectors import user_list

    return user_list(actor=actor).filter(kind="staff", is_active=True).order_by("username")


def reviewer_choices(*, actor):
    """Active staff who may sign off an assessment (``compliance.run_assessment``)."""
    from acquirer.selectors import user_list

    permission = (Q(groups__permissions__codename="run_assessment") | Q(user_permissions__codename="run_assessment")
                  | Q(is_superuser=True))
    return user_list(actor=actor).filter(permission, kind="staff", is_active=True).distinct().order_by("username")
