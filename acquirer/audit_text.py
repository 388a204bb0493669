"""How audit events read: a sentence per action, changed fields with their labels, values as people read them.

Each app declares how its actions read in one place, its ``audit_actions`` module (found by name, never
imported here by a domain name):

* ``ACTIONS`` — action code -> lazy sentence with ``%(actor)s`` and ``%(target)s`` (and any key of the event's
  data) as placeholders, e.g. ``"%(actor)s approved merchant %(target)s"``;
* ``FOR_MERCHANTS`` — the codes a merchant reads on its activity page;
* ``LABELS`` — labels of keys that appear in ``before``/``after``/``data`` but are not model fields.

Screens show :func:`describe` results, never codes or dicts; the raw JSON stays for auditors (a details toggle
and the CSV export).
"""

import importlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Catalogue:
    actions: dict
    for_merchants: frozenset
    labels: dict
    values: dict  # key -> {stored value -> words}, for detail values that are not a model field's choices


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """Every app's ``audit_actions`` merged (the core's first)."""
    actions, for_merchants, labels, values = {}, set(), {}, {}
    for app_config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{app_config.name}.audit_actions")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.audit_actions":
                raise
            continue
        actions.update(getattr(module, "ACTIONS", {}))
        for_merchants.update(getattr(module, "FOR_MERCHANTS", ()))
        labels.update(getattr(module, "LABELS", {}))
        for key, words in getattr(module, "VALUES", {}).items():
            values.setdefault(key, {}).update(words)
    return Catalogue(actions, frozenset(for_merchants), labels, values)


def merchant_visible_actions() -> list[str]:
    return sorted(catalogue().for_merchants)


@dataclass
class EventView:
    event: object
    sentence: str
    who: str
    role: str
    origin: str
    changes: list = field(default_factory=list)  # (label, before, after)
    details: list = field(default_factory=list)  # (label, value)
    raw: str = ""  # the recorded action, before, after and data, labelled, for the auditor's "Recorded data"

    @property
    def at(self):
        return self.event.at

    @property
    def id(self):
        return self.event.id

    @property
    def action(self):
        return self.event.action


def _model_of(event):
    if not event.target_type:
        return None
    try:
        return apps.get_model(event.target_type)
    except (LookupError, ValueError):
        return None


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def label_of(key: str, model=None) -> str:
    """A field's label: the model field's own verbose name, else the catalogue's, else the key in words."""
    model_field = _field(model, key)
    explicit = (model_field is not None and getattr(model_field, "verbose_name", None)
                and str(model_field.verbose_name) != key.replace("_", " "))
    if explicit:
        return _capital(str(model_field.verbose_name))
    known = catalogue().labels.get(key)
    if known is not None:
        return _capital(str(known))
    return _capital(key.replace("_", " "))


def _local(moment: datetime) -> str:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def show(value, model_field=None) -> str:
    """A value as a person reads it: choice labels, yes/no, local times, lists without brackets."""
    if value is None or value == "":
        return "—"
    choices = getattr(model_field, "flatchoices", None) if model_field is not None else None
    if choices:
        for key, text in choices:
            if str(key) == str(value):
                return str(text)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return formats.date_format(value, "Y-m-d")
    if isinstance(value, dict):
        return "; ".join(f"{label_of(str(k))}: {show(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(show(item) for item in value) or "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    text = str(value)
    if _ISO_DATETIME.match(text):
        parsed = parse_datetime(text.replace(" ", "T", 1))
        if parsed is not None:
            return _local(parsed)
    if _ISO_DATE.match(text) and parse_date(text):
        return text
    if model_field is not None and model_field.get_internal_type() == "DecimalField":
        try:
            return f"{Decimal(text):,.2f}"
        except InvalidOperation:
            return text
    return text


ROLE_NAMES = {
    "superuser": gettext_lazy("Superuser"),
    "staff": gettext_lazy("Operations staff"),
    "auditor": gettext_lazy("Auditor"),
    "merchant": gettext_lazy("Merchant"),
    "merchant_owner": gettext_lazy("Merchant owner"),
    "merchant_staff": gettext_lazy("Merchant staff"),
}


def role_name(role_label: str) -> str:
    from acquirer.roles import ROLES

    names = []
    for part in filter(None, (role_label or "").split(",")):
        names.append(str(ROLES.get(part) or ROLE_NAMES.get(part) or part.replace("_", " ")))
    return ", ".join(names)


def origin_text(event) -> str:
    source = event.source or ""
    if event.ip:
        return event.ip
    if source.startswith("task:"):
        return _("scheduled job")
    if source.startswith("command:") or source.startswith("manage.py"):
        return _("command line")
    if source == "system":
        return _("system")
    return source or "—"


def _who(event) -> str:
    actor = event._state.fields_cache.get("actor") if event.actor_id else None
    if actor is not None:
        return person_name(actor)
    return event.actor_label or _("The system")


_CJK = re.compile(r"[\u3400-\u9fff]")


def person_name(user) -> str:
    """"王芳" for a Chinese name (family name first, no space), "Fang Wang" otherwise; else the login name."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if _CJK.search(first + last):
        return last + first
    return f"{first} {last}".strip() or user.get_username()


class _Params(dict):
    def __missing__(self, key):
        return ""


# Data kept for machines (the Celery task behind a job): in the recorded data and the export, not on screen.
INTERNAL_KEYS = {"task"}


def _value(key: str, value, model) -> str:
    """``show`` for the value of ``key``: its model field's choices, else the catalogues' ``VALUES`` words."""
    model_field = _field(model, key)
    if model_field is None and isinstance(value, str | int):
        words = catalogue().values.get(key, {}).get(str(value))
        if words is not None:
            return str(words)
    return show(value, model_field)


def _detail(key: str, value, model) -> str:
    if key == "job" and isinstance(value, str):
        from acquirer.schedule import job_title

        return job_title(value)
    return _value(key, value, model)


def describe(event) -> EventView:
    """The event as a sentence, with the changed fields and the details labelled (active language)."""
    book = catalogue()
    model = _model_of(event)
    who = _who(event)
    target = event.target_repr or (str(model._meta.verbose_name) if model else "")
    params = _Params(actor=who, target=target)
    for key, value in (event.data or {}).items():
        if isinstance(value, str | int | Decimal):
            params[key] = _value(key, value, model)
    if isinstance((event.data or {}).get("job"), str):
        from acquirer.schedule import job_title

        params["job"] = job_title(event.data["job"])
    template = book.actions.get(event.action)
    if template is not None:
        try:
            sentence = str(template) % params
        except (TypeError, ValueError, KeyError):
            sentence = str(template)
    else:
        sentence = _("%(actor)s recorded an event about %(target)s") % params
    before, after = event.before or {}, event.after or {}
    changes = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            changes.append((label_of(key, model), _value(key, before.get(key), model),
                            _value(key, after.get(key), model)))
    details = [(label_of(key, model), _detail(key, value, model)) for key, value in (event.data or {}).items()
               if key not in INTERNAL_KEYS]
    return EventView(event=event, sentence=sentence, who=who, role=role_name(event.role),
                     origin=origin_text(event), changes=changes, details=details)


def _raw_labels() -> tuple[str, str, str, str]:
    return _("action"), _("before"), _("after"), _("data")


def _raw(event, labels: tuple[str, str, str, str]) -> str:
    values = (event.action, "" if event.before is None else event.before,
              "" if event.after is None else event.after, event.data)
    return "\n".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))


def describe_all(events) -> list[EventView]:
    """Every event described, with its recorded data (labels translated once for the whole list)."""
    labels = _raw_labels()
    views = []
    for event in events:
        view = describe(event)
        view.raw = _raw(event, labels)
        views.append(view)
    return views
