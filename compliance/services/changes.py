"""Regulatory change: record a new or changed rule and its impact, move it through its statuses
(``compliance.workflow.CHANGE_MOVES``), give it tasks with owners and due dates, and ask staff to read it (one
reading row per person; assigning again adds only the missing people). Every write checks ``compliance.policy`` and
is audited."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.services.notifications import notify_many
from compliance import roles
from compliance.models import ChangeTask, ReadingAcknowledgement, RegulatoryChange
from compliance.policy import (
    CHANGE_ACKNOWLEDGE,
    CHANGE_ASSESS,
    CHANGE_DONE,
    CHANGE_EDIT,
    CHANGE_IMPLEMENT,
    CHANGE_READING_ASSIGN,
    CHANGE_TASK_ADD,
    CHANGE_TASK_DONE,
)
from compliance.workflow import CHANGE_MOVES

FIELDS = ("title", "source", "reference", "link", "published_on", "effective_on", "summary", "impact",
          "impact_level", "affected_processes", "reading_due_on")
MOVES = {RegulatoryChange.Status.ASSESSING: CHANGE_ASSESS, RegulatoryChange.Status.IMPLEMENTING: CHANGE_IMPLEMENT,
         RegulatoryChange.Status.DONE: CHANGE_DONE}


def _snapshot(change: RegulatoryChange, requirement_ids=None) -> dict:
    data = {name: getattr(change, name) for name in FIELDS}
    if requirement_ids is not None:
        data["requirements"] = sorted(requirement_ids)
    return data


def _check_dates(values: dict) -> None:
    if values["effective_on"] < values["published_on"]:
        raise DomainError(_("A rule cannot take effect before it is published."))


@transaction.atomic
def change_create(*, actor: User, requirements=(), **values) -> RegulatoryChange:
    policy.require_permission(actor, roles.MANAGE_CHANGE)
    _check_dates(values)
    change = RegulatoryChange.objects.create(created_by=actor, **{name: values.get(name) for name in FIELDS
                                                                   if name in values})
    change.affected_requirements.set(requirements)
    audit.record("regulatory_change.created", actor=actor, target=change,
                 after=_snapshot(change, [requirement.pk for requirement in requirements]))
    return change


@transaction.atomic
def change_update(*, actor: User, change: RegulatoryChange, requirements=(), **values) -> RegulatoryChange:
    change = RegulatoryChange.objects.select_for_update().get(pk=change.pk)
    policy.require(actor, CHANGE_EDIT, change)
    _check_dates(values)
    before = _snapshot(change, list(change.affected_requirements.values_list("pk", flat=True)))
    for name in FIELDS:
        if name in values:
            setattr(change, name, values[name])
    change.save()
    change.affected_requirements.set(requirements)
    after = _snapshot(change, [requirement.pk for requirement in requirements])
    changed = {key for key in after if after[key] != before[key]}
    audit.record("regulatory_change.updated", actor=actor, target=change,
                 before={key: before[key] for key in changed}, after={key: after[key] for key in changed})
    return change


@transaction.atomic
def change_move(*, actor: User, change: RegulatoryChange, to: str) -> RegulatoryChange:
    action = MOVES.get(to)
    if action is None:
        raise DomainError(_("Unknown status."))
    change = RegulatoryChange.objects.select_for_update().get(pk=change.pk)
    # the action's from-statuses are CHANGE_MOVES read backwards, so require() refuses a move the table does not
    # allow (acquirer.workflow.advance is not used: the model keeps no status_changed_at)
    policy.require(actor, action, change)
    current = change.status
    if to not in CHANGE_MOVES.get(current, ()):
        raise DomainError(_("This move is not allowed."))
    change.status = to
    change.save(update_fields=["status"])
    audit.record(action.audit_action, actor=actor, target=change, before={"status": str(current)},
                 after={"status": str(to)})
    return change


@transaction.atomic
def change_task_add(*, actor: User, change: RegulatoryChange, title: str, owner: User, due_on: date) -> ChangeTask:
    change = RegulatoryChange.objects.select_for_update().get(pk=change.pk)
    policy.require(actor, CHANGE_TASK_ADD, change)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Say what the task is."))
    if owner.kind != User.Kind.STAFF or not owner.is_active:
        raise DomainError(_("A task's owner is an active member of staff."))
    task = ChangeTask.objects.create(change=change, title=title[:200], owner=owner, due_on=due_on)
    audit.record("change_task.added", actor=actor, target=task,
                 after={"title": task.title, "owner": str(owner), "due_on": due_on}, data={"change": str(change)})
    if owner.pk != actor.pk:
        notify_many([{"recipient": owner, "kind": "compliance.change_task",
                      "title": gettext_lazy("A task of a regulatory change is yours: %(task)s"),
                      "params": {"task": task.title},
                      "url": reverse("ops:regulatory-change-detail", args=[change.pk])}])
    return task


@transaction.atomic
def change_task_done(*, actor: User, task: ChangeTask, note: str = "") -> ChangeTask:
    task = ChangeTask.objects.select_for_update().get(pk=task.pk)
    policy.require(actor, CHANGE_TASK_DONE, task)
    task.done_at, task.done_by, task.note = timezone.now(), actor, (note or "").strip()
    task.save(update_fields=["done_at", "done_by", "note"])
    audit.record("change_task.done", actor=actor, target=task, before={"done_at": None},
                 after={"done_at": task.done_at}, data={"change": str(task.change), "note": task.note})
    return task


def _staff(roles_: list[str], people: list[User]) -> list[User]:
    query = Q(pk__in=[person.pk for person in people])
    if roles_:
        query |= Q(groups__name__in=roles_)
    return list(User.objects.filter(query, is_active=True, kind=User.Kind.STAFF).distinct().order_by("pk"))


@transaction.atomic
def change_reading_assign(*, actor: User, change: RegulatoryChange, roles_: list[str] = (),
                          people: list[User] = ()) -> list[ReadingAcknowledgement]:
    """Ask the active staff of ``roles_`` and ``people`` to read ``change``. Whoever was already asked is skipped
    (one row per person): assigning twice asks nobody twice. Returns the new rows."""
    change = RegulatoryChange.objects.select_for_update().get(pk=change.pk)
    policy.require(actor, CHANGE_READING_ASSIGN, change)
    readers = _staff(list(roles_), list(people))
    if not readers:
        raise DomainError(_("Choose at least one role or person (active staff only)."))
    already = set(change.readers.values_list("user_id", flat=True))
    new = [ReadingAcknowledgement(change=change, user=user) for user in readers if user.pk not in already]
    ReadingAcknowledgement.objects.bulk_create(new)
    if new:
        audit.record("change_reading.assigned", actor=actor, target=change,
                     data={"count": len(new), "readers": [str(row.user) for row in new]})
        url = reverse("ops:reading-list")
        notify_many([{"recipient": row.user, "kind": "compliance.reading",
                      "title": gettext_lazy("Please read and acknowledge: %(change)s"),
                      "params": {"change": change.title}, "url": url} for row in new])
    return new


@transaction.atomic
def change_acknowledge(*, actor: User, change: RegulatoryChange) -> ReadingAcknowledgement:
    """The reader confirms they read ``change`` (once)."""
    reading = ReadingAcknowledgement.objects.select_for_update().filter(change=change, user=actor).first()
    if reading is None:
        raise DomainError(_("You were not asked to read this change."))
    policy.require(actor, CHANGE_ACKNOWLEDGE, reading)
    reading.acknowledged_at = timezone.now()
    reading.save(update_fields=["acknowledged_at"])
    audit.record("change_reading.acknowledged", actor=actor, target=change, before={"acknowledged_at": None},
                 after={"acknowledged_at": reading.acknowledged_at})
    return reading
