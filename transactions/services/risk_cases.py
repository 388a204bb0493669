"""The work on a risk case (docs/risk.md, "Cases, holds and reports"): taking and assigning it, the evidence kept on
it (notes, files through the core upload service, linked ledger rows), the decision with its reason, the report to
the regulator and its deadline in working days, and the actions with teeth taken from it (suspending a terminal or
the merchant; holds are in ``risk_holds.py``). Every move is guarded by ``transactions/case_policy.py``, made with
``acquirer.workflow.advance`` over ``CASE_MOVES`` and audited."""

import os
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, calendar, files, policy
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.workflow import advance
from transactions import roles
from transactions.case_policy import CASE_ACTIONS, HANDLES_CASES, REPORT_READ
from transactions.models import RiskCase, RiskEvidence
from transactions.workflow import CASE_MOVES

C = RiskCase.Status
EVIDENCE_FOLDER = "risk-evidence"
OUTCOMES = (C.CONFIRMED, C.FALSE_POSITIVE, C.ESCALATED)
DEFAULT_REPORT_DAYS = 3


def report_days() -> int:
    """Working days to report a major risk event: ``ACQUIRER_RISK_REPORT_DAYS`` (setting or environment), 3."""
    value = getattr(settings, "ACQUIRER_RISK_REPORT_DAYS", None) or os.environ.get("ACQUIRER_RISK_REPORT_DAYS")
    try:
        return max(int(value), 1) if value else DEFAULT_REPORT_DAYS
    except (TypeError, ValueError):
        return DEFAULT_REPORT_DAYS


def report_due_for(decided_on: date) -> date:
    """The day a major risk event decided on ``decided_on`` is due to the regulator: :func:`report_days` working
    days later on the core calendar (holidays and make-up working days included)."""
    return calendar.add_working_days(decided_on, report_days())


def _lock(case: RiskCase) -> RiskCase:
    return RiskCase.objects.select_for_update(of=("self",)).select_related("merchant", "rule").get(pk=case.pk)


def _data(case: RiskCase, **extra) -> dict:
    return {"merchant": case.merchant_id, "rule": case.rule_id, "severity": case.severity, **extra}


def _reason(text: str, message) -> str:
    text = (text or "").strip()
    if len(text) < 5:
        raise DomainError(str(message))
    return text


@transaction.atomic
def case_take(*, actor, case: RiskCase) -> RiskCase:
    """The actor takes an open case to investigate it (open -> investigating)."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["take"], case)
    case.assigned_to = actor
    advance(case, to=C.INVESTIGATING, moves=CASE_MOVES, actor=actor, action="risk_case.taken",
            data=_data(case, assigned_to=actor.get_username()), extra_fields=("assigned_to",))
    return case


@transaction.atomic
def case_assign(*, actor, case: RiskCase, assignee) -> RiskCase:
    """Give a case to someone who handles risk cases (an open one starts being investigated)."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["assign"], case)
    if not policy.permitted(assignee, HANDLES_CASES):
        raise DomainError(_("%(user)s cannot handle risk cases.") % {"user": assignee})
    before = case.assigned_to_id
    case.assigned_to = assignee
    data = _data(case, assigned_to=assignee.get_username())
    if case.status == C.OPEN:
        advance(case, to=C.INVESTIGATING, moves=CASE_MOVES, actor=actor, action="risk_case.assigned", data=data,
                extra_fields=("assigned_to",))
    else:
        case.save(update_fields=["assigned_to"])
        audit.record("risk_case.assigned", actor=actor, target=case, before={"assigned_to": before},
                     after={"assigned_to": assignee.pk}, data=data)
    return case


def _evidence(case: RiskCase, actor, action: str, data: dict, **fields) -> RiskEvidence:
    evidence = RiskEvidence.objects.create(case=case, created_by=actor, **fields)
    audit.record(action, actor=actor, target=case, after={"evidence": evidence.pk, "kind": evidence.kind},
                 data=_data(case, **data))
    return evidence


@transaction.atomic
def case_add_note(*, actor, case: RiskCase, text: str) -> RiskEvidence:
    """A note on a case still being worked on."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["note"], case)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the note."))
    if len(text) > 5000:
        raise DomainError(_("A note has at most 5,000 characters."))
    return _evidence(case, actor, "risk_case.note_added", {}, kind=RiskEvidence.Kind.NOTE, text=text)


@transaction.atomic
def case_attach_file(*, actor, case: RiskCase, uploaded_file) -> RiskEvidence:
    """A file (PDF, JPEG, PNG) checked and stored privately by the core upload service; its SHA-256 is kept."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["attach"], case)
    try:
        info = files.check_upload(uploaded_file)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    stored_name = files.store_upload(uploaded_file, folder=EVIDENCE_FOLDER)
    name = os.path.basename(uploaded_file.name or "")[:200]
    try:
        return _evidence(case, actor, "risk_case.file_attached", {"file": name, "sha256": info.sha256},
                         kind=RiskEvidence.Kind.FILE, stored_name=stored_name, original_name=name,
                         content_type=info.content_type, size=info.size, sha256=info.sha256)
    except BaseException:
        files.delete_stored(stored_name)
        raise


@transaction.atomic
def case_link_transaction(*, actor, case: RiskCase, local_date: date, transaction_id: int) -> RiskEvidence:
    """Link a ledger row of the case's merchant (another merchant's row, or none, is refused)."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["link"], case)
    with connection.cursor() as cursor:
        cursor.execute("SELECT merchant_id FROM transactions_transaction WHERE local_date = %s AND id = %s",
                       [local_date, transaction_id])
        found = cursor.fetchone()
    if found is None or found[0] != case.merchant_id:
        raise DomainError(_("No transaction of this merchant has that date and number."))
    if case.evidence.filter(kind=RiskEvidence.Kind.TRANSACTION, transaction_date=local_date,
                            transaction_id=transaction_id).exists():
        raise DomainError(_("That transaction is already linked to the case."))
    return _evidence(case, actor, "risk_case.transaction_linked",
                     {"transaction": f"{local_date:%Y-%m-%d}/{transaction_id}"},
                     kind=RiskEvidence.Kind.TRANSACTION, transaction_date=local_date, transaction_id=transaction_id)


@transaction.atomic
def case_decide(*, actor, case: RiskCase, outcome: str, reason: str, major: bool = False) -> RiskCase:
    """Decide the case: confirmed, false positive or escalated, with the reason. A confirmed major risk event is due
    to the regulator within :func:`report_days` working days of the decision (core calendar)."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["decide"], case)
    if outcome not in OUTCOMES:
        raise DomainError(_("Choose the outcome: confirmed, false positive or escalated."))
    reason = _reason(reason, gettext_lazy("Give the reason for the outcome (at least 5 characters)."))
    now = timezone.now()
    case.outcome_reason, case.decided_by, case.decided_at = reason, actor, now
    case.major = bool(major) and outcome == C.CONFIRMED
    case.report_due = report_due_for(timezone.localdate(now)) if case.major else None
    advance(case, to=outcome, moves=CASE_MOVES, actor=actor, action="risk_case.decided",
            data=_data(case, outcome=outcome, reason=reason, major=case.major,
                       report_due=case.report_due.isoformat() if case.report_due else None),
            extra_fields=("outcome_reason", "decided_by", "decided_at", "major", "report_due"))
    return case


@transaction.atomic
def case_close(*, actor, case: RiskCase, reason: str) -> RiskCase:
    """Close a decided case (a major risk event only once reported)."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["close"], case)
    reason = _reason(reason, gettext_lazy("Give the reason for closing the case (at least 5 characters)."))
    advance(case, to=C.CLOSED, moves=CASE_MOVES, actor=actor, action="risk_case.closed",
            data=_data(case, reason=reason, outcome=case.status))
    return case


@transaction.atomic
def case_mark_reported(*, actor, case: RiskCase) -> RiskCase:
    """The suspicious-transaction report of a confirmed case was filed with the regulator."""
    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["report"], case)
    case.reported_at = timezone.now()
    case.save(update_fields=["reported_at"])
    audit.record("risk_case.reported", actor=actor, target=case, before={"reported_at": None},
                 after={"reported_at": case.reported_at},
                 data=_data(case, major=case.major, report_due=case.report_due.isoformat() if case.report_due
                            else None, overdue=report_overdue(case, today=timezone.localdate(case.reported_at))))
    return case


@transaction.atomic
def case_suspend_terminal(*, actor, case: RiskCase, terminal, reason: str) -> RiskCase:
    """Suspend one of the case merchant's terminals (``terminals``' ``terminal_suspend``, reason "risk"); the
    suspension is kept on the case as a note and audited on it."""
    from terminals.models import Terminal
    from terminals.services.lifecycle import terminal_suspend

    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["suspend_terminal"], case)
    if terminal.merchant_id != case.merchant_id:
        raise DomainError(_("The terminal is not the case merchant's."))
    reason = _reason(reason, gettext_lazy("Give the reason for the suspension (at least 5 characters)."))
    terminal = terminal_suspend(actor=actor, terminal=terminal, reason=Terminal.SuspendReason.RISK,
                                note=_("Risk case #%(case)s: %(reason)s") % {"case": case.pk, "reason": reason})
    _evidence(case, actor, "risk_case.terminal_suspended", {"terminal": terminal.tid or terminal.pk, "reason": reason},
              kind=RiskEvidence.Kind.NOTE,
              text=_("Terminal %(terminal)s suspended: %(reason)s") % {"terminal": terminal.tid or terminal.pk,
                                                                      "reason": reason})
    return case


@transaction.atomic
def case_suspend_merchant(*, actor, case: RiskCase, reason: str) -> RiskCase:
    """Suspend the case's merchant (``merchants``' ``merchant_suspend``); kept on the case as a note, audited."""
    from merchants.services.applications import merchant_suspend

    case = _lock(case)
    policy.require(actor, CASE_ACTIONS["suspend_merchant"], case)
    reason = _reason(reason, gettext_lazy("Give the reason for the suspension (at least 5 characters)."))
    merchant_suspend(actor=actor, merchant=case.merchant, reason=reason)
    _evidence(case, actor, "risk_case.merchant_suspended", {"reason": reason}, kind=RiskEvidence.Kind.NOTE,
              text=_("Merchant suspended: %(reason)s") % {"reason": reason})
    return case


# --- the deadline of a major risk event -------------------------------------------------------------------------

def _due_open(case: RiskCase) -> bool:
    return case.major and case.report_due is not None and case.reported_at is None


def report_overdue(case: RiskCase, today: date | None = None) -> bool:
    """A confirmed major risk event not reported by its due date (or reported after it)."""
    if not case.major or case.report_due is None:
        return False
    if case.reported_at is not None:
        return timezone.localdate(case.reported_at) > case.report_due
    return (today or timezone.localdate()) > case.report_due


def working_days_left(case: RiskCase, today: date | None = None) -> int | None:
    """Working days from ``today`` to the due date (0 on the due date, negative when overdue); None when nothing is
    due (not a major event, or already reported)."""
    if not _due_open(case):
        return None
    today = today or timezone.localdate()
    if today <= case.report_due:
        return calendar.working_days_between(today, case.report_due)
    return -calendar.working_days_between(case.report_due, today)


def risk_deadlines(*, today: date | None = None) -> dict:
    """The daily job: each confirmed major risk event not yet reported gets one reminder a day (the people who
    report and whoever decided it) — before its due date a reminder, after it an overdue escalation (also to the
    operations managers). Safe to run twice a day: ``reminded_on`` keeps it to one a day."""
    from acquirer import roles as core_roles
    from acquirer.services.notifications import notify_many, role_members

    today = today or timezone.localdate()
    reminded = overdue = 0
    reporters = role_members(core_roles.COMPLIANCE_OFFICER) + role_members(core_roles.RISK_ANALYST)
    managers = role_members(core_roles.OPERATIONS_MANAGER)
    with transaction.atomic():
        cases = list(RiskCase.objects.select_for_update(of=("self",), skip_locked=True)
                     .select_related("merchant", "decided_by")
                     .filter(status__in=(C.CONFIRMED, C.CLOSED), major=True, reported_at__isnull=True,
                             report_due__isnull=False)
                     .exclude(reminded_on=today).order_by("report_due", "id"))
        items, entries = [], []
        for case in cases:
            late = today > case.report_due
            recipients = {user.pk: user for user in reporters + (managers if late else [])}
            if case.decided_by_id and case.decided_by_id not in recipients and case.decided_by.is_active:
                recipients[case.decided_by_id] = case.decided_by
            params = {"case": case.pk, "merchant": case.merchant.legal_name, "due": case.report_due.isoformat()}
            if late:
                title = gettext_lazy("Overdue: the report of risk case #%(case)s was due on %(due)s")
            else:
                title = gettext_lazy("Report risk case #%(case)s (%(merchant)s) by %(due)s")
            items += [{"recipient": user, "kind": "risk_case.overdue" if late else "risk_case.reminded",
                       "title": title, "params": params} for user in recipients.values()]
            entries.append({"action": "risk_case.overdue" if late else "risk_case.reminded",
                            "target": case, "merchant_id": case.merchant_id,
                            "data": {"report_due": case.report_due.isoformat(),
                                     "working_days_left": working_days_left(case, today)}})
            overdue += late
            reminded += not late
        if items:
            notify_many(items)
        if entries:
            audit.record_many(entries)
        RiskCase.objects.filter(pk__in=[case.pk for case in cases]).update(reminded_on=today)
    return {"day": today.isoformat(), "reminded": reminded, "overdue": overdue}


def evidence_download(*, actor, evidence: RiskEvidence):
    """A case's evidence file as an audited download (decrypted from private storage): staff who read risk cases,
    and auditors. Merchants never reach it (the selectors give them no case)."""
    if not (actor.has_perm(roles.VIEW_RISK) or policy.permitted(actor, REPORT_READ)):
        raise NotPermitted(_("Your role does not allow this action."))
    if evidence.kind != RiskEvidence.Kind.FILE or not evidence.stored_name:
        raise DomainError(_("This evidence has no file."))
    return files.audited_download(
        actor=actor, stored_name=evidence.stored_name, filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream", action="risk_case.evidence_downloaded",
        target=evidence.case, data={"file": evidence.original_name, "sha256": evidence.sha256})
