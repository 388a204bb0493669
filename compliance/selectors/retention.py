"""Reading retention rules and legal holds (always through ``acquirer.access.scope``)."""

from acquirer.access import get_scoped, scope
from acquirer.registry import registry
from compliance.models import LegalHold, RetentionRule

HOLD_ORDER = ("-placed_at", "-id")


def retention_rows(*, actor) -> list[dict]:
    """Every registered record type with its period: the rule when one is set, else the type's default (one
    query)."""
    rules = {rule.record_type: rule for rule in scope(RetentionRule.objects.select_related("changed_by"), actor)}
    rows = []
    for record_type in registry().record_types.values():
        rule = rules.get(record_type.key)
        rows.append({"type": record_type, "rule": rule, "years": rule.years if rule else record_type.default_years,
                     "basis": rule.note if rule else "", "can_delete": record_type.delete is not None})
    return sorted(rows, key=lambda row: row["type"].key)


def record_type_choices() -> list[tuple[str, str]]:
    return [(record_type.key, str(record_type.title)) for record_type in registry().record_types.values()]


def hold_list(*, actor, state: str = ""):
    rows = scope(LegalHold.objects.all(), actor).select_related("placed_by", "released_by")
    if state == "active":
        rows = rows.filter(released_at__isnull=True)
    elif state == "released":
        rows = rows.filter(released_at__isnull=False)
    return rows


def hold_get(*, actor, pk: int) -> LegalHold:
    return get_scoped(LegalHold.objects.select_related("placed_by", "released_by"), actor, pk=pk)
