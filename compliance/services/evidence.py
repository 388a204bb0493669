"""Evidence beside an assessment item, a finding or a control: a checked file stored encrypted
(``acquirer.files``) or a link, with an owner and an expiry. Adding, withdrawing and downloading are audited.

Who may attach: to an item, its assignee or whoever runs assessments, while the assessment is open; to a finding,
its owner or whoever manages findings, until it is verified; to a control, whoever keeps the library. Evidence is
never deleted (it proves what was known when): it is withdrawn, with a reason."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, files, policy
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import User
from compliance import roles
from compliance.models import Assessment, AssessmentItem, Control, Evidence, Finding

FOLDER = "compliance/evidence"
FILE_TYPES = ("pdf", "jpeg", "png")
_FINDING_CLOSED = {Finding.Status.VERIFIED, Finding.Status.CLOSED}


def _target_field(target) -> str:
    if isinstance(target, AssessmentItem):
        return "item"
    if isinstance(target, Finding):
        return "finding"
    if isinstance(target, Control):
        return "control"
    raise TypeError(f"evidence cannot be attached to {type(target).__name__}")


def attach_refusal(actor, target) -> str | None:
    """Why ``actor`` may not attach evidence to ``target`` now (None when they may)."""
    if actor is None or actor.kind != "staff":
        return _("Only staff attach evidence.")
    if isinstance(target, AssessmentItem):
        if target.assessment.status != Assessment.Status.OPEN:
            return _("The assessment is no longer open: evidence cannot be added.")
        if target.assignee_id != actor.pk and not actor.has_perm(roles.RUN_ASSESSMENT):
            return _("Only the person the item is assigned to, or whoever runs the assessment, adds evidence.")
        return None
    if isinstance(target, Finding):
        if target.status in _FINDING_CLOSED or target.status == Finding.Status.RISK_ACCEPTED:
            return _("The finding is no longer being rectified: evidence cannot be added.")
        if target.owner_id != actor.pk and not actor.has_perm(roles.MANAGE_FINDING):
            return _("Only the finding's owner, or whoever manages findings, adds evidence.")
        return None
    if not actor.has_perm(roles.MANAGE_LIBRARY):
        return _("Only whoever keeps the regulatory library adds evidence to a control.")
    return None


def _snapshot(evidence: Evidence) -> dict:
    return {"title": evidence.title, "kind": evidence.kind, "file": evidence.original_name, "url": evidence.url,
            "owner": evidence.owner_id, "expires_on": evidence.expires_on}


@transaction.atomic
def evidence_add(*, actor: User, target, title: str, upload=None, url: str = "", expires_on: date | None = None,
                 owner: User | None = None) -> Evidence:
    """Attach a file (``upload``) or a link (``url``) to an item, a finding or a control."""
    refusal = attach_refusal(actor, target)
    if refusal:
        raise NotPermitted(refusal)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the evidence a title."))
    if (upload is None) == (not url):
        raise DomainError(_("Attach either a file or a link."))
    if url and not url.lower().startswith(("https://", "http://")):
        raise DomainError(_("A link must start with http:// or https://."))
    if expires_on is not None and expires_on < timezone.localdate():
        raise DomainError(_("The evidence has already expired: give a date from today on."))
    evidence = Evidence(title=title[:200], owner=owner or actor, expires_on=expires_on, added_by=actor,
                        **{_target_field(target): target})
    stored = ""
    if upload is not None:
        try:
            info = files.check_upload(upload, allowed=FILE_TYPES)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages)) from error
        stored = files.store_upload(upload, folder=FOLDER)
        evidence.kind, evidence.stored_name = Evidence.Kind.FILE, stored
        evidence.original_name = (upload.name or "evidence")[-200:]
        evidence.content_type, evidence.size, evidence.sha256 = info.content_type, info.size, info.sha256
    else:
        evidence.kind, evidence.url = Evidence.Kind.LINK, url[:500]
    try:
        evidence.save()
        audit.record("evidence.added", actor=actor, target=evidence, after=_snapshot(evidence),
                     data={"attached_to": str(target)})
    except BaseException:
        if stored:
            files.delete_stored(stored)
        raise
    return evidence


@transaction.atomic
def evidence_withdraw(*, actor: User, evidence: Evidence, reason: str) -> Evidence:
    """Withdraw evidence that no longer proves anything (kept, shown as withdrawn)."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    target = evidence.item or evidence.finding or evidence.control
    refusal = attach_refusal(actor, target)
    if refusal:
        raise NotPermitted(refusal)
    if evidence.withdrawn_at is not None:
        raise DomainError(_("The evidence was already withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the evidence is withdrawn."))
    evidence.withdrawn_at = timezone.now()
    evidence.save(update_fields=["withdrawn_at"])
    audit.record("evidence.withdrawn", actor=actor, target=evidence, data={"reason": reason})
    return evidence


def evidence_download(*, actor: User, evidence: Evidence):
    """The evidence file as a download (audited). The caller scoped ``evidence``; staff need the read right."""
    if actor.kind == "staff":
        policy.require_permission(actor, "compliance.view_evidence")
    if evidence.kind != Evidence.Kind.FILE:
        raise DomainError(_("This evidence is a link, not a file."))
    return files.audited_download(actor=actor, stored_name=evidence.stored_name, filename=evidence.original_name,
                                  content_type=evidence.content_type, action="evidence.downloaded",
                                  target=evidence, data={"file": evidence.original_name})
