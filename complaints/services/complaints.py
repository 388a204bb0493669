"""Complaints: intake on every channel, the workflow (``complaints/workflow.py``, guarded by ``complaints/policy.py``),
the conversation (public replies apart from internal notes), links to the merchant's terminal, contract, ledger row
and fault ticket, resolution and the complainant's rating.

Every move locks the row, asks ``policy.require`` the same question the page's buttons ask, moves with
``acquirer.workflow.advance`` and is audited. What a complainant is told (notifications, hence e-mails) carries only
public text: replies, the acknowledgement, the question asked, the resolution summary. Internal notes never leave
the staff pages: they are in no notification, and their audit event names the note by its id only (and is not
among the events a merchant reads)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import access, audit, files, policy
from acquirer import roles as staff_roles
from acquirer.counters import next_number
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import User
from acquirer.services.notifications import notify, notify_role
from acquirer.workflow import advance
from complaints import roles
from complaints.models import (
    CannedResponse,
    Category,
    Complaint,
    ComplaintAttachment,
    ComplaintMessage,
    ComplaintNote,
    RootCause,
)
from complaints.models.common import FORWARDED, Channel, Language, Priority
from complaints.policy import ACTIONS
from complaints.services import sla
from complaints.workflow import MOVES
from merchants.models import Contract, Merchant
from terminals.models import Terminal, Ticket
from terminals.services.tickets import ticket_raise
from transactions.models import Transaction

S = Complaint.Status
K = Complaint.ComplainantKind
R = Complaint.Remedy
FOLDER = "complaints"
FILE_TYPES = ("pdf", "jpeg", "png")
MAX_FILES = 5
SUBJECT_MIN, SUBJECT_MAX = 5, 150
DESCRIPTION_MIN = 10
COMMENT_MAX = 1000
WITH_AMOUNT = {R.REFUND, R.FEE_WAIVER}
WITHOUT_AMOUNT = {R.EXPLANATION}


# --- helpers ----------------------------------------------------------------------------------------------------------

def _lock(complaint: Complaint) -> Complaint:
    return (Complaint.objects.select_for_update(of=("self",))
            .select_related("merchant", "category", "assignee", "complainant_user").get(pk=complaint.pk))


def _require(actor, name: str, complaint: Complaint) -> None:
    policy.require(actor, ACTIONS[name], complaint)


def _text(value, message: str, *, minimum: int = 1, maximum: int | None = None) -> str:
    value = (value or "").strip()
    if len(value) < minimum or (maximum is not None and len(value) > maximum):
        raise DomainError(message)
    return value


def _ops_url(complaint: Complaint) -> str:
    return reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})


def _portal_url(complaint: Complaint) -> str:
    return reverse("portal:complaint-detail", kwargs={"pk": complaint.pk})


def _number(day: date) -> str:
    """``CP-YYYYMMDD-NNNN``: the next number of the day (``acquirer.counters``)."""
    stem = f"CP-{day:%Y%m%d}-"

    def highest_written() -> int:
        suffix = Cast(Substr("number", len(stem) + 1), IntegerField())
        found = Complaint.objects.filter(number__regex=rf"^{stem}[0-9]+$").aggregate(top=Max(suffix))["top"]
        return found or 0

    return f"{stem}{next_number('complaints.complaint:CP', day, start=highest_written):04d}"


def _check_files(uploads) -> list:
    try:
        return files.check_uploads(uploads, allowed=FILE_TYPES, limit=MAX_FILES,
                                   too_many=_("At most %(count)d files at a time."))
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


def _store_files(checked, *, complaint: Complaint, actor, stored: list, message: ComplaintMessage | None = None):
    """Store each checked file with its row; each stored name goes to ``stored`` first (removed on failure)."""
    for upload, info in checked:
        name = files.store_upload(upload, folder=FOLDER)
        stored.append(name)
        ComplaintAttachment.objects.create(
            complaint=complaint, merchant_id=complaint.merchant_id, message=message, stored_name=name,
            filename=(upload.name or "file")[-200:], content_type=info.content_type, size=info.size,
            uploaded_by=actor)


def _discard(stored: list) -> None:
    for name in stored:
        files.delete_stored(name)


def _first_response(complaint: Complaint, now: datetime) -> list[str]:
    """A public answer (reply, acknowledgement, question, resolution, rejection) stops the first-response clock."""
    if complaint.first_response_at is None:
        complaint.first_response_at = now
        return ["first_response_at"]
    return []


def _public_message(complaint: Complaint, *, actor, body: str, canned=None, author=ComplaintMessage.Author.STAFF):
    return ComplaintMessage.objects.create(complaint=complaint, merchant_id=complaint.merchant_id, author_kind=author,
                                           author=actor, body=body, canned=canned)


def _tell_complainant(complaint: Complaint, *, kind: str, title, text: str = "") -> None:
    """Tell the complainant's portal user (if any) — only public text ever goes here."""
    user = complaint.complainant_user
    if user is None or not user.is_active:
        return
    notify(recipient=user, kind=kind, title=title,
           body="%(text)s" if text else "",
           params={"number": complaint.number, "subject": complaint.subject, "text": text},
           url=_portal_url(complaint))


def _tell_staff(complaint: Complaint, *, kind: str, title, body="") -> None:
    """Tell whoever handles the complaint (customer service when nobody has it)."""
    params = {"number": complaint.number, "subject": complaint.subject,
              "merchant": str(complaint.merchant) if complaint.merchant_id else "-"}
    if complaint.assignee_id is not None:
        notify(recipient=complaint.assignee, kind=kind, title=title, body=body, params=params, url=_ops_url(complaint))
    else:
        notify_role(role=staff_roles.CUSTOMER_SERVICE, kind=kind, title=title, body=body, params=params,
                    url=_ops_url(complaint))


def _is_merchant(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.kind == User.Kind.MERCHANT


def _check_links(*, merchant: Merchant | None, terminal: Terminal | None, contract: Contract | None,
                 transaction_date: date | None, transaction_id: int | None) -> None:
    """A terminal, contract or ledger row must be the merchant's."""
    if (terminal or contract or transaction_id) and merchant is None:
        raise DomainError(_("Choose the merchant before linking a terminal, contract or transaction."))
    if terminal is not None and terminal.merchant_id != merchant.pk:
        raise DomainError(_("Terminal %(serial)s is not at %(merchant)s.")
                          % {"serial": terminal.serial_number, "merchant": merchant})
    if contract is not None and contract.merchant_id != merchant.pk:
        raise DomainError(_("The contract is not %(merchant)s's.") % {"merchant": merchant})
    if (transaction_date is None) != (transaction_id is None):
        raise DomainError(_("Give both the date and the number of the transaction."))
    if transaction_id is not None and not Transaction.objects.filter(
            local_date=transaction_date, pk=transaction_id, merchant_id=merchant.pk).exists():
        raise DomainError(_("No transaction %(id)s of %(merchant)s on %(date)s.")
                          % {"id": transaction_id, "merchant": merchant, "date": transaction_date})


# --- intake -----------------------------------------------------------------------------------------------------------

@transaction.atomic
def complaint_file(*, actor, category: Category, subject: str, description: str, channel: str,
                   complainant_kind: str, complainant_name: str, subcategory: Category | None = None,
                   priority: str = Priority.NORMAL, language: str = Language.ZH, complainant_phone: str = "",
                   complainant_email: str = "", merchant: Merchant | None = None, terminal: Terminal | None = None,
                   contract: Contract | None = None, transaction_date: date | None = None,
                   transaction_id: int | None = None, external_reference: str = "",
                   external_deadline: datetime | None = None, received_at: datetime | None = None, files=(),
                   duplicate_of: Complaint | None = None) -> Complaint:
    """File a complaint. A merchant user files in the portal for its own merchant (channel "portal", the complainant
    is the user); staff who handle complaints record one from any channel, received at ``received_at`` (the call's
    time; default now). The SLA clocks start at ``received_at``."""
    now = timezone.now()
    complainant_user = None
    if _is_merchant(actor):
        if not access.is_merchant_user(actor):
            raise NotPermitted(_("Your role does not allow this action."))
        own = Merchant.objects.get(pk=actor.merchant_id)
        if merchant is not None and merchant.pk != own.pk:
            raise NotPermitted(_("You can only file complaints for your own business."))
        if received_at is not None:
            raise DomainError(_("A complaint filed in the portal is received now."))
        merchant, channel, complainant_kind, complainant_user = own, Channel.PORTAL, K.MERCHANT, actor
        complainant_name = actor.get_full_name() or actor.get_username()
        complainant_email = complainant_email or actor.email or ""
        external_reference, external_deadline = "", None
    else:
        policy.require_permission(actor, roles.HANDLE_COMPLAINT)
        if channel not in Channel.values or channel == Channel.PORTAL:
            raise DomainError(_("Choose the channel the complaint came through."))
        if complainant_kind not in K.values:
            raise DomainError(_("Say who complains: a merchant, a cardholder or someone else."))
    received_at = received_at or now
    if received_at > now:
        raise DomainError(_("A complaint cannot be received in the future."))
    subject = _text(subject, _("The subject needs %(min)d to %(max)d characters.")
                    % {"min": SUBJECT_MIN, "max": SUBJECT_MAX}, minimum=SUBJECT_MIN, maximum=SUBJECT_MAX)
    description = _text(description, _("Describe the complaint (at least %(min)d characters).")
                        % {"min": DESCRIPTION_MIN}, minimum=DESCRIPTION_MIN)
    complainant_name = _text(complainant_name, _("Give the complainant's name (up to 100 characters)."),
                             maximum=100)
    complainant_phone = (complainant_phone or "").strip()
    complainant_email = (complainant_email or "").strip()
    if len(complainant_phone) > 30:
        raise DomainError(_("The phone number is too long."))
    if complainant_kind in (K.CARDHOLDER, K.OTHER) and not (complainant_phone or complainant_email):
        raise DomainError(_("Give a phone number or an e-mail address to answer the complainant."))
    if complainant_kind == K.MERCHANT and merchant is None:
        raise DomainError(_("Choose the merchant who complains."))
    if category is None or category.parent_id is not None or not category.active:
        raise DomainError(_("Choose a category in use."))
    if subcategory is not None and (subcategory.parent_id != category.pk or not subcategory.active):
        raise DomainError(_("The subcategory does not belong to the category."))
    if priority not in Priority.values:
        raise DomainError(_("Choose the priority."))
    if language not in Language.values:
        raise DomainError(_("Choose the language of the answer."))
    external_reference = (external_reference or "").strip()
    if channel in FORWARDED:
        if not external_reference or len(external_reference) > 60:
            raise DomainError(_("A forwarded complaint needs the forwarding body's reference (up to 60 characters)."))
        if external_deadline is None:
            raise DomainError(_("A forwarded complaint needs the deadline the forwarding body set."))
        if external_deadline <= received_at:
            raise DomainError(_("The forwarding body's deadline must be after the complaint was received."))
    else:
        external_reference, external_deadline = "", None
    _check_links(merchant=merchant, terminal=terminal, contract=contract, transaction_date=transaction_date,
                 transaction_id=transaction_id)
    checked = _check_files(files)
    rule = sla.sla_policy_for(category=category, priority=priority, channel=channel)
    first_due, resolution_due = sla.initial_due(policy=rule, received_at=received_at, channel=channel,
                                                external_deadline=external_deadline)
    stored = []
    try:
        complaint = Complaint.objects.create(
            number=_number(timezone.localdate(now)), complainant_kind=complainant_kind,
            complainant_name=complainant_name, complainant_phone=complainant_phone,
            complainant_email=complainant_email, complainant_user=complainant_user, channel=channel,
            external_reference=external_reference, external_deadline=external_deadline, language=language,
            category=category, subcategory=subcategory, priority=priority, subject=subject, description=description,
            merchant=merchant, terminal=terminal, contract=contract, transaction_date=transaction_date,
            transaction_id=transaction_id, duplicate_of=duplicate_of, status=S.NEW, status_changed_at=now,
            recorded_by=actor, received_at=received_at, first_response_due=first_due,
            resolution_due=resolution_due)
        _store_files(checked, complaint=complaint, actor=actor, stored=stored)
        audit.record("complaint.filed", actor=actor, target=complaint,
                     after={"status": S.NEW, "first_response_due": first_due, "resolution_due": resolution_due},
                     data={"channel": channel, "category": f"{category.name_zh} / {category.name_en}",
                           "priority": priority, "complainant_kind": complainant_kind, "received_at": received_at,
                           "files": len(stored), "duplicate_of": duplicate_of.number if duplicate_of else None})
    except BaseException:
        _discard(stored)
        raise
    notify_role(role=staff_roles.CUSTOMER_SERVICE, kind="complaint.filed",
                title=gettext_lazy("New complaint %(number)s: %(subject)s"),
                body=gettext_lazy("%(channel)s, %(category)s, priority %(priority)s; first response due %(due)s."),
                params={"number": complaint.number, "subject": subject, "channel": Channel(channel).label,
                        "category": category.name, "priority": Priority(priority).label,
                        "due": timezone.localtime(first_due).strftime("%Y-%m-%d %H:%M")},
                url=_ops_url(complaint))
    return complaint


# --- handling ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def complaint_take(*, actor, complaint: Complaint) -> Complaint:
    """The actor handles the complaint from now on."""
    complaint = _lock(complaint)
    _require(actor, "take", complaint)
    before = complaint.assignee_id
    complaint.assignee = actor
    complaint.save(update_fields=["assignee"])
    audit.record("complaint.assigned", actor=actor, target=complaint, before={"assignee": before},
                 after={"assignee": actor.pk}, data={"assignee_name": actor.get_username()})
    return complaint


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, assignee: User) -> Complaint:
    """Give the complaint to a member of staff who handles complaints."""
    complaint = _lock(complaint)
    _require(actor, "assign", complaint)
    if not (access.is_staff_user(assignee) and assignee.has_perm(roles.HANDLE_COMPLAINT)):
        raise DomainError(_("%(user)s does not handle complaints.") % {"user": assignee})
    before = complaint.assignee_id
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee"])
    audit.record("complaint.assigned", actor=actor, target=complaint, before={"assignee": before},
                 after={"assignee": assignee.pk}, data={"assignee_name": assignee.get_username()})
    if assignee.pk != actor.pk:
        notify(recipient=assignee, kind="complaint.assigned",
               title=gettext_lazy("Complaint %(number)s assigned to you"),
               body=gettext_lazy("%(subject)s (resolution due %(due)s)"),
               params={"number": complaint.number, "subject": complaint.subject,
                       "due": timezone.localtime(complaint.resolution_due).strftime("%Y-%m-%d %H:%M")},
               url=_ops_url(complaint))
    return complaint


@transaction.atomic
def complaint_acknowledge(*, actor, complaint: Complaint, message: str = "") -> Complaint:
    """Confirm receipt to the complainant (stops the first-response clock), with an optional message."""
    complaint = _lock(complaint)
    _require(actor, "acknowledge", complaint)
    message = (message or "").strip()
    now = timezone.now()
    fields = _first_response(complaint, now)
    if complaint.assignee_id is None:
        complaint.assignee = actor
        fields.append("assignee")
    reply = _public_message(complaint, actor=actor, body=message) if message else None
    advance(complaint, to=S.ACKNOWLEDGED, moves=MOVES, actor=actor, action="complaint.acknowledged",
            data={"message": reply.pk if reply else None}, extra_fields=tuple(fields))
    _tell_complainant(complaint, kind="complaint.acknowledged",
                      title=gettext_lazy("We received your complaint %(number)s: %(subject)s"), text=message)
    return complaint


@transaction.atomic
def complaint_investigate(*, actor, complaint: Complaint) -> Complaint:
    complaint = _lock(complaint)
    _require(actor, "investigate", complaint)
    advance(complaint, to=S.INVESTIGATING, moves=MOVES, actor=actor, action="complaint.investigation_started")
    return complaint


@transaction.atomic
def complaint_request_info(*, actor, complaint: Complaint, message: str) -> Complaint:
    """Ask the complainant for information: the question is a public message, the resolution clock pauses."""
    complaint = _lock(complaint)
    _require(actor, "request_info", complaint)
    message = _text(message, _("Write what you need from the complainant (at least 5 characters)."), minimum=5)
    now = timezone.now()
    reply = _public_message(complaint, actor=actor, body=message)
    fields = [*_first_response(complaint, now), *sla.pause_open(complaint, now)]
    advance(complaint, to=S.WAITING, moves=MOVES, actor=actor, action="complaint.information_requested",
            data={"message": reply.pk}, extra_fields=tuple(fields))
    _tell_complainant(complaint, kind="complaint.information_requested",
                      title=gettext_lazy("Complaint %(number)s: we need information from you"), text=message)
    return complaint


@transaction.atomic
def complaint_resume(*, actor, complaint: Complaint) -> Complaint:
    """Go on without the complainant's answer: the resolution clock runs again."""
    complaint = _lock(complaint)
    _require(actor, "resume", complaint)
    before = complaint.resolution_due
    fields = sla.pause_close(complaint, timezone.now())
    advance(complaint, to=S.INVESTIGATING, moves=MOVES, actor=actor, action="complaint.resumed",
            data={"resolution_due_before": before, "resolution_due": complaint.resolution_due},
            extra_fields=tuple(fields))
    return complaint


@transaction.atomic
def complaint_reply(*, actor, complaint: Complaint, body: str, canned: CannedResponse | None = None,
                    files=()) -> ComplaintMessage:
    """A public reply the complainant reads (and is told about)."""
    complaint = _lock(complaint)
    _require(actor, "reply", complaint)
    body = _text(body, _("Write the reply (at least 2 characters)."), minimum=2)
    if canned is not None and not canned.active:
        raise DomainError(_("That canned response is no longer in use."))
    checked = _check_files(files)
    stored = []
    try:
        message = _public_message(complaint, actor=actor, body=body, canned=canned)
        _store_files(checked, complaint=complaint, actor=actor, stored=stored, message=message)
        fields = _first_response(complaint, message.created_at)
        if fields:
            complaint.save(update_fields=fields)
        audit.record("complaint.replied", actor=actor, target=complaint,
                     data={"message": message.pk, "files": len(stored)})
    except BaseException:
        _discard(stored)
        raise
    _tell_complainant(complaint, kind="complaint.replied",
                      title=gettext_lazy("New reply on your complaint %(number)s"), text=body)
    return message


@transaction.atomic
def complaint_note(*, actor, complaint: Complaint, body: str) -> ComplaintNote:
    """An internal note: staff and auditors read it; nobody is notified, the audit names it by id only."""
    complaint = _lock(complaint)
    _require(actor, "note", complaint)
    body = _text(body, _("Write the note (at least 2 characters)."), minimum=2)
    note = ComplaintNote.objects.create(complaint=complaint, author=actor, body=body)
    audit.record("complaint.note_added", actor=actor, target=complaint, data={"note": note.pk})
    return note


@transaction.atomic
def complaint_attach(*, actor, complaint: Complaint, files) -> list[ComplaintAttachment]:
    complaint = _lock(complaint)
    _require(actor, "attach", complaint)
    checked = _check_files(files)
    if not checked:
        raise DomainError(_("Choose a file to attach."))
    stored = []
    try:
        _store_files(checked, complaint=complaint, actor=actor, stored=stored)
        audit.record("complaint.file_attached", actor=actor, target=complaint,
                     data={"files": len(stored), "filenames": ", ".join(u.name or "" for u, _i in checked)[:300]})
    except BaseException:
        _discard(stored)
        raise
    return list(ComplaintAttachment.objects.filter(stored_name__in=stored).order_by("id"))


@transaction.atomic
def complaint_link(*, actor, complaint: Complaint, merchant: Merchant | None = None, terminal: Terminal | None = None,
                   contract: Contract | None = None, transaction_date: date | None = None,
                   transaction_id: int | None = None) -> Complaint:
    """Link the merchant, terminal, contract or ledger row the complaint is about (what is not given stays).
    Changing the merchant moves the complaint's conversation and files with it."""
    complaint = _lock(complaint)
    _require(actor, "link", complaint)
    moved = merchant is not None and complaint.merchant_id is not None and merchant.pk != complaint.merchant_id
    if moved and complaint.complainant_kind == K.MERCHANT:
        raise DomainError(_("The complaint comes from its merchant: the merchant cannot change."))
    if moved and complaint.fault_ticket_id is not None:
        raise DomainError(_("The complaint is linked to a fault ticket of its merchant."))
    merchant = merchant or complaint.merchant
    if not moved:  # what is not given stays; a new merchant takes only what is given
        terminal, contract = terminal or complaint.terminal, contract or complaint.contract
        if transaction_id is None:
            transaction_date, transaction_id = complaint.transaction_date, complaint.transaction_id
    _check_links(merchant=merchant, terminal=terminal, contract=contract, transaction_date=transaction_date,
                 transaction_id=transaction_id)
    names = ("merchant_id", "terminal_id", "contract_id", "transaction_date", "transaction_id")
    before = {name: getattr(complaint, name) for name in names}
    complaint.merchant, complaint.terminal, complaint.contract = merchant, terminal, contract
    complaint.transaction_date, complaint.transaction_id = transaction_date, transaction_id
    after = {name: getattr(complaint, name) for name in names}
    changed = [name for name in names if before[name] != after[name]]
    if not changed:
        raise DomainError(_("Nothing to link: the complaint already names these."))
    complaint.save(update_fields=changed)
    if "merchant_id" in changed:
        ComplaintMessage.objects.filter(complaint=complaint).update(merchant_id=complaint.merchant_id)
        ComplaintAttachment.objects.filter(complaint=complaint).update(merchant_id=complaint.merchant_id)
    audit.record("complaint.linked", actor=actor, target=complaint,
                 before={name: before[name] for name in changed}, after={name: after[name] for name in changed})
    return complaint


@transaction.atomic
def complaint_open_ticket(*, actor, complaint: Complaint, severity: str, description: str = "") -> Ticket:
    """Raise a fault ticket on the complaint's terminal (a phone report by the actor) and link it."""
    complaint = _lock(complaint)
    _require(actor, "open_ticket", complaint)
    ticket = ticket_raise(actor=actor, terminal=complaint.terminal, category=Ticket.Category.HARDWARE,
                          severity=severity, description=(description or "").strip() or complaint.description,
                          channel=Ticket.Channel.PHONE)
    complaint.fault_ticket = ticket
    complaint.save(update_fields=["fault_ticket"])
    audit.record("complaint.ticket_opened", actor=actor, target=complaint, after={"fault_ticket": ticket.pk},
                 data={"ticket": ticket.number})
    return ticket


@transaction.atomic
def complaint_link_ticket(*, actor, complaint: Complaint, ticket: Ticket) -> Complaint:
    """Link a fault ticket already raised for the complaint's merchant."""
    complaint = _lock(complaint)
    _require(actor, "link_ticket", complaint)
    if ticket.merchant_id != complaint.merchant_id:
        raise DomainError(_("Ticket %(number)s is not about this complaint's merchant.") % {"number": ticket.number})
    complaint.fault_ticket = ticket
    fields = ["fault_ticket"]
    if complaint.terminal_id is None:
        complaint.terminal_id = ticket.terminal_id
        fields.append("terminal")
    complaint.save(update_fields=fields)
    audit.record("complaint.ticket_linked", actor=actor, target=complaint, after={"fault_ticket": ticket.pk},
                 data={"ticket": ticket.number})
    return complaint


# --- outcome ----------------------------------------------------------------------------------------------------------

@transaction.atomic
def complaint_resolve(*, actor, complaint: Complaint, root_cause: RootCause, remedy: str, summary: str,
                      remedy_minor: int | None = None) -> Complaint:
    """Resolve with a root cause, a remedy (an amount in fen for a refund or a fee waiver) and a summary the
    complainant reads."""
    complaint = _lock(complaint)
    _require(actor, "resolve", complaint)
    if root_cause is None or not root_cause.active:
        raise DomainError(_("Choose the root cause."))
    if remedy not in R.values:
        raise DomainError(_("Choose the remedy."))
    if remedy in WITH_AMOUNT:
        if remedy_minor is None or int(remedy_minor) <= 0:
            raise DomainError(_("A refund or a fee waiver needs its amount."))
        remedy_minor = int(remedy_minor)
    elif remedy in WITHOUT_AMOUNT:
        if remedy_minor:
            raise DomainError(_("An explanation carries no amount."))
        remedy_minor = None
    elif remedy_minor is not None:
        if int(remedy_minor) < 0:
            raise DomainError(_("The amount cannot be negative."))
        remedy_minor = int(remedy_minor) or None
    summary = _text(summary, _("Write the resolution the complainant will read (at least 10 characters)."),
                    minimum=10)
    now = timezone.now()
    fields = [*sla.pause_close(complaint, now), *_first_response(complaint, now)]
    message = _public_message(complaint, actor=actor, body=summary)
    complaint.root_cause, complaint.remedy, complaint.remedy_minor = root_cause, remedy, remedy_minor
    complaint.resolution_summary, complaint.resolved_at = summary, now
    fields += ["root_cause", "remedy", "remedy_minor", "resolution_summary", "resolved_at"]
    advance(complaint, to=S.RESOLVED, moves=MOVES, actor=actor, action="complaint.resolved",
            data={"root_cause": root_cause.code, "remedy": remedy, "remedy_minor": remedy_minor,
                  "remedy_currency": complaint.remedy_currency, "message": message.pk},
            extra_fields=tuple(dict.fromkeys(fields)))
    _tell_complainant(complaint, kind="complaint.resolved",
                      title=gettext_lazy("Your complaint %(number)s is resolved"), text=summary)
    return complaint


@transaction.atomic
def complaint_reject(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """Reject as out of scope; the reason is told to the complainant."""
    complaint = _lock(complaint)
    _require(actor, "reject", complaint)
    reason = _text(reason, _("Give the reason for rejecting (at least 10 characters)."), minimum=10)
    now = timezone.now()
    complaint.rejection_reason = reason
    fields = ["rejection_reason", *_first_response(complaint, now), *sla.pause_close(complaint, now)]
    _public_message(complaint, actor=actor, body=reason)
    advance(complaint, to=S.REJECTED, moves=MOVES, actor=actor, action="complaint.rejected",
            data={"reason": reason}, extra_fields=tuple(fields))
    _tell_complainant(complaint, kind="complaint.rejected",
                      title=gettext_lazy("Your complaint %(number)s was rejected as out of scope"), text=reason)
    return complaint


@transaction.atomic
def complaint_close(*, actor, complaint: Complaint) -> Complaint:
    complaint = _lock(complaint)
    _require(actor, "close", complaint)
    complaint.closed_at = timezone.now()
    advance(complaint, to=S.CLOSED, moves=MOVES, actor=actor, action="complaint.closed", extra_fields=("closed_at",))
    return complaint


@transaction.atomic
def complaint_reopen(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """Reopen a resolved or closed complaint within ``ACQUIRER_COMPLAINT_REOPEN_DAYS`` (staff, or the merchant in the
    portal). The resolution clock starts again now with the policy's resolution hours."""
    complaint = _lock(complaint)
    by_merchant = _is_merchant(actor)
    _require(actor, "portal_reopen" if by_merchant else "reopen", complaint)
    reason = _text(reason, _("Say why the complaint is reopened (at least 5 characters)."), minimum=5)
    now = timezone.now()
    if by_merchant:
        _public_message(complaint, actor=actor, body=reason, author=ComplaintMessage.Author.COMPLAINANT)
    resolved_at, closed_at = complaint.resolved_at, complaint.closed_at
    complaint.reopen_count += 1
    complaint.resolved_at = complaint.closed_at = None
    fields = ["reopen_count", "resolved_at", "closed_at", *sla.restart_resolution(complaint, now)]
    advance(complaint, to=S.INVESTIGATING, moves=MOVES, actor=actor, action="complaint.reopened",
            data={"reason": reason, "resolved_at": resolved_at, "closed_at": closed_at,
                  "reopen_count": complaint.reopen_count, "resolution_due": complaint.resolution_due},
            extra_fields=tuple(fields))
    if by_merchant:
        _tell_staff(complaint, kind="complaint.reopened",
                    title=gettext_lazy("Complaint %(number)s was reopened by the complainant"),
                    body=gettext_lazy("%(merchant)s: %(subject)s"))
    else:
        _tell_complainant(complaint, kind="complaint.reopened",
                          title=gettext_lazy("Your complaint %(number)s was reopened"), text=reason)
    return complaint


# --- the complainant, in the portal -------------------------------------------------------------------------------

@transaction.atomic
def complaint_portal_reply(*, actor, complaint: Complaint, body: str, files=()) -> ComplaintMessage:
    """The merchant answers; a complaint waiting on it goes back to investigation (its clock runs again)."""
    complaint = _lock(complaint)
    _require(actor, "portal_reply", complaint)
    body = _text(body, _("Write your message (at least 2 characters)."), minimum=2)
    checked = _check_files(files)
    stored = []
    try:
        message = _public_message(complaint, actor=actor, body=body, author=ComplaintMessage.Author.COMPLAINANT)
        _store_files(checked, complaint=complaint, actor=actor, stored=stored, message=message)
        audit.record("complaint.complainant_replied", actor=actor, target=complaint,
                     data={"message": message.pk, "files": len(stored)})
        if complaint.status == S.WAITING:
            before = complaint.resolution_due
            fields = sla.pause_close(complaint, message.created_at)
            advance(complaint, to=S.INVESTIGATING, moves=MOVES, actor=actor, action="complaint.resumed",
                    data={"resolution_due_before": before, "resolution_due": complaint.resolution_due},
                    extra_fields=tuple(fields))
    except BaseException:
        _discard(stored)
        raise
    _tell_staff(complaint, kind="complaint.complainant_replied",
                title=gettext_lazy("The complainant answered on complaint %(number)s"),
                body=gettext_lazy("%(merchant)s: %(subject)s"))
    return message


@transaction.atomic
def complaint_rate(*, actor, complaint: Complaint, rating: int, comment: str = "") -> Complaint:
    """The merchant rates the resolution (1 to 5, once), with an optional comment."""
    complaint = _lock(complaint)
    _require(actor, "rate", complaint)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("Rate from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("The comment is limited to %(max)d characters.") % {"max": COMMENT_MAX})
    complaint.rating, complaint.rating_comment, complaint.rated_at = rating, comment, timezone.now()
    complaint.save(update_fields=["rating", "rating_comment", "rated_at"])
    audit.record("complaint.rated", actor=actor, target=complaint, after={"rating": rating},
                 data={"rating": rating})
    return complaint


@transaction.atomic
def complaint_attachment_download(*, actor, attachment: ComplaintAttachment) -> FileResponse:
    """A complaint's file as an attachment; the download is audited. The caller scoped ``attachment``."""
    if access.is_staff_user(actor):
        policy.require_permission(actor, roles.VIEW_COMPLAINT)
    elif access.is_merchant_user(actor):
        if attachment.merchant_id is None or attachment.merchant_id != actor.merchant_id:
            raise NotPermitted(_("Your role does not allow this action."))
    elif not access.is_auditor(actor):
        raise NotPermitted(_("Your role does not allow this action."))
    return files.audited_download(
        actor=actor, stored_name=attachment.stored_name, filename=attachment.filename,
        content_type=attachment.content_type, action="complaint.file_downloaded", target=attachment.complaint,
        data={"attachment": attachment.pk, "file": attachment.filename})
