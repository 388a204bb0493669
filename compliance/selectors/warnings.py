"""The early-warning figures: what every app publishes through the registry (``acquirer.registry.WarningCount``),
each counted by the owning app's own selector. Compliance never imports those apps; it only reads the registry.

A figure whose selector fails is shown as unavailable (and logged) instead of breaking the page."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from acquirer.registry import Registry, WarningCount, registry, visible

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """One figure as a reader sees it: its count (an int or a bounded count; None when unavailable) and the link
    to the list behind it ("" when the reader may not open that list, or the area has no such list)."""

    key: str
    title: str
    description: str
    app: str
    count: object
    url: str

    @property
    def slug(self) -> str:
        """The key as an element id ("merchants-inspection-overdue")."""
        return self.key.replace(".", "-").replace("_", "-")

    @property
    def unavailable(self) -> bool:
        return self.count is None

    @property
    def raised(self) -> bool:
        """Above zero: something needs attention."""
        return self.count is not None and getattr(self.count, "value", self.count) > 0


def _count(warning: WarningCount, actor):
    """The figure's count, or None (logged) when its selector fails; the savepoint keeps a failed query from
    spoiling the rest of the page's transaction."""
    try:
        with transaction.atomic():
            return warning.count(actor)
    except Exception:  # noqa: BLE001 - any app's failure must leave the other figures standing
        logger.exception("early-warning figure %s could not be counted", warning.key)
        return None


def _url(warning: WarningCount, actor, area: str) -> str:
    if area == "audit":
        name = warning.audit_url_name
    else:
        name = warning.url_name if visible(actor, warning.permission) else ""
    if not name:
        return ""
    try:
        base = reverse(name)
    except NoReverseMatch:
        logger.exception("early-warning figure %s names a list that does not exist: %s", warning.key, name)
        return ""
    return f"{base}?{warning.url_query}" if warning.url_query else base


def warning_figures(*, actor, area: str = "ops", reg: Registry | None = None) -> list[Figure]:
    """Every published figure in its ``order``, counted for ``actor`` (each selector a fixed number of scoped
    queries), with its link in ``area`` (``ops`` or ``audit``)."""
    reg = reg or registry()
    apps = {warning.key: label for label, plugin in reg.plugins.items() for warning in plugin.warnings}
    return [Figure(key=warning.key, title=str(warning.title), description=str(warning.description),
                   app=apps.get(warning.key, ""), count=_count(warning, actor), url=_url(warning, actor, area))
            for warning in reg.warnings()]


def warnings_raised_count(actor) -> int:
    """How many figures are above zero (the compliance officer's home card)."""
    return sum(1 for figure in warning_figures(actor=actor) if figure.raised)
