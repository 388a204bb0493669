"""How an app plugs itself into the core: each installed app may have a ``plugin.py`` with ``PLUGIN = Plugin(...)``.

The registry finds those modules by name in ``INSTALLED_APPS`` order (like ``acquirer.roles.sync`` finds
``roles.py``) and merges what they declare into one :class:`Registry`: URL patterns per area, menu sections and
entries, scheduled jobs, home-page cards, exporters, role grants, the demo seeder and the gate-matrix samples. The core
never imports a domain app by name; it only reads this object.

Areas are ``ops`` (staff), ``portal`` (merchants) and ``audit`` (auditors, read-only).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

AREAS = ("ops", "portal", "audit")


@dataclass(frozen=True)
class MenuSection:
    """A dropdown of the main menu (``key`` gives its element id ``nav-<key>``). Several apps may declare the same
    section (same area and key): their entries share one dropdown. Shown only with ``permission`` (when set) and
    when at least one of its entries is visible."""

    area: str
    key: str
    label: str
    order: int
    permission: str = ""

    @property
    def element_id(self) -> str:
        return f"nav-{self.key}"


@dataclass(frozen=True)
class MenuEntry:
    """One link of the main menu: inside the dropdown ``section`` (a section key), or a top-level link when
    ``section`` is empty. ``permission`` is a Django permission (``app_label.codename``) or empty (everyone who
    may enter the area)."""

    area: str
    section: str
    label: str
    url_name: str
    permission: str = ""
    order: int = 0


@dataclass(frozen=True)
class HomeCard:
    """A card on the area's home page: a title, an optional count, a link. ``count(actor)`` returns an int, an
    ``acquirer.lists.bounded_count`` (shown as "10000+" past its limit) or None, and must run a fixed number of
    queries (one count, on a large table a bounded one), whatever the data."""

    area: str
    title: str
    url_name: str
    link_label: str
    permission: str = ""
    count: Callable | None = None
    order: int = 0


@dataclass(frozen=True)
class Exporter:
    """A file a person can take away (``acquirer.exports`` writes it, "My downloads" hands it out).

    ``kind`` names it (unique across apps); ``title`` is what people read; ``filename`` the stem of the file
    name; ``allowed(actor)`` says who may ask for it (the service asks before creating anything);
    ``filters(data)`` turns the request's fields into JSON-safe filters (``{}`` for none, ``None`` when they
    are invalid: an invalid search never exports the whole table); ``queryset(actor, filters)`` gives the rows
    through the actor's scope, in a stable order. ``audit_action`` is recorded when the export is asked for.

    The columns, one of two ways:

    * ``columns()`` -> ``[(header, expression)]``: each cell an ORM expression over the queryset's model (a field
      ``F("mid")``, ``acquirer.exports.choice_label``, ``local_time``, ``iso_utc``, ``json_text`` …). Called when
      the file is written, under the reader's language, so labels come out translated. PostgreSQL then computes
      the cells and writes the CSV itself (``COPY``); the core adds the formula guard to every cell.
    * ``header()`` and ``row(obj)``: names and the cells of one object, computed in Python row by row (the core
      neutralises formulas) — for an export that SQL cannot express; much slower on a large table.
    * ``write(actor, filters, progress)`` -> ``[ExportFile]``: an export of several files it writes itself (a PDF
      report with its workbook), offered as ``formats=("zip",)``; the core stores them in one ZIP with the signed
      manifest. ``progress(rows)`` reports how far it got; ``queryset`` still gives the rows counted as the total.

    Whatever the way, the core signs a ``manifest.json`` of every export (``acquirer.manifests``)."""

    kind: str
    title: str
    filename: str
    allowed: Callable
    queryset: Callable
    audit_action: str
    columns: Callable | None = None
    header: Callable | None = None
    row: Callable | None = None
    filters: Callable = field(default=lambda data: {})
    formats: tuple[str, ...] = ("csv", "xlsx")
    sheet_title: str = ""
    write: Callable | None = None

    def __post_init__(self):
        if self.write is not None:
            if self.columns is not None or self.header is not None or self.row is not None:
                raise ValueError(f"exporter {self.kind}: write() writes its own files, declare no columns")
            return
        if (self.columns is None) == (self.header is None or self.row is None):
            raise ValueError(f"exporter {self.kind}: declare either columns() or header() and row(obj)")


@dataclass(frozen=True)
class ExportFile:
    """One file an exporter's ``write`` produced: its ``name`` in the bundle (a plain file name), its ``content``
    and how many ``rows`` of data it holds (0 for a document)."""

    name: str
    content: bytes
    rows: int = 0


@dataclass(frozen=True)
class MerchantPanel:
    """A panel another app adds to the ops merchant "360" page (the merchants app never imports that app):
    ``template`` is included with ``context(actor, merchant)`` (a dict; a fixed number of scoped queries) under
    ``title``; shown only with ``permission`` (when set), in ``order``."""

    title: str
    template: str
    context: Callable
    permission: str = ""
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """A panel on an area's home page (KPIs, a chart with its table, "what needs me today"), declared by the app that
    owns the data: ``template`` is included with ``context(actor)`` (a dict computed in a fixed number of scoped
    queries, whatever the data) under ``title``; shown only with ``permission`` (when set), in ``order``; ``wide``
    panels take the whole row."""

    area: str
    title: str
    template: str
    context: Callable
    permission: str = ""
    order: int = 100
    wide: bool = False


@dataclass(frozen=True)
class WarningCount:
    """One figure of the compliance early-warning page, computed by the app that owns the data (compliance never
    imports that app's internals; it reads this). ``count(actor)`` returns an int or an
    ``acquirer.lists.bounded_count`` in a fixed number of scoped queries; ``url_name`` is the list behind the figure
    (``url_kwargs`` and ``url_query`` narrow it to the same rows) in the ops area; ``audit_url_name`` the same list
    in the audit area, when auditors have one. ``key`` is unique across apps."""

    key: str
    title: str
    count: Callable
    url_name: str
    url_query: str = ""
    audit_url_name: str = ""
    permission: str = ""
    order: int = 100
    description: str = ""


@dataclass(frozen=True)
class RecordType:
    """A kind of record kept for a retention period (``acquirer.retention``): ``key`` (unique across apps),
    ``title``, ``model`` (``app_label.ModelName``), ``default_years`` kept after ``ended_on(obj)`` — the day the
    relationship ended (None while it goes on: nothing may be deleted then) — and ``merchant_id(obj)`` (for a legal
    hold on a merchant; None when the record belongs to no merchant). ``lookup(record_id)`` finds the record from
    the id a person types (None when there is none; by default the model's primary key) and ``delete(actor, obj)``
    is the owning app's deletion service (None: records of this type are only checked, never deleted here)."""

    key: str
    title: str
    model: str
    ended_on: Callable
    default_years: int = 10
    merchant_id: Callable = field(default=lambda obj: None)
    lookup: Callable | None = None
    delete: Callable | None = None


@dataclass(frozen=True)
class Plugin:
    """What one app declares. ``urls`` maps an area to its URL patterns; ``jobs`` maps a job name to
    ``{title, task, schedule, period, description}`` (see ``acquirer.schedule``); ``roles`` is the module (or
    mapping) with ``ROLE_GRANTS``; ``demo`` is ``seed(*, password, force_password) -> [(login, what)]``;
    ``gate_samples`` lists the test modules with ``build(ctx)`` and ``samples(ctx)`` for the gate matrix
    (dotted names, imported only by the tests); ``scale`` is ``seed(plan, log)`` loading the scale data set
    (``manage.py seed_scale``, ``acquirer.scale``); ``exports`` lists its :class:`Exporter` values;
    ``merchant_panels`` its :class:`MerchantPanel` values for the merchant 360 page; ``warnings`` its
    :class:`WarningCount` figures for the early-warning page; ``record_types`` its :class:`RecordType` values
    under retention; ``deletion_guards`` callables ``(record_type, obj) -> refusal or None`` asked before any
    record of a registered type is deleted (``acquirer.retention.require_deletable``)."""

    urls: Mapping[str, list] = field(default_factory=dict)
    menu_sections: list[MenuSection] = field(default_factory=list)
    menu: list[MenuEntry] = field(default_factory=list)
    jobs: Mapping[str, dict] = field(default_factory=dict)
    home_cards: list[HomeCard] = field(default_factory=list)
    roles: ModuleType | Mapping | None = None
    demo: Callable | None = None
    gate_samples: list[str] = field(default_factory=list)
    scale: Callable | None = None
    exports: list[Exporter] = field(default_factory=list)
    merchant_panels: list[MerchantPanel] = field(default_factory=list)
    warnings: list[WarningCount] = field(default_factory=list)
    home_panels: list[HomePanel] = field(default_factory=list)
    record_types: list[RecordType] = field(default_factory=list)
    deletion_guards: list[Callable] = field(default_factory=list)


@dataclass
class Registry:
    """Every plugin merged, in discovery order. ``plugins`` maps the app label to its plugin."""

    plugins: dict[str, Plugin] = field(default_factory=dict)
    version: int = 0  # bumped by every change, so what is derived from the registry knows when to rebuild

    def add(self, label: str, plugin: Plugin) -> None:
        """Register ``plugin`` for the app ``label`` (discovery does it for every installed app; a test may add a
        plugin of its own, then reload ``acquirer.urls`` to route its URLs)."""
        if label in self.plugins:
            raise ValueError(f"a plugin is already registered for {label!r}")
        unknown = set(plugin.urls) - set(AREAS)
        if unknown:
            raise ValueError(f"{label}: unknown areas {sorted(unknown)}")
        clash = set(plugin.jobs) & set(self.jobs)
        if clash:
            raise ValueError(f"{label}: jobs already declared by another app: {sorted(clash)}")
        clash = {exporter.kind for exporter in plugin.exports} & set(self.exporters)
        if clash:
            raise ValueError(f"{label}: exports already declared by another app: {sorted(clash)}")
        clash = {warning.key for warning in plugin.warnings} & {warning.key for warning in self.warnings()}
        if clash:
            raise ValueError(f"{label}: warnings already declared by another app: {sorted(clash)}")
        clash = {record_type.key for record_type in plugin.record_types} & set(self.record_types)
        if clash:
            raise ValueError(f"{label}: record types already declared by another app: {sorted(clash)}")
        self.plugins[label] = plugin
        self.version += 1

    def remove(self, label: str) -> None:
        del self.plugins[label]
        self.version += 1

    def urls(self, area: str) -> list:
        return [pattern for plugin in self.plugins.values() for pattern in plugin.urls.get(area, [])]

    @property
    def jobs(self) -> dict[str, dict]:
        return {name: job for plugin in self.plugins.values() for name, job in plugin.jobs.items()}

    @property
    def exporters(self) -> dict[str, Exporter]:
        return {exporter.kind: exporter for plugin in self.plugins.values() for exporter in plugin.exports}

    def menu_sections(self, area: str) -> dict[str, MenuSection]:
        sections: dict[str, MenuSection] = {}
        for plugin in self.plugins.values():
            for section in plugin.menu_sections:
                if section.area == area:
                    sections.setdefault(section.key, section)
        return sections

    def menu(self, area: str) -> list[MenuEntry]:
        entries = [entry for plugin in self.plugins.values() for entry in plugin.menu if entry.area == area]
        return sorted(entries, key=lambda entry: entry.order)  # stable: declaration order breaks ties

    def home_cards(self, area: str) -> list[HomeCard]:
        cards = [card for plugin in self.plugins.values() for card in plugin.home_cards if card.area == area]
        return sorted(cards, key=lambda card: card.order)

    def home_panels(self, area: str) -> list[HomePanel]:
        panels = [panel for plugin in self.plugins.values() for panel in plugin.home_panels if panel.area == area]
        return sorted(panels, key=lambda panel: panel.order)

    def merchant_panels(self) -> list[MerchantPanel]:
        panels = [panel for plugin in self.plugins.values() for panel in plugin.merchant_panels]
        return sorted(panels, key=lambda panel: panel.order)

    def warnings(self) -> list[WarningCount]:
        found = [warning for plugin in self.plugins.values() for warning in plugin.warnings]
        return sorted(found, key=lambda warning: warning.order)

    @property
    def record_types(self) -> dict[str, RecordType]:
        return {record_type.key: record_type for plugin in self.plugins.values()
                for record_type in plugin.record_types}

    def deletion_guards(self) -> list[Callable]:
        return [guard for plugin in self.plugins.values() for guard in plugin.deletion_guards]

    def role_grants(self) -> dict[str, dict[str, list[str]]]:
        """App label -> {role: [codenames]}."""
        grants = {}
        for label, plugin in self.plugins.items():
            source = plugin.roles
            value = getattr(source, "ROLE_GRANTS", source)
            if value:
                grants[label] = dict(value)
        return grants

    def demo_seeders(self) -> list[Callable]:
        return [plugin.demo for plugin in self.plugins.values() if plugin.demo is not None]

    def scale_seeders(self) -> list[Callable]:
        return [plugin.scale for plugin in self.plugins.values() if plugin.scale is not None]

    def gate_sample_modules(self) -> list[str]:
        return [name for plugin in self.plugins.values() for name in plugin.gate_samples]


def discover(app_configs: Iterable | None = None) -> Registry:
    """A registry of every installed app's ``plugin.PLUGIN`` (apps without a ``plugin`` module are skipped)."""
    if app_configs is None:
        from django.apps import apps

        app_configs = apps.get_app_configs()
    found = Registry()
    for app_config in app_configs:
        try:
            module = importlib.import_module(f"{app_config.name}.plugin")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.plugin":
                raise  # the plugin exists but imports something missing: say so
            continue
        found.add(app_config.label, module.PLUGIN)
    return found


@cache
def registry() -> Registry:
    """The registry of this process (discovered once, after the app registry is ready)."""
    return discover()


def visible(user, permission: str) -> bool:
    return not permission or user.has_perm(permission)


def menu_for(user, area: str | None, reg: Registry | None = None) -> list[dict]:
    """The main menu of ``area`` as ``user`` may see it: top-level links and dropdowns, in order.

    Each item is ``{"label", "url"}`` (a link) or ``{"label", "id", "entries": [{"label", "url"}]}`` (a dropdown).
    """
    from django.urls import reverse

    if area not in AREAS or user is None or not user.is_authenticated:
        return []
    reg = reg or registry()
    sections = reg.menu_sections(area)
    items: list[dict] = []
    dropdowns: dict[str, dict] = {}
    for entry in reg.menu(area):
        if not visible(user, entry.permission):
            continue
        link = {"label": entry.label, "url": reverse(entry.url_name)}
        if not entry.section:
            items.append({**link, "order": entry.order})
            continue
        section = sections.get(entry.section)
        if section is None:
            raise ValueError(f"menu entry {entry.url_name} names an undeclared section {entry.section!r}")
        if not visible(user, section.permission):
            continue
        if section.key not in dropdowns:
            dropdowns[section.key] = {"label": section.label, "id": section.element_id, "entries": [],
                                      "order": section.order}
            items.append(dropdowns[section.key])
        dropdowns[section.key]["entries"].append(link)
    return sorted(items, key=lambda item: item["order"])


def home_cards_for(user, area: str, reg: Registry | None = None) -> list[dict]:
    """The home-page cards of ``area`` that ``user`` may open, each with its count (one query per card)."""
    from django.urls import reverse

    reg = reg or registry()
    cards = []
    for card in reg.home_cards(area):
        if not visible(user, card.permission):
            continue
        cards.append({"title": card.title, "url": reverse(card.url_name), "link_label": card.link_label,
                      "count": card.count(user) if card.count else None})
    return cards


def home_panels_for(user, area: str, reg: Registry | None = None) -> list[dict]:
    """The home page's panels of ``area`` that ``user`` may see, each ``{"title", "template", "context", "wide"}``
    with its context computed for ``user``."""
    reg = reg or registry()
    return [{"title": panel.title, "template": panel.template, "context": panel.context(user), "wide": panel.wide}
            for panel in reg.home_panels(area) if visible(user, panel.permission)]


def merchant_panels_for(user, merchant, reg: Registry | None = None) -> list[dict]:
    """The merchant 360 page's panels from other apps that ``user`` may see (auditors read every panel, like the
    page's own), each ``{"title", "template", "context"}`` with its context computed for ``merchant``."""
    from acquirer.access import is_auditor

    reg = reg or registry()
    return [{"title": panel.title, "template": panel.template, "context": panel.context(user, merchant)}
            for panel in reg.merchant_panels() if is_auditor(user) or visible(user, panel.permission)]
