"""KYC documents: upload (merchant or staff on its behalf), decisions, audited downloads, what is
missing or refused for an application, and reminders before a document expires."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, files, policy
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import User
from acquirer.services.notifications import notify, notify_many
from merchants.models import Merchant, MerchantDocument
from merchants.policy import DECIDE_DOCUMENT, READ_DOCUMENT, UPLOAD_DOCUMENT_ON_BEHALF, allows_any
from merchants.selectors.merchants import merchant_owner, merchant_owners
from merchants.workflow import EDITABLE

K = MerchantDocument.Kind
D = MerchantDocument.Decision
M = Merchant.Status

FOLDER = "kyc"
PORTAL_URL = "/portal/documents/"
# Documents whose validity ends: the upload must say when.
NEEDS_EXPIRY = {K.BUSINESS_LICENCE, K.ID_FRONT, K.ID_BACK}
# Kinds of which a merchant keeps several at once (a new one does not replace the others).
MANY_PER_MERCHANT = {K.PREMISES_PHOTO, K.OTHER}
# After approval a merchant may still upload (renewals, e.g. a new ID card).
MERCHANT_UPLOAD_AFTER_APPROVAL = {M.APPROVED, M.ACTIVE, M.SUSPENDED}
# Staff may upload on the merchant's behalf unless the relationship is over.
STAFF_UPLOAD_CLOSED = {M.REJECTED, M.TERMINATED}
DECISIONS = {D.ACCEPTED: "document.accepted", D.REJECTED: "document.rejected",
             D.REVISION_REQUESTED: "document.revision_requested"}
NEEDS_REASON = {D.REJECTED, D.REVISION_REQUESTED}


def required_kinds(merchant: Merchant) -> list[str]:
    """The document kinds an application of this merchant must contain."""
    kinds = [K.ID_FRONT, K.ID_BACK, K.SETTLEMENT_PROOF]
    if merchant.merchant_type in (Merchant.Type.ENTERPRISE, Merchant.Type.INDIVIDUAL_BUSINESS):
        kinds.insert(0, K.BUSINESS_LICENCE)
    if merchant.premises == Merchant.Premises.FIXED:
        kinds.append(K.PREMISES_PHOTO)
    return kinds


def _current(merchant: Merchant):
    return MerchantDocument.objects.filter(merchant_id=merchant.pk, superseded=False)


def documents_missing(merchant: Merchant) -> list[str]:
    """Labels of the required kinds that have no current (not superseded, not rejected) document."""
    present = set(_current(merchant).exclude(decision=D.REJECTED).values_list("kind", flat=True))
    return [str(K(kind).label) for kind in required_kinds(merchant) if kind not in present]


def documents_problems(merchant: Merchant) -> list[tuple[MerchantDocument, str]]:
    """Current documents that were rejected or sent back for revision, with the reviewer's reason."""
    documents = _current(merchant).filter(decision__in=[D.REJECTED, D.REVISION_REQUESTED]).order_by("kind", "id")
    return [(document, document.decision_reason) for document in documents]


def _is_member(actor: User, merchant: Merchant) -> bool:
    return actor.kind == User.Kind.MERCHANT and actor.is_active and actor.merchant_id == merchant.pk


def _upload_allowed(actor: User, merchant: Merchant) -> bool:
    """Check the actor may upload for this merchant now; True when staff acts on the merchant's behalf."""
    if _is_member(actor, merchant):
        if merchant.status in EDITABLE or merchant.status in MERCHANT_UPLOAD_AFTER_APPROVAL:
            return False
        raise DomainError(_("Documents cannot be added while the application is with the reviewer (%(status)s). "
                            "Wait for the decision or a request for information.")
                          % {"status": merchant.get_status_display()})
    if not policy.allows(actor, UPLOAD_DOCUMENT_ON_BEHALF):
        raise NotPermitted(_("Your role does not allow uploading documents for this merchant."))
    if merchant.status in STAFF_UPLOAD_CLOSED:
        raise DomainError(_("The merchant is %(status)s; no documents can be added.")
                          % {"status": merchant.get_status_display()})
    return True


def _check_expiry(kind: str, expires_on: date | None) -> None:
    if kind in NEEDS_EXPIRY:
        if expires_on is None:
            raise DomainError(_("Give the expiry date of the %(kind)s.") % {"kind": K(kind).label})
        if expires_on <= timezone.localdate():
            raise DomainError(_("The %(kind)s expired on %(date)s; upload a valid one.")
                              % {"kind": K(kind).label, "date": expires_on.isoformat()})


@transaction.atomic
def document_upload(*, actor: User, merchant: Merchant, kind: str, uploaded_file,
                    expires_on: date | None = None) -> MerchantDocument:
    """Store one KYC document. Earlier documents of the same kind not yet accepted are superseded."""
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    on_behalf = _upload_allowed(actor, merchant)
    if kind not in K.values:
        raise DomainError(_("Choose the type of document."))
    _check_expiry(kind, expires_on)
    try:
        info = files.check_upload(uploaded_file)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    stored_name = files.store_upload(uploaded_file, folder=FOLDER)
    try:
        superseded = []
        if kind not in MANY_PER_MERCHANT:
            earlier = _current(merchant).filter(kind=kind).exclude(decision=D.ACCEPTED)
            superseded = list(earlier.values_list("pk", flat=True))
            earlier.update(superseded=True)
        document = MerchantDocument.objects.create(
            merchant=merchant, kind=kind, stored_name=stored_name,
            original_name=(uploaded_file.name or "upload")[-200:], content_type=info.content_type,
            size=info.size, sha256=info.sha256, uploaded_by=actor, expires_on=expires_on)
        if on_behalf and actor.pk not in merchant.staff_editor_ids:
            merchant.staff_editor_ids = [*merchant.staff_editor_ids, actor.pk]
            merchant.save(update_fields=["staff_editor_ids"])
        audit.record("document.uploaded", actor=actor, target=document,
                     data={"kind": kind, "file": document.original_name, "content_type": info.content_type,
                           "size": info.size, "sha256": info.sha256, "expires_on": expires_on,
                           "on_behalf": on_behalf, "superseded": superseded})
    except BaseException:
        files.delete_stored(stored_name)
        raise
    return document


@transaction.atomic
def document_decide(*, actor: User, document: MerchantDocument, decision: str, reason: str = "") -> MerchantDocument:
    """Accept a document, reject it or ask for a revision (with a reason the merchant will read)."""
    if not policy.allows(actor, DECIDE_DOCUMENT):
        raise NotPermitted(_("Your role does not allow deciding on documents."))
    if decision not in DECISIONS:
        raise DomainError(_("Choose a decision: accept, reject or request a revision."))
    reason = reason.strip()
    if decision in NEEDS_REASON and len(reason) < 5:
        raise DomainError(_("Tell the merchant why (at least 5 characters): the reason is shown to them."))
    document = MerchantDocument.objects.select_for_update().select_related("merchant").get(pk=document.pk)
    if document.superseded:
        raise DomainError(_("This document was replaced by a newer upload; decide on the newer one."))
    if document.decision == decision:
        raise DomainError(_("This document is already marked “%(decision)s”.")
                          % {"decision": document.get_decision_display()})
    before = {"decision": document.decision, "reason": document.decision_reason}
    document.decision = decision
    document.decision_reason = reason
    document.decided_by = actor
    document.decided_at = timezone.now()
    document.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    replaced = []
    if decision == D.ACCEPTED and document.kind not in MANY_PER_MERCHANT:
        older = _current(document.merchant).filter(kind=document.kind).exclude(pk=document.pk)
        replaced = list(older.values_list("pk", flat=True))
        older.update(superseded=True)
    audit.record(DECISIONS[decision], actor=actor, target=document, before=before,
                 after={"decision": decision, "reason": reason},
                 data={"kind": document.kind, "superseded": replaced})
    if decision in NEEDS_REASON:
        owner = merchant_owner(document.merchant_id)
        if owner is not None:
            title = (gettext_lazy("Document rejected: %(kind)s") if decision == D.REJECTED
                     else gettext_lazy("Please upload a new version: %(kind)s"))
            notify(recipient=owner, kind=DECISIONS[decision], title=title, body=gettext_lazy("Reason: %(reason)s"),
                   params={"kind": K(document.kind).label, "reason": reason}, url=PORTAL_URL)
    return document


@transaction.atomic
def document_download(*, actor: User, document: MerchantDocument) -> FileResponse:
    """The stored file as an attachment; every download is audited (``acquirer.files.audited_download``)."""
    if not allows_any(actor, READ_DOCUMENT, document):
        raise NotPermitted(_("You may not download this document."))
    return files.audited_download(
        actor=actor, stored_name=document.stored_name, filename=document.original_name,
        content_type=document.content_type, action="document.downloaded", target=document,
        data={"kind": document.kind, "file": document.original_name, "sha256": document.sha256})


def _remind_documents(due, document_ids: list[int], *, today: date, counts: dict) -> None:
    """One batch of the expiry reminders: lock the batch's documents still due (skipping those another run
    holds), read their owners in one query, then one insert each for the notifications, the stamps and the
    audit events."""
    documents = list(due.select_for_update(of=("self",), skip_locked=True).select_related("merchant__assigned_reviewer")
                     .filter(pk__in=document_ids).order_by("merchant_id", "expires_on", "id"))
    owners = merchant_owners({document.merchant_id for document in documents})
    notices = []
    for document in documents:
        params = {"kind": K(document.kind).label, "date": document.expires_on.isoformat(),
                  "merchant": str(document.merchant)}
        recipients = [owners.get(document.merchant_id), document.merchant.assigned_reviewer]
        for recipient in {r.pk: r for r in recipients if r is not None and r.is_active}.values():
            url = PORTAL_URL if recipient.kind == User.Kind.MERCHANT else f"/ops/merchants/{document.merchant_id}/"
            notices.append({"recipient": recipient, "kind": "document.expiring",
                            "title": gettext_lazy("%(kind)s expires on %(date)s"),
                            "body": gettext_lazy("The %(kind)s of %(merchant)s expires on %(date)s. Please upload "
                                                 "the renewed document."), "params": params, "url": url})
    notify_many(notices)
    MerchantDocument.objects.filter(pk__in=[document.pk for document in documents]).update(expiry_reminded_on=today)
    audit.record_many([{"action": "document.expiry_reminded", "target": document,
                        "data": {"kind": document.kind, "expires_on": document.expires_on}} for document in documents])
    counts["documents"] += len(documents)
    counts["notifications"] += len(notices)


def documents_remind_expiring(*, today: date | None = None, days: int = 30) -> dict:
    """Tell the owner (and the assigned reviewer) once about accepted documents expiring soon, in batches of
    documents each committed on its own; a reminded document carries ``expiry_reminded_on``, so a re-run (or
    the run after an interrupted one) reminds only the rest."""
    today = today or timezone.localdate()
    due = MerchantDocument.objects.filter(
        decision=D.ACCEPTED, superseded=False, expires_on__isnull=False, expires_on__lte=today + timedelta(days=days),
        expiry_reminded_on__isnull=True)
    counts = {"documents": 0, "notifications": 0}
    for batch in in_batches(due.values("id")):
        with transaction.atomic():
            _remind_documents(due, [row["id"] for row in batch], today=today, counts=counts)
    return counts


def documents_can_upload(*, actor: User, merchant: Merchant) -> bool:
    """Whether the upload form should be offered to this actor now (the upload checks again)."""
    try:
        _upload_allowed(actor, merchant)
    except DomainError:
        return False
    return True
