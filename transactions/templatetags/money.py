"""Money in templates: minor units (fen) shown as yuan with two decimals, never through a float.

``{{ row.amount_minor|yuan }}`` -> ``1,234.50``; ``{{ x|yuan:"CNY" }}`` -> ``¥1,234.50``."""

from django import template

register = template.Library()

SYMBOLS = {"CNY": "¥"}


@register.filter
def yuan(minor, currency: str = "") -> str:
    if minor is None or minor == "":
        return ""
    try:
        value = int(minor)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    symbol = SYMBOLS.get(currency, f"{currency} " if currency else "")
    return f"{sign}{symbol}{abs(value) // 100:,}.{abs(value) % 100:02d}"


@register.filter
def card(row) -> str:
    """A ledger row's card as people see it: BIN, six stars, last four (``transactions.cards.masked``)."""
    from transactions.cards import masked

    return masked(getattr(row, "bin", ""), getattr(row, "last4", ""))
