"""Reads of what staff configure (taxonomy, root causes, SLA policies, canned responses), through the one door."""

from acquirer.access import get_scoped, scope
from complaints.models import CannedResponse, Category, RootCause, SlaPolicy

CATEGORY_ORDER = ("order", "code")
ROOT_CAUSE_ORDER = ("order", "code")
SLA_POLICY_ORDER = ("id",)
CANNED_RESPONSE_ORDER = ("title", "id")


def category_list(*, actor):
    """Every category and subcategory (active or not), with its parent."""
    return scope(Category.objects.select_related("parent"), actor).order_by(*CATEGORY_ORDER)


def category_get(*, actor, pk: int) -> Category:
    return get_scoped(Category.objects.select_related("parent"), actor, pk=pk)


def category_parent_choices(*, actor):
    """Main categories in use: a subcategory is made under one of them, and SLA policies are set per one."""
    return scope(Category.objects.filter(parent__isnull=True, active=True), actor).order_by(*CATEGORY_ORDER)


def category_any_choices(*, actor):
    """Categories in use (main and sub), for a canned response's optional category."""
    return scope(Category.objects.filter(active=True).select_related("parent"), actor).order_by(*CATEGORY_ORDER)


def root_cause_list(*, actor):
    return scope(RootCause.objects.all(), actor).order_by(*ROOT_CAUSE_ORDER)


def root_cause_get(*, actor, pk: int) -> RootCause:
    return get_scoped(RootCause.objects.all(), actor, pk=pk)


def sla_policy_list(*, actor):
    return scope(SlaPolicy.objects.select_related("category", "changed_by"), actor).order_by(*SLA_POLICY_ORDER)


def sla_policy_get(*, actor, pk: int) -> SlaPolicy:
    return get_scoped(SlaPolicy.objects.select_related("category"), actor, pk=pk)


def canned_response_list(*, actor):
    return scope(CannedResponse.objects.select_related("category", "changed_by"), actor).order_by(
        *CANNED_RESPONSE_ORDER)


def canned_response_get(*, actor, pk: int) -> CannedResponse:
    return get_scoped(CannedResponse.objects.select_related("category"), actor, pk=pk)
