"""Reads of the core, always through ``access.scope``."""

import re
from datetime import timedelta

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.lists import bounded_count, start_of_local_day
from acquirer.models import AuditEvent, Export, JobRun, LoginLockout, Notification, User
from acquirer.schedule import JOBS, cron_text


def notification_list(*, actor):
    return scope(Notification.objects.all(), actor)


def notification_unread_count(*, actor) -> int:
    return scope(Notification.objects.filter(read_at__isnull=True), actor).count()


def notification_get(*, actor, pk: int) -> Notification:
    return get_scoped(Notification.objects.all(), actor, pk=pk)


def export_list(*, actor):
    """The actor's own exports (``Export.OWNER_FIELD``: nobody sees another person's), newest first."""
    return scope(Export.objects.all(), actor)


def export_get(*, actor, pk: int) -> Export:
    return get_scoped(Export.objects.all(), actor, pk=pk)


_MODEL_LABEL = re.compile(r"^([a-z_]+\.[a-z_]+)(?:[:#](\S+))?$")


def _target_match(term: str) -> Q:
    """What a target search means, each served by an index: a model label (``terminals.terminal``) is every
    event about that kind of object, a label with an id (``terminals.terminal:42``) that one object (the
    (type, id) index); anything else is part of the target's name (the trigram index on ``target_repr``). An OR
    of all three would defeat every index and walk the whole trail."""
    term = term.strip()
    label = _MODEL_LABEL.match(term)
    if label and label.group(2):
        return Q(target_type=label.group(1), target_id=label.group(2))
    if label:
        return Q(target_type=label.group(1))
    return Q(target_repr__icontains=term)


_PLACEHOLDER = re.compile(r"%\(\w+\)s\s*")  # a sentence's blanks: "%(actor)s "


def _action_match(term: str) -> Q:
    """The actions a search names: every catalogued action whose code or sentence (in the reader's language,
    without its blanks) contains ``term`` — "charged", "rent.", "租金" — and any code starting with ``term``.
    Both are served by the action index: the trail keeps no trigram index on its codes, which every event
    written would pay for."""
    from acquirer.audit_text import catalogue

    wanted = term.strip().casefold()
    codes = [code for code, sentence in catalogue().actions.items()
             if wanted in code or wanted in _PLACEHOLDER.sub("", str(sentence)).casefold()]
    return Q(action__in=codes) | Q(action__startswith=term.strip())


def audit_event_order(filters: dict | None) -> tuple[str, ...]:
    """Newest first; by time (then id) when the search names dates, so the (at, id) index reads the range in
    order instead of sorting every event of those days."""
    filters = filters or {}
    return ("-at", "-id") if filters.get("date_from") or filters.get("date_to") else ("-id",)


def audit_event_list(*, actor, filters: dict | None = None):
    filters = filters or {}
    qs = scope(AuditEvent.objects.select_related("actor"), actor)
    if filters.get("action"):
        qs = qs.filter(_action_match(filters["action"]))
    if filters.get("actor"):
        qs = qs.filter(actor_label__icontains=filters["actor"])
    if filters.get("target"):
        qs = qs.filter(_target_match(filters["target"]))
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=filters["merchant"])
    if filters.get("ip"):
        qs = qs.filter(ip=filters["ip"])
    # whole local days as a range of instants, so the index on ``at`` serves it (a cast to a date would not)
    if filters.get("date_from"):
        qs = qs.filter(at__gte=start_of_local_day(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(at__lt=start_of_local_day(filters["date_to"] + timedelta(days=1)))
    return qs.order_by(*audit_event_order(filters))


def audit_history(*, actor, target, limit: int = 50):
    """The events about one object, newest first (shown on the object's page)."""
    qs = scope(AuditEvent.objects.select_related("actor"), actor)
    return qs.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by("-id")[:limit]


def job_overview(*, actor, recent: int = 5) -> list[dict]:
    """Every scheduled job with its schedule, last runs and whether it is overdue. Two queries."""
    runs = scope(JobRun.objects.select_related("triggered_by"), actor)
    latest = {}
    for run in runs.filter(job__in=JOBS.keys()).order_by("job", "-started_at").distinct("job"):
        latest[run.job] = run
    last_success = {
        run.job: run
        for run in runs.filter(job__in=JOBS.keys(), status=JobRun.Outcome.SUCCEEDED)
        .order_by("job", "-started_at").distinct("job")
    }
    now = timezone.now()
    overview = []
    for name, job in JOBS.items():
        success = last_success.get(name)
        overdue = success is None or now - success.started_at > timedelta(seconds=2 * job["period"])
        overview.append({"name": name, "task": job["task"], "schedule": cron_text(job["schedule"]),
                         "description": job["description"], "last": latest.get(name),
                         "last_success": success, "overdue": overdue})
    return overview


def job_run_list(*, actor, job: str | None = None):
    qs = scope(JobRun.objects.select_related("triggered_by"), actor)
    if job:
        qs = qs.filter(job=job)
    return qs.order_by("-started_at", "-id")


def user_list(*, actor, disabled_for_inactivity: bool = False):
    """Every account, by kind and username; ``disabled_for_inactivity`` keeps those still disabled by the
    inactivity job (:func:`users_disabled_for_inactivity_q`)."""
    qs = scope(User.objects.prefetch_related("groups").order_by("kind", "username"), actor)
    if disabled_for_inactivity:
        qs = qs.filter(users_disabled_for_inactivity_q())
    return qs


INACTIVITY_WINDOW_DAYS = 90  # the early-warning figure looks back this far


def users_disabled_for_inactivity_q(now=None) -> Q:
    """Accounts still disabled that the inactivity job (``users_disable_inactive``: a ``user.disabled`` event
    with no actor) disabled in the last 90 days."""
    since = (now or timezone.now()) - timedelta(days=INACTIVITY_WINDOW_DAYS)
    events = AuditEvent.objects.filter(action="user.disabled", actor__isnull=True, actor_label="",
                                       target_type=User._meta.label_lower,
                                       target_id=Cast(OuterRef("pk"), CharField()), at__gte=since)
    return Q(is_active=False) & Q(Exists(events))


def users_disabled_for_inactivity_count(actor):
    """The early-warning figure: accounts disabled for inactivity in the last 90 days (the user list's
    ``?disabled=inactivity``), counted up to a limit."""
    return bounded_count(user_list(actor=actor, disabled_for_inactivity=True), order=("kind", "username"))


def user_get(*, actor, pk: int) -> User:
    return get_scoped(User.objects.all(), actor, pk=pk)


def locked_usernames(*, actor) -> set[str]:
    if not getattr(actor, "is_authenticated", False) or actor.kind != "staff":
        return set()
    now = timezone.now()
    return set(LoginLockout.objects.filter(locked_until__gt=now).values_list("username", flat=True))


def backup_list(*, actor):
    from acquirer.models import Backup

    return scope(Backup.objects.select_related("created_by"), actor).order_by("-created_at", "-id")


def backup_status(*, actor) -> dict:
    from acquirer.backups.services import backup_health

    if not getattr(actor, "is_authenticated", False) or actor.kind not in ("staff", "auditor"):
        return {}
    return backup_health()
