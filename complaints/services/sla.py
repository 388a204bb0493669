"""SLA clocks of complaints, in working hours on the core calendar (``acquirer/calendar.py``), and the scheduled
job that warns before a breach and escalates on breach (agent → team lead → operations manager), once per level.

Two clocks run from ``received_at``: the **first response** (stopped by the first public reply, an
acknowledgement or a request for information: ``first_response_at``) and the **resolution** (stopped by the
resolution or a rejection). The resolution clock stands still while the complaint waits on the complainant: a
``ComplaintPause`` opens when staff ask for information and closes when the complainant answers, staff resume or
resolve; on closing, the due time moves by the working time the pause covered. A complaint forwarded by the
regulator or the card network is due at the forwarding body's deadline when that is sooner (the deadline does not
pause). A reopened complaint's resolution clock starts again at the reopening with the policy's resolution hours.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, roles
from acquirer.batches import in_batches
from acquirer.calendar import add_working_hours, working_hours_between
from acquirer.exceptions import DomainError
from acquirer.services.notifications import notify, notify_role
from complaints.models import Complaint, ComplaintEscalation, ComplaintPause, SlaPolicy
from complaints.models.common import FORWARDED
from terminals.services.sla import format_duration

ZERO = timedelta(0)
CLOCK_NAMES = {"first_response": gettext_lazy("first response"), "resolution": gettext_lazy("resolution")}
LEVEL_ROLES = {1: roles.CUSTOMER_SERVICE_LEAD, 2: roles.OPERATIONS_MANAGER}


# --- policies and due times ---------------------------------------------------------------------------------------

def sla_policy_for(*, category, priority: str, channel: str) -> SlaPolicy:
    """The most specific active policy for a complaint: a matching category beats a matching priority, which beats a
    matching channel; an empty field of a policy matches anything. A subcategory counts as its top-level category."""
    top_id = category.parent_id or category.pk
    candidates = SlaPolicy.objects.filter(
        Q(category_id=top_id) | Q(category__isnull=True), Q(priority=priority) | Q(priority=""),
        Q(channel=channel) | Q(channel=""), active=True)

    def weight(p: SlaPolicy) -> tuple:
        return (p.category_id is not None, bool(p.priority), bool(p.channel), -p.pk)

    best = max(candidates, key=weight, default=None)
    if best is None:
        raise DomainError(_("No SLA policy applies to this complaint: ask a team lead to add a default policy."))
    return best


def working_hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def initial_due(*, policy: SlaPolicy, received_at: datetime, channel: str,
                external_deadline: datetime | None) -> tuple[datetime, datetime]:
    """(first response due, resolution due) of a complaint received at ``received_at``."""
    first = add_working_hours(received_at, policy.first_response_hours)
    resolution = add_working_hours(received_at, policy.resolution_hours)
    return first, bounded_by_deadline(resolution, channel=channel, external_deadline=external_deadline)


def bounded_by_deadline(due: datetime, *, channel: str, external_deadline: datetime | None) -> datetime:
    """The forwarding body's deadline when it is sooner than ``due``."""
    if channel in FORWARDED and external_deadline is not None:
        return min(due, external_deadline)
    return due


def pause_open(complaint: Complaint, at: datetime) -> list[str]:
    """Stop the resolution clock (the complaint waits on the complainant); the fields changed."""
    if complaint.paused_since is not None:
        return []
    ComplaintPause.objects.create(complaint=complaint, started_at=at)
    complaint.paused_since = at
    return ["paused_since"]


def pause_close(complaint: Complaint, at: datetime) -> list[str]:
    """Start the resolution clock again: the due time moves by the working time the pause covered (a clock already
    past due when it paused stays past due); the forwarding body's deadline still bounds it. The fields changed."""
    pause = ComplaintPause.objects.select_for_update().filter(complaint=complaint, ended_at__isnull=True).first()
    if pause is None:
        if complaint.paused_since is None:
            return []
        complaint.paused_since = None
        return ["paused_since"]
    pause.ended_at = max(at, pause.started_at)
    pause.save(update_fields=["ended_at"])
    complaint.paused_since = None
    fields = ["paused_since"]
    if complaint.resolution_due > pause.started_at:
        # what was left when the clock stopped, counted again from the moment it stopped, skipping the pause
        left = working_hours(working_hours_between(pause.started_at, complaint.resolution_due))
        moved = add_working_hours(pause.started_at, left, paused=[(pause.started_at, pause.ended_at)])
        if complaint.external_deadline is not None:
            moved = bounded_by_deadline(moved, channel=complaint.channel,
                                        external_deadline=complaint.external_deadline)
        if moved != complaint.resolution_due:
            complaint.resolution_due = moved
            fields.append("resolution_due")
    return fields


def restart_resolution(complaint: Complaint, at: datetime) -> list[str]:
    """A reopened complaint: the resolution clock starts again at ``at`` with the policy's resolution hours."""
    policy = sla_policy_for(category=complaint.category, priority=complaint.priority, channel=complaint.channel)
    complaint.resolution_due = bounded_by_deadline(add_working_hours(at, policy.resolution_hours),
                                                   channel=complaint.channel,
                                                   external_deadline=complaint.external_deadline)
    complaint.resolution_warned_at = None
    complaint.resolution_breached_at = None
    return ["resolution_due", "resolution_warned_at", "resolution_breached_at"]


# --- clocks as pages show them --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """One SLA clock: running (time left), paused (time left when it stopped), overdue, met or missed."""

    state: str  # "running", "paused", "overdue", "met", "missed"
    due: datetime | None
    delta: timedelta  # working time left (running, paused), past due (overdue, missed) or to spare (met)

    @property
    def text(self) -> str:
        duration = format_duration(self.delta)
        if self.state == "running":
            return _("%(time)s left") % {"time": duration}
        if self.state == "paused":
            return _("paused, %(time)s left") % {"time": duration}
        if self.state == "overdue":
            return _("overdue by %(time)s") % {"time": duration}
        if self.state == "met":
            return _("met")
        return _("missed by %(time)s") % {"time": duration}

    @property
    def css(self) -> str:
        return {"running": "text-bg-info", "paused": "text-bg-secondary", "overdue": "text-bg-danger",
                "met": "text-bg-success", "missed": "text-bg-warning"}[self.state]


def _clock(*, due: datetime, stopped_at: datetime | None, now: datetime) -> Clock:
    if stopped_at is not None:
        if stopped_at <= due:
            return Clock("met", due, working_hours_between(stopped_at, due))
        return Clock("missed", due, working_hours_between(due, stopped_at))
    if now < due:
        return Clock("running", due, working_hours_between(now, due))
    return Clock("overdue", due, working_hours_between(due, now))


def _stopped_at(complaint: Complaint) -> datetime | None:
    """When the resolution clock stopped for good (resolved, closed or rejected), or None while it runs."""
    if complaint.status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED):
        return complaint.resolved_at or complaint.status_changed_at
    if complaint.status == Complaint.Status.REJECTED:
        return complaint.status_changed_at
    return None


def sla_clocks(complaint: Complaint, now: datetime | None = None) -> dict[str, Clock]:
    """The complaint's two clocks, keyed "first_response" and "resolution"."""
    now = now or timezone.now()
    ended = _stopped_at(complaint)
    first = _clock(due=complaint.first_response_due, stopped_at=complaint.first_response_at or ended, now=now)
    if ended is None and complaint.paused_since is not None:
        left = working_hours_between(complaint.paused_since, complaint.resolution_due)
        resolution = Clock("paused", complaint.resolution_due, max(left, ZERO))
    else:
        resolution = _clock(due=complaint.resolution_due, stopped_at=ended, now=now)
    return {"first_response": first, "resolution": resolution}


# --- the scheduled job ----------------------------------------------------------------------------------------------

def _ops_url(complaint: Complaint) -> str:
    return reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})


def _params(complaint: Complaint, clock: str, due: datetime) -> dict:
    return {"number": complaint.number, "subject": complaint.subject, "clock": CLOCK_NAMES[clock],
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}


def _clocks_running(complaint: Complaint) -> list[tuple[str, datetime]]:
    """(clock, due) of the clocks still running."""
    clocks = []
    if complaint.first_response_at is None:
        clocks.append(("first_response", complaint.first_response_due))
    clocks.append(("resolution", complaint.resolution_due))
    return clocks


def _warn(complaint: Complaint, clock: str, due: datetime, now: datetime, counts: dict) -> None:
    setattr(complaint, f"{clock}_warned_at", now)
    counts["warned"] += 1
    message = {"kind": "complaint.sla_warning",
               "title": gettext_lazy("Complaint %(number)s: the %(clock)s is due at %(due)s"),
               "body": gettext_lazy("%(subject)s: less than the warning time is left before the %(clock)s target "
                                    "(due %(due)s)."),
               "params": _params(complaint, clock, due), "url": _ops_url(complaint)}
    if complaint.assignee_id is not None:
        notify(recipient=complaint.assignee, **message)
    else:
        notify_role(role=roles.CUSTOMER_SERVICE, **message)


def _escalate(complaint: Complaint, level: int, clock: str, due: datetime, now: datetime, counts: dict) -> bool:
    """Escalate to ``level`` unless that was done already (one row per complaint and level)."""
    _escalation, created = ComplaintEscalation.objects.get_or_create(
        complaint=complaint, level=level, defaults={"clock": clock, "escalated_at": now})
    if not created:
        return False
    complaint.escalation_level = max(complaint.escalation_level, level)
    counts[f"escalated_level_{level}"] += 1
    audit.record("complaint.escalated", target=complaint, actor_label="system", merchant_id=complaint.merchant_id,
                 before={"escalation_level": level - 1}, after={"escalation_level": level},
                 data={"level": level, "clock": clock, "due": due, "to": LEVEL_ROLES[level]})
    notify_role(role=LEVEL_ROLES[level], kind="complaint.escalated",
                title=gettext_lazy("Escalated: complaint %(number)s missed its %(clock)s target"),
                body=gettext_lazy("%(subject)s: the %(clock)s was due at %(due)s and is still open."),
                params=_params(complaint, clock, due), url=_ops_url(complaint))
    return True


def _check_one(complaint: Complaint, *, now: datetime, warn_limit: datetime, counts: dict) -> list[str]:
    """Warn, stamp breaches and escalate one complaint; the fields changed."""
    changed = []
    manager_after = float(settings.ACQUIRER_COMPLAINT_MANAGER_AFTER_HOURS)
    for clock, due in _clocks_running(complaint):
        warned, breached = f"{clock}_warned_at", f"{clock}_breached_at"
        if due <= now:
            if getattr(complaint, breached) is None:
                setattr(complaint, breached, now)
                changed.append(breached)
                counts["breached"] += 1
                audit.record("complaint.sla_breached", target=complaint, actor_label="system",
                             merchant_id=complaint.merchant_id, data={"clock": clock, "due": due, "detected_at": now})
            if _escalate(complaint, 1, clock, due, now, counts):
                changed.append("escalation_level")
            if (working_hours(working_hours_between(due, now)) >= manager_after
                    and _escalate(complaint, 2, clock, due, now, counts)):
                changed.append("escalation_level")
        elif due <= warn_limit and getattr(complaint, warned) is None:
            _warn(complaint, clock, due, now, counts)
            changed.append(warned)
    return changed


def _work(now: datetime, warn_limit: datetime) -> Q:
    """Open, running complaints with something to do: a clock to warn about, a breach to stamp, an escalation."""
    first = Q(first_response_at__isnull=True) & (
        Q(first_response_warned_at__isnull=True, first_response_due__lte=warn_limit)
        | Q(first_response_breached_at__isnull=True, first_response_due__lte=now)
        | Q(first_response_due__lte=now, escalation_level__lt=2))
    resolution = (Q(resolution_warned_at__isnull=True, resolution_due__lte=warn_limit)
                  | Q(resolution_breached_at__isnull=True, resolution_due__lte=now)
                  | Q(resolution_due__lte=now, escalation_level__lt=2))
    return first | resolution


def _check_batch(ids: list[int], *, now: datetime, warn_limit: datetime, counts: dict) -> None:
    complaints = list(Complaint.objects.select_for_update(of=("self",), skip_locked=True)
                      .select_related("assignee")
                      .filter(pk__in=ids, status__in=Complaint.OPEN, paused_since__isnull=True)
                      .order_by("resolution_due", "id"))
    for complaint in complaints:
        counts["checked"] += 1
        changed = _check_one(complaint, now=now, warn_limit=warn_limit, counts=counts)
        if changed:
            complaint.save(update_fields=sorted(set(changed)))


def complaints_check_sla(now: datetime | None = None) -> dict:
    """The scheduled job (every 15 minutes): for open complaints whose clock runs (not paused), warn the assignee
    (or customer service when nobody has it) once per clock when less than ``ACQUIRER_COMPLAINT_WARN_HOURS``
    working hours are left; on a breach stamp it and escalate to the team leads (level 1), and to the operations
    managers (level 2) when the breach is still open ``ACQUIRER_COMPLAINT_MANAGER_AFTER_HOURS`` working hours
    later. Batches commit on their own; running it twice changes nothing."""
    now = now or timezone.now()
    warn_limit = add_working_hours(now, float(settings.ACQUIRER_COMPLAINT_WARN_HOURS))
    counts = {"checked": 0, "warned": 0, "breached": 0, "escalated_level_1": 0, "escalated_level_2": 0}
    # the partial index complaint_open_queue serves this (open statuses, by resolution due time)
    candidates = (Complaint.objects.filter(status__in=Complaint.OPEN, paused_since__isnull=True)
                  .filter(_work(now, warn_limit)).order_by("resolution_due", "id").values("id"))
    for batch in in_batches(candidates):
        with transaction.atomic():
            _check_batch([row["id"] for row in batch], now=now, warn_limit=warn_limit, counts=counts)
    return counts
