"""Findings and their rectification (整改): raise, confirm, rectify (with evidence), verify by someone else, close;
or accept the risk for a while. Every move locks the row, asks ``policy.require`` the question the page's buttons
ask, moves with ``acquirer.workflow.advance`` (``compliance.workflow.FINDING_MOVES``) and is audited with what
changed. The owner is told when a finding is given to them.

The reminder job (``finding_reminders``, daily) reminds owners a week (5 working days) and one working day before
the due date, escalates an overdue finding once to compliance officers and operations managers, and puts risk
acceptances whose date has passed back into rectification. A rectified finding waits on its verifier, not on its
owner: it is neither reminded nor escalated. ``FindingReminder`` is unique per finding, kind and due date, so each
is sent once and a new due date gets its own."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy
from acquirer import roles as staff_roles
from acquirer.calendar import add_working_days
from acquirer.counters import next_number
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.services.notifications import notify, notify_role
from acquirer.workflow import advance
from compliance.models import AssessmentItem, Evidence, Finding, FindingReminder, Inspection, Requirement
from compliance.models.common import Severity
from compliance.policy import ACTIONS
from compliance.selectors.findings import TO_RECTIFY, findings_for_reminders, risk_acceptances_expired
from compliance.workflow import FINDING_MOVES

S = Finding.Status
WEEK_DAYS = 5  # "a week before": five working days
BODY = gettext_lazy("“%(title)s” — open the finding to rectify it and attach the evidence.")
ESCALATE_TO = (staff_roles.COMPLIANCE_OFFICER, staff_roles.OPERATIONS_MANAGER)


def _lock(finding: Finding) -> Finding:
    return Finding.objects.select_for_update(of=("self",)).select_related("owner").get(pk=finding.pk)


def _require(actor, name: str, finding: Finding | None = None) -> None:
    policy.require(actor, ACTIONS[name], finding)


def _text(value, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message)
    return value


def _url(finding: Finding) -> str:
    return reverse("ops:finding-detail", kwargs={"pk": finding.pk})


def _params(finding: Finding) -> dict:
    return {"reference": finding.reference, "title": finding.title, "due": finding.due_on.isoformat(),
            "owner": finding.owner.get_username()}


def _tell_owner(finding: Finding, *, kind: str, title, body="") -> None:
    if finding.owner.is_active:
        notify(recipient=finding.owner, kind=kind, title=title, body=body, params=_params(finding), url=_url(finding))


def _check_owner(owner: User) -> None:
    if owner is None or owner.kind != User.Kind.STAFF or not owner.is_active:
        raise DomainError(_("The owner must be an active member of staff."))


def _reference(day: date) -> str:
    """``F-YYYY-NNNN``: the next number of the year (``acquirer.counters``, one sequence per year)."""
    stem = f"F-{day.year}-"

    def highest_written() -> int:
        suffix = Cast(Substr("reference", len(stem) + 1), IntegerField())
        found = Finding.objects.filter(reference__regex=rf"^{stem}[0-9]+$").aggregate(top=Max(suffix))["top"]
        return found or 0

    return f"{stem}{next_number('compliance.finding:F', date(day.year, 1, 1), start=highest_written):04d}"


def _snapshot(finding: Finding) -> dict:
    return {"status": finding.status, "owner": finding.owner.get_username(), "due_on": finding.due_on,
            "severity": finding.severity}


# --- raising --------------------------------------------------------------------------------------------------------

@transaction.atomic
def finding_raise(*, actor, title: str, description: str, source: str, severity: str, owner: User, due_on: date,
                  requirement: Requirement | None = None, assessment_item: AssessmentItem | None = None,
                  inspection: Inspection | None = None) -> Finding:
    """Raise a finding (identified). From an assessment item its requirement is the item's; from an inspection
    its source is the inspection."""
    _require(actor, "finding_raise")
    title = _text(title, _("Give the finding a title."))[:200]
    description = _text(description, _("Describe what was found."))
    if assessment_item is not None:
        source = Finding.Source.ASSESSMENT
        requirement = requirement or assessment_item.requirement
    if inspection is not None:
        source = Finding.Source.INSPECTION
        if inspection.status == Inspection.Status.CLOSED:
            raise DomainError(_("The inspection is closed: findings are no longer raised from it."))
    if source not in Finding.Source.values:
        raise DomainError(_("Choose where the finding comes from."))
    if severity not in Severity.values:
        raise DomainError(_("Choose a severity."))
    _check_owner(owner)
    today = timezone.localdate()
    if due_on is None or due_on < today:
        raise DomainError(_("The due date cannot be in the past."))
    finding = Finding.objects.create(
        reference=_reference(today), title=title, description=description, source=source, severity=severity,
        requirement=requirement, assessment_item=assessment_item, inspection=inspection, owner=owner, due_on=due_on,
        raised_by=actor)
    audit.record("finding.raised", actor=actor, target=finding, after=_snapshot(finding))
    _tell_owner(finding, kind="finding.assigned",
                title=gettext_lazy("Finding %(reference)s is yours to rectify by %(due)s"),
                body=BODY)
    return finding


# --- the workflow ---------------------------------------------------------------------------------------------------

@transaction.atomic
def finding_confirm(*, actor, finding: Finding) -> Finding:
    finding = _lock(finding)
    _require(actor, "finding_confirm", finding)
    return advance(finding, to=S.CONFIRMED, moves=FINDING_MOVES, actor=actor, action="finding.confirmed")


@transaction.atomic
def finding_start(*, actor, finding: Finding) -> Finding:
    """The owner (or whoever manages findings) starts the rectification."""
    finding = _lock(finding)
    _require(actor, "finding_start", finding)
    return advance(finding, to=S.IN_PROGRESS, moves=FINDING_MOVES, actor=actor,
                   action="finding.rectification_started")


@transaction.atomic
def finding_remediate(*, actor, finding: Finding, remediation: str) -> Finding:
    """The owner says what was done; at least one piece of remediation evidence in force must be attached."""
    finding = _lock(finding)
    _require(actor, "finding_remediate", finding)
    remediation = _text(remediation, _("Say what was done to rectify the finding."))
    if not Evidence.objects.filter(finding=finding, withdrawn_at__isnull=True).exists():
        raise DomainError(_("Attach at least one piece of evidence of the rectification (a file or a link) before "
                            "marking the finding rectified."))
    finding.remediation, finding.remediated_at = remediation, timezone.now()
    return advance(finding, to=S.REMEDIATED, moves=FINDING_MOVES, actor=actor, action="finding.remediated",
                   data={"note": remediation}, extra_fields=("remediation", "remediated_at"))


@transaction.atomic
def finding_verify(*, actor, finding: Finding, note: str = "") -> Finding:
    """Someone other than the owner checks the rectification and its evidence."""
    finding = _lock(finding)
    _require(actor, "finding_verify", finding)
    finding.verified_by, finding.verified_at = actor, timezone.now()
    finding.verification_note = (note or "").strip()
    advance(finding, to=S.VERIFIED, moves=FINDING_MOVES, actor=actor, action="finding.verified",
            data={"note": finding.verification_note} if finding.verification_note else None,
            extra_fields=("verified_by", "verified_at", "verification_note"))
    _tell_owner(finding, kind="finding.verified", title=gettext_lazy("Finding %(reference)s: rectification verified"))
    return finding


@transaction.atomic
def finding_send_back(*, actor, finding: Finding, reason: str) -> Finding:
    """The verifier is not satisfied: back to rectification, with the reason."""
    finding = _lock(finding)
    _require(actor, "finding_send_back", finding)
    reason = _text(reason, _("Say why the rectification is not enough."))
    advance(finding, to=S.IN_PROGRESS, moves=FINDING_MOVES, actor=actor, action="finding.sent_back",
            data={"reason": reason})
    _tell_owner(finding, kind="finding.sent_back",
                title=gettext_lazy("Finding %(reference)s was sent back to rectification"), body=reason)
    return finding


@transaction.atomic
def finding_close(*, actor, finding: Finding) -> Finding:
    finding = _lock(finding)
    _require(actor, "finding_close", finding)
    finding.closed_at = timezone.now()
    return advance(finding, to=S.CLOSED, moves=FINDING_MOVES, actor=actor, action="finding.closed",
                   extra_fields=("closed_at",))


@transaction.atomic
def finding_dismiss(*, actor, finding: Finding, reason: str) -> Finding:
    """Closed straight away: not a finding after all. Whoever decides it (never the owner) is recorded as the one
    who verified it."""
    finding = _lock(finding)
    _require(actor, "finding_dismiss", finding)
    reason = _text(reason, _("Say why this is not a finding."))
    now = timezone.now()
    finding.verified_by, finding.verified_at, finding.verification_note, finding.closed_at = actor, now, reason, now
    return advance(finding, to=S.CLOSED, moves=FINDING_MOVES, actor=actor, action="finding.dismissed",
                   data={"reason": reason},
                   extra_fields=("verified_by", "verified_at", "verification_note", "closed_at"))


@transaction.atomic
def finding_accept_risk(*, actor, finding: Finding, reason: str, until: date) -> Finding:
    """Accept the risk until a date (at most a year ahead); the approver is the actor and never the owner."""
    finding = _lock(finding)
    _require(actor, "finding_accept_risk", finding)
    reason = _text(reason, _("Say why the risk is accepted."))
    today = timezone.localdate()
    if until is None or until <= today:
        raise DomainError(_("The risk is accepted until a date after today."))
    if until > _one_year_after(today):
        raise DomainError(_("A risk is accepted for at most a year: choose %(last)s or earlier.")
                          % {"last": _one_year_after(today).isoformat()})
    finding.risk_approver, finding.risk_reason, finding.risk_accepted_until = actor, reason, until
    advance(finding, to=S.RISK_ACCEPTED, moves=FINDING_MOVES, actor=actor, action="finding.risk_accepted",
            data={"reason": reason, "until": until},
            extra_fields=("risk_approver", "risk_reason", "risk_accepted_until"))
    _tell_owner(finding, kind="finding.risk_accepted",
                title=gettext_lazy("Finding %(reference)s: its risk was accepted for now"), body=reason)
    return finding


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def finding_reassign(*, actor, finding: Finding, owner: User, reason: str) -> Finding:
    finding = _lock(finding)
    _require(actor, "finding_reassign", finding)
    reason = _text(reason, _("Say why the finding changes owner."))
    _check_owner(owner)
    if owner.pk == finding.owner_id:
        raise DomainError(_("The finding already belongs to %(user)s.") % {"user": owner.get_username()})
    before = finding.owner.get_username()
    finding.owner = owner
    finding.save(update_fields=["owner"])
    audit.record("finding.reassigned", actor=actor, target=finding, before={"owner": before},
                 after={"owner": owner.get_username()}, data={"reason": reason})
    _tell_owner(finding, kind="finding.assigned",
                title=gettext_lazy("Finding %(reference)s is yours to rectify by %(due)s"),
                body=BODY)
    return finding


@transaction.atomic
def finding_change_due(*, actor, finding: Finding, due_on: date, reason: str) -> Finding:
    """A new due date; its reminders are sent afresh (they are kept per due date)."""
    finding = _lock(finding)
    _require(actor, "finding_change_due", finding)
    reason = _text(reason, _("Say why the due date changes."))
    if due_on is None or due_on < timezone.localdate():
        raise DomainError(_("The due date cannot be in the past."))
    if due_on == finding.due_on:
        raise DomainError(_("The finding is already due on that date."))
    before = finding.due_on
    finding.due_on = due_on
    finding.save(update_fields=["due_on"])
    audit.record("finding.due_changed", actor=actor, target=finding, before={"due_on": before},
                 after={"due_on": due_on}, data={"reason": reason})
    _tell_owner(finding, kind="finding.due_changed",
                title=gettext_lazy("Finding %(reference)s is now due on %(due)s"), body=reason)
    return finding


# --- the reminder job -------------------------------------------------------------------------------------------------

def _reminder_kind(finding: Finding, today: date) -> str | None:
    """Which reminder is due today for the finding's due date, if any (the latest one that applies)."""
    if today > finding.due_on:
        return FindingReminder.Kind.OVERDUE
    if today >= add_working_days(finding.due_on, -1):
        return FindingReminder.Kind.DAY
    if today >= add_working_days(finding.due_on, -WEEK_DAYS):
        return FindingReminder.Kind.WEEK
    return None


def _record_once(finding: Finding, kind: str) -> bool:
    """Insert the reminder row first; True only when this run inserted it (so it sends)."""
    try:
        with transaction.atomic():
            _row, created = FindingReminder.objects.get_or_create(finding=finding, kind=kind, due_on=finding.due_on)
    except IntegrityError:  # another run inserted it between the read and the write
        return False
    return created


def _remind(finding: Finding, kind: str, today: date) -> None:
    if kind == FindingReminder.Kind.WEEK:
        _tell_owner(finding, kind="finding.reminder",
                    title=gettext_lazy("Finding %(reference)s is due in a week (%(due)s)"),
                    body=BODY)
        return
    if kind == FindingReminder.Kind.DAY:
        _tell_owner(finding, kind="finding.reminder",
                    title=gettext_lazy("Finding %(reference)s is due on %(due)s"), body=BODY)
        return
    audit.record("finding.escalated", target=finding, actor_label="system",
                 data={"due": finding.due_on, "days_overdue": (today - finding.due_on).days})
    message = {"kind": "finding.overdue", "title": gettext_lazy("Overdue: finding %(reference)s was due on %(due)s"),
               "body": gettext_lazy("“%(title)s” is not rectified yet; its owner is %(owner)s."),
               "params": _params(finding), "url": _url(finding)}
    for role in ESCALATE_TO:
        notify_role(role=role, **message)
    _tell_owner(finding, kind="finding.overdue", title=message["title"], body=message["body"])


def _expire_risk(finding: Finding, counts: dict) -> None:
    with transaction.atomic():
        finding = Finding.objects.select_for_update(of=("self",)).select_related("risk_approver", "owner").get(
            pk=finding.pk)
        if finding.status != S.RISK_ACCEPTED:
            return
        advance(finding, to=S.IN_PROGRESS, moves=FINDING_MOVES, actor=None, action="finding.risk_acceptance_expired",
                data={"until": finding.risk_accepted_until})
        counts["risk_expired"] += 1
        params = {**_params(finding), "until": finding.risk_accepted_until.isoformat()}
        title = gettext_lazy("The risk acceptance of finding %(reference)s ended on %(until)s: it is being "
                             "rectified again")
        if finding.risk_approver is not None and finding.risk_approver.is_active:
            notify(recipient=finding.risk_approver, kind="finding.risk_expired", title=title, params=params,
                   url=_url(finding))
        if finding.owner.is_active and finding.owner_id != finding.risk_approver_id:
            notify(recipient=finding.owner, kind="finding.risk_expired", title=title, params=params,
                   url=_url(finding))


def finding_reminders(today: date | None = None) -> dict:
    """The daily job: reminders a week and a working day before the due date, the overdue escalation, each once per
    finding and due date; expired risk acceptances back to rectification. Running it again sends nothing new."""
    today = today or timezone.localdate()
    counts = {"checked": 0, "week": 0, "day": 0, "overdue": 0, "risk_expired": 0}
    for finding in risk_acceptances_expired(today=today):
        _expire_risk(finding, counts)
    # a finding due later than this is not yet a week away, whatever the holidays (a week of working days never
    # spans more than the longest holiday plus two weeks)
    horizon = today + timedelta(days=30)
    for finding in findings_for_reminders(statuses=TO_RECTIFY, due_until=horizon):
        counts["checked"] += 1
        kind = _reminder_kind(finding, today)
        if kind is None:
            continue
        with transaction.atomic():
            if _record_once(finding, kind):
                _remind(finding, kind, today)
                counts[str(kind)] += 1
    return counts
