"""The main menu and the home-page cards, built from what the apps register (``acquirer.registry``) and
filtered by the reader's permissions in one place."""

from django import template

from acquirer.registry import home_cards_for, home_panels_for, menu_for

register = template.Library()


def _user(context):
    request = context.get("request")
    return context.get("user") or getattr(request, "user", None)


@register.inclusion_tag("acquirer/shared/_main_menu.html", takes_context=True)
def main_menu(context):
    """The links of the page's area (``area`` in the context) that the reader may follow, grouped in dropdowns."""
    return {"items": menu_for(_user(context), context.get("area"))}


@register.inclusion_tag("acquirer/shared/_home_cards.html", takes_context=True)
def home_cards(context, area: str):
    """The cards every app declares for ``area``'s home page, each only with its permission."""
    return {"cards": home_cards_for(_user(context), area)}


@register.inclusion_tag("acquirer/shared/_home_panels.html", takes_context=True)
def home_panels(context, area: str):
    """The panels every app declares for ``area``'s home page (KPIs and charts), each only with its permission."""
    return {"panels": home_panels_for(_user(context), area), "area": area}
