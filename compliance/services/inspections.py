"""Regulator inspections: recorded, edited, moved announced → under way → rectification report due → report
submitted → closed (``compliance.workflow.INSPECTION_MOVES``), the documents the inspectors asked for and the files
handed over (checked, stored encrypted; every download audited). Each change locks the row, asks
``policy.require`` and is audited."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, files, policy
from acquirer.exceptions import DomainError, TransitionNotAllowed
from acquirer.workflow import allowed_moves
from compliance import roles
from compliance.models import Inspection, InspectionDocument
from compliance.policy import ACTIONS
from compliance.workflow import INSPECTION_MOVES

I = Inspection.Status  # noqa: E741
FOLDER = "compliance/inspections"
FILE_TYPES = ("pdf", "jpeg", "png")
EDITABLE = ("authority", "title", "reference", "scope", "starts_on", "ends_on", "report_due_on", "notes")


def advance(inspection: Inspection, *, to, moves, actor, action: str, data: dict | None = None,
            extra_fields: tuple[str, ...] = ()) -> Inspection:
    """``acquirer.workflow.advance`` for a model without ``status_changed_at`` (``Inspection`` has none): check the
    move against ``moves``, move, save, audit."""
    current = inspection.status
    if to not in allowed_moves(inspection, moves):
        raise TransitionNotAllowed(_("Cannot change the inspection from “%(current)s” to “%(target)s”.")
                                   % {"current": inspection.get_status_display(), "target": I(to).label})
    inspection.status = to
    inspection.save(update_fields=["status", *extra_fields])
    audit.record(action, actor=actor, target=inspection, before={"status": str(current)}, after={"status": str(to)},
                 data=data)
    return inspection


def _lock(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def _require(actor, name: str, obj=None) -> None:
    policy.require(actor, ACTIONS[name], obj)


def _check(values: dict) -> dict:
    for name, message in (("authority", _("Name the authority that inspects.")),
                          ("title", _("Give the inspection a title.")),
                          ("scope", _("Describe what the inspection covers."))):
        values[name] = (values.get(name) or "").strip()
        if not values[name]:
            raise DomainError(message)
    values["reference"] = (values.get("reference") or "").strip()
    values["notes"] = (values.get("notes") or "").strip()
    if values.get("starts_on") is None:
        raise DomainError(_("Give the day the inspection starts."))
    if values.get("ends_on") is not None and values["ends_on"] < values["starts_on"]:
        raise DomainError(_("The inspection cannot end before it starts."))
    return values


def _snapshot(inspection: Inspection) -> dict:
    return {name: getattr(inspection, name) for name in EDITABLE}


@transaction.atomic
def inspection_record(*, actor, authority: str, title: str, scope: str, starts_on: date,
                      ends_on: date | None = None, reference: str = "", report_due_on: date | None = None,
                      notes: str = "") -> Inspection:
    _require(actor, "inspection_record")
    values = _check({"authority": authority, "title": title, "scope": scope, "starts_on": starts_on,
                     "ends_on": ends_on, "reference": reference, "report_due_on": report_due_on, "notes": notes})
    inspection = Inspection.objects.create(created_by=actor, **values)
    audit.record("regulator_inspection.recorded", actor=actor, target=inspection, after=_snapshot(inspection))
    return inspection


@transaction.atomic
def inspection_update(*, actor, inspection: Inspection, **changes) -> Inspection:
    """Edit what was recorded (not the status: each move has its own service)."""
    inspection = _lock(inspection)
    _require(actor, "inspection_edit", inspection)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    before = _snapshot(inspection)
    values = _check({**before, **changes})
    for name, value in values.items():
        setattr(inspection, name, value)
    after = _snapshot(inspection)
    changed = [name for name in EDITABLE if before[name] != after[name]]
    if not changed:
        return inspection
    inspection.save(update_fields=changed)
    audit.record("regulator_inspection.updated", actor=actor, target=inspection,
                 before={name: before[name] for name in changed}, after={name: after[name] for name in changed})
    return inspection


@transaction.atomic
def inspection_start(*, actor, inspection: Inspection) -> Inspection:
    inspection = _lock(inspection)
    _require(actor, "inspection_start", inspection)
    return advance(inspection, to=I.ON_SITE, moves=INSPECTION_MOVES, actor=actor,
                   action="regulator_inspection.started")


@transaction.atomic
def inspection_await_report(*, actor, inspection: Inspection, report_due_on: date | None = None) -> Inspection:
    """The inspectors left; the rectification report is due on ``report_due_on`` (or the date already known)."""
    inspection = _lock(inspection)
    _require(actor, "inspection_await_report", inspection)
    due = report_due_on or inspection.report_due_on
    if due is None:
        raise DomainError(_("Give the date the rectification report is due."))
    inspection.report_due_on = due
    return advance(inspection, to=I.AWAITING_REPORT, moves=INSPECTION_MOVES, actor=actor,
                   action="regulator_inspection.report_due", data={"due": due}, extra_fields=("report_due_on",))


@transaction.atomic
def inspection_submit_report(*, actor, inspection: Inspection, submitted_on: date) -> Inspection:
    inspection = _lock(inspection)
    _require(actor, "inspection_submit_report", inspection)
    if submitted_on is None:
        raise DomainError(_("Give the date the rectification report was submitted."))
    if submitted_on > timezone.localdate():
        raise DomainError(_("The report cannot have been submitted in the future."))
    if submitted_on < inspection.starts_on:
        raise DomainError(_("The report cannot have been submitted before the inspection started."))
    inspection.report_submitted_on = submitted_on
    return advance(inspection, to=I.REPORT_SUBMITTED, moves=INSPECTION_MOVES, actor=actor,
                   action="regulator_inspection.report_submitted", extra_fields=("report_submitted_on",))


@transaction.atomic
def inspection_close(*, actor, inspection: Inspection) -> Inspection:
    inspection = _lock(inspection)
    _require(actor, "inspection_close", inspection)
    return advance(inspection, to=I.CLOSED, moves=INSPECTION_MOVES, actor=actor,
                   action="regulator_inspection.closed")


# --- documents --------------------------------------------------------------------------------------------------------

@transaction.atomic
def inspection_document_request(*, actor, inspection: Inspection, title: str, requested_on: date,
                                due_on: date | None = None) -> InspectionDocument:
    """Record a document the inspectors asked for."""
    inspection = _lock(inspection)
    _require(actor, "inspection_request_document", inspection)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Name the document requested."))
    if requested_on is None:
        raise DomainError(_("Give the day the document was requested."))
    if due_on is not None and due_on < requested_on:
        raise DomainError(_("The document cannot be due before it was requested."))
    document = InspectionDocument.objects.create(inspection=inspection, title=title[:200], requested_on=requested_on,
                                                 due_on=due_on)
    audit.record("regulator_inspection.document_requested", actor=actor, target=inspection,
                 data={"document": document.title, "requested_on": requested_on, "due": due_on})
    return document


@transaction.atomic
def inspection_document_provide(*, actor, document: InspectionDocument, upload) -> InspectionDocument:
    """The file handed over (PDF, JPEG or PNG, checked by content, stored encrypted). A second upload replaces what
    the row points at; the earlier file stays in storage and in the audit trail."""
    document = InspectionDocument.objects.select_for_update().select_related("inspection").get(pk=document.pk)
    _require(actor, "inspection_provide_document", document.inspection)
    if upload is None:
        raise DomainError(_("Choose the file that was provided."))
    try:
        info = files.check_upload(upload, allowed=FILE_TYPES)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    stored = files.store_upload(upload, folder=FOLDER)
    try:
        before = {"file": document.original_name} if document.original_name else None
        document.stored_name, document.original_name = stored, (upload.name or "document")[-200:]
        document.content_type, document.size = info.content_type, info.size
        document.provided_by, document.provided_at = actor, timezone.now()
        document.save(update_fields=["stored_name", "original_name", "content_type", "size", "provided_by",
                                     "provided_at"])
        audit.record("regulator_inspection.document_provided", actor=actor, target=document.inspection,
                     before=before, after={"file": document.original_name}, data={"document": document.title})
    except BaseException:
        files.delete_stored(stored)
        raise
    return document


def inspection_document_download(*, actor, document: InspectionDocument):
    """The provided file as a download (audited). The caller scoped ``document``; staff need the read right."""
    if actor.kind == "staff":
        policy.require_permission(actor, roles.VIEW_INSPECTION)
    if not document.stored_name:
        raise DomainError(_("Nothing has been provided for this document yet."))
    return files.audited_download(actor=actor, stored_name=document.stored_name, filename=document.original_name,
                                  content_type=document.content_type,
                                  action="regulator_inspection.document_downloaded", target=document.inspection,
                                  data={"document": document.title, "file": document.original_name})
