"""What staff configure for complaints: the taxonomy (categories and subcategories), root causes, SLA policies and
canned responses. Every change needs ``complaints.manage_complaint_settings`` and is audited with the values before
and after. Nothing here deletes: an entry in use is deactivated (it stays on the complaints that used it and leaves
the choices offered for new ones)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.exceptions import DomainError
from acquirer.policy import require_permission
from complaints import roles
from complaints.models import CannedResponse, Category, RootCause, SlaPolicy

CATEGORY_FIELDS = ("code", "name_zh", "name_en", "parent", "terminal_fault", "order", "active")
ROOT_CAUSE_FIELDS = ("code", "name_zh", "name_en", "order", "active")
SLA_FIELDS = ("category", "priority", "channel", "first_response_hours", "resolution_hours", "active")
CANNED_FIELDS = ("title", "body_zh", "body_en", "category", "active")


class SettingRefused(DomainError):
    """A change the rules refuse; ``field`` names the form field it is about (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _snapshot(obj, fields) -> dict:
    values = {}
    for name in fields:
        value = getattr(obj, name)
        values[name] = str(value) if hasattr(value, "pk") else value
    return values


def _changed(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _apply(obj, values: dict) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _save(obj, *, actor, created: bool, action: str, fields, before: dict | None = None):
    """Save ``obj`` and record ``action`` with the changed values; a duplicate code is a refusal on that field."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        if "code" in fields:
            raise SettingRefused(_("The code “%(code)s” is already used.") % {"code": obj.code}, "code") from error
        raise
    after = _snapshot(obj, fields)
    if created:
        audit.record(action, actor=actor, target=obj, after=after)
    else:
        old, new = _changed(before or {}, after)
        if new:
            audit.record(action, actor=actor, target=obj, before=old, after=new)
    return obj


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


# --- categories ---------------------------------------------------------------------------------------------------

def _check_parent(parent: Category | None, category: Category | None = None) -> None:
    if parent is None:
        return
    if parent.parent_id is not None:
        raise SettingRefused(_("A subcategory cannot have subcategories: choose a main category."), "parent")
    if category is not None and category.pk == parent.pk:
        raise SettingRefused(_("A category cannot be its own parent."), "parent")
    if category is not None and category.children.exists():
        raise SettingRefused(_("This category has subcategories, so it cannot become one."), "parent")


@transaction.atomic
def category_create(*, actor, code: str, name_zh: str, name_en: str, parent: Category | None = None,
                    terminal_fault: bool = False, order: int = 100) -> Category:
    require_permission(actor, roles.MANAGE_SETTINGS)
    _check_parent(parent)
    category = Category(code=code, name_zh=name_zh, name_en=name_en, parent=parent, terminal_fault=terminal_fault,
                        order=order)
    return _save(category, actor=actor, created=True, action="complaint_category.created", fields=CATEGORY_FIELDS)


@transaction.atomic
def category_update(*, actor, category: Category, name_zh: str, name_en: str, terminal_fault: bool, order: int,
                    active: bool) -> Category:
    """Rename (both languages), reorder or deactivate; the code and the parent stay (complaints and reports keep
    their meaning)."""
    require_permission(actor, roles.MANAGE_SETTINGS)
    category = _locked(Category, category)
    before = _snapshot(category, CATEGORY_FIELDS)
    _apply(category, {"name_zh": name_zh, "name_en": name_en, "terminal_fault": terminal_fault, "order": order,
                      "active": active})
    return _save(category, actor=actor, created=False, action="complaint_category.changed", fields=CATEGORY_FIELDS,
                 before=before)


# --- root causes --------------------------------------------------------------------------------------------------

@transaction.atomic
def root_cause_create(*, actor, code: str, name_zh: str, name_en: str, order: int = 100) -> RootCause:
    require_permission(actor, roles.MANAGE_SETTINGS)
    cause = RootCause(code=code, name_zh=name_zh, name_en=name_en, order=order)
    return _save(cause, actor=actor, created=True, action="root_cause.created", fields=ROOT_CAUSE_FIELDS)


@transaction.atomic
def root_cause_update(*, actor, cause: RootCause, name_zh: str, name_en: str, order: int,
                      active: bool) -> RootCause:
    require_permission(actor, roles.MANAGE_SETTINGS)
    cause = _locked(RootCause, cause)
    before = _snapshot(cause, ROOT_CAUSE_FIELDS)
    _apply(cause, {"name_zh": name_zh, "name_en": name_en, "order": order, "active": active})
    return _save(cause, actor=actor, created=False, action="root_cause.changed", fields=ROOT_CAUSE_FIELDS,
                 before=before)


# --- SLA policies -------------------------------------------------------------------------------------------------

def _check_hours(first_response_hours: int, resolution_hours: int) -> None:
    if first_response_hours is None or first_response_hours <= 0:
        raise SettingRefused(_("The first-response target must be at least one working hour."),
                             "first_response_hours")
    if resolution_hours is None or resolution_hours <= 0:
        raise SettingRefused(_("The resolution target must be at least one working hour."), "resolution_hours")
    if first_response_hours > resolution_hours:
        raise SettingRefused(_("The first response cannot be due after the resolution: give a first-response "
                               "target of at most %(hours)s working hours.") % {"hours": resolution_hours},
                             "first_response_hours")


def _check_unique(policy: SlaPolicy) -> None:
    clash = (SlaPolicy.objects.filter(active=True, category=policy.category, priority=policy.priority,
                                      channel=policy.channel).exclude(pk=policy.pk).first())
    if clash is not None:
        raise SettingRefused(_("An active policy already covers %(what)s: change that one, or deactivate it "
                               "first.") % {"what": clash})


def _save_policy(policy: SlaPolicy, **kwargs) -> SlaPolicy:
    if policy.active:
        _check_unique(policy)
    try:
        with transaction.atomic():
            return _save(policy, **kwargs)
    except IntegrityError as error:  # a concurrent change made the same active policy
        raise SettingRefused(_("An active policy already covers %(what)s: change that one, or deactivate it "
                               "first.") % {"what": policy}) from error


@transaction.atomic
def sla_policy_create(*, actor, category: Category | None, priority: str, channel: str, first_response_hours: int,
                      resolution_hours: int) -> SlaPolicy:
    """A policy for category × priority × channel (empty = any); at most one active per combination."""
    require_permission(actor, roles.MANAGE_SETTINGS)
    _check_hours(first_response_hours, resolution_hours)
    if category is not None and category.parent_id is not None:
        raise SettingRefused(_("SLA policies are set per main category."), "category")
    policy = SlaPolicy(category=category, priority=priority or "", channel=channel or "",
                       first_response_hours=first_response_hours, resolution_hours=resolution_hours,
                       changed_by=actor)
    return _save_policy(policy, actor=actor, created=True, action="sla_policy.created", fields=SLA_FIELDS)


@transaction.atomic
def sla_policy_update(*, actor, policy: SlaPolicy, first_response_hours: int, resolution_hours: int,
                      active: bool) -> SlaPolicy:
    """Change the targets or (de)activate. Complaints already received keep the due times they were given."""
    require_permission(actor, roles.MANAGE_SETTINGS)
    _check_hours(first_response_hours, resolution_hours)
    policy = _locked(SlaPolicy, policy)
    before = _snapshot(policy, SLA_FIELDS)
    _apply(policy, {"first_response_hours": first_response_hours, "resolution_hours": resolution_hours,
                    "active": active, "changed_by": actor})
    return _save_policy(policy, actor=actor, created=False, action="sla_policy.changed", fields=SLA_FIELDS,
                        before=before)


# --- canned responses ---------------------------------------------------------------------------------------------

@transaction.atomic
def canned_response_create(*, actor, title: str, body_zh: str, body_en: str,
                           category: Category | None = None) -> CannedResponse:
    require_permission(actor, roles.MANAGE_SETTINGS)
    response = CannedResponse(title=title, body_zh=body_zh, body_en=body_en, category=category, changed_by=actor)
    return _save(response, actor=actor, created=True, action="canned_response.created", fields=CANNED_FIELDS)


@transaction.atomic
def canned_response_update(*, actor, response: CannedResponse, title: str, body_zh: str, body_en: str,
                           category: Category | None, active: bool) -> CannedResponse:
    require_permission(actor, roles.MANAGE_SETTINGS)
    response = _locked(CannedResponse, response)
    before = _snapshot(response, CANNED_FIELDS)
    _apply(response, {"title": title, "body_zh": body_zh, "body_en": body_en, "category": category,
                      "active": active, "changed_by": actor})
    return _save(response, actor=actor, created=False, action="canned_response.changed", fields=CANNED_FIELDS,
                 before=before)
