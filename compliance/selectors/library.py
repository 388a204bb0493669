"""Reading the regulatory library (always through ``acquirer.access.scope``)."""

from django.db.models import Count, Prefetch

from acquirer.access import get_scoped, scope
from compliance.models import Control, Evidence, Framework, Requirement

FRAMEWORK_ORDER = ("code",)
CONTROL_ORDER = ("code",)


def framework_list(*, actor):
    return scope(Framework.objects.annotate(requirement_count=Count("requirements")), actor)


def framework_get(*, actor, pk: int) -> Framework:
    return get_scoped(Framework.objects.all(), actor, pk=pk)


def requirement_tree(*, actor, framework: Framework) -> list[tuple[int, Requirement]]:
    """The framework's requirements as (depth, requirement) in tree order, each with its controls and the
    controls' evidence in force prefetched (a fixed number of queries)."""
    rows = list(scope(Requirement.objects.filter(framework=framework), actor).prefetch_related(
        Prefetch("controls", queryset=Control.objects.order_by("code").prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.filter(withdrawn_at__isnull=True).order_by("-added_at"),
                     to_attr="evidence_in_force")))).order_by("order", "id"))
    children: dict[int | None, list[Requirement]] = {}
    ids = {row.pk for row in rows}
    for row in rows:
        children.setdefault(row.parent_id if row.parent_id in ids else None, []).append(row)
    result: list[tuple[int, Requirement]] = []

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            result.append((depth, row))
            walk(row.pk, depth + 1)

    walk(None, 0)
    return result


def requirement_get(*, actor, pk: int) -> Requirement:
    return get_scoped(Requirement.objects.select_related("framework", "parent"), actor, pk=pk)


def requirement_parent_choices(*, actor, framework: Framework, exclude: Requirement | None = None):
    rows = scope(Requirement.objects.filter(framework=framework), actor).order_by("order", "id")
    return rows.exclude(pk=exclude.pk) if exclude is not None else rows


def requirement_choices(*, actor, framework: Framework | None = None):
    rows = scope(Requirement.objects.select_related("framework"), actor).order_by("framework__code", "order", "id")
    return rows.filter(framework=framework) if framework is not None else rows


def control_list(*, actor):
    return scope(Control.objects.select_related("owner").annotate(requirement_count=Count("requirements")), actor)


def control_get(*, actor, pk: int) -> Control:
    return get_scoped(Control.objects.select_related("owner"), actor, pk=pk)


def control_requirements(*, actor, control: Control):
    return scope(control.requirements.select_related("framework"), actor).order_by("framework__code", "order")


def requirement_controls(*, actor, requirement: Requirement):
    return scope(requirement.controls.all(), actor).order_by("code")
