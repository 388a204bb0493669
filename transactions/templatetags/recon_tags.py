"""Template helpers of the reconciliation pages: amounts in minor units shown in yuan, a category's total."""

from django import template

register = template.Library()


@register.filter
def fen(value) -> str:
    """``123456`` -> ``1,234.56``; empty for None (a side that has no row)."""
    if value is None or value == "":
        return ""
    value = int(value)
    sign = "-" if value < 0 else ""
    yuan, cents = divmod(abs(value), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


@register.filter
def total_count(totals: dict, category: str) -> int:
    """The count of ``category`` in a run's totals (0 when the run has none yet)."""
    return (totals or {}).get(category, {}).get("count", 0)


@register.filter
def get_item(mapping: dict, key):
    return (mapping or {}).get(key)
