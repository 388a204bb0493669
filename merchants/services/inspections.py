"""On-site inspections (巡检): the plan from the risk rating, inspection records with checklist,
findings and photos, and the job that flags overdue inspections to compliance officers."""

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, files, policy, roles
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, User
from acquirer.services.notifications import notify_many, notify_role, role_members
from merchants.models import Inspection, InspectionPhoto, Merchant
from merchants.policy import READ_INSPECTION, RECORD_INSPECTION, allows_any

FOLDER = "inspections"
PHOTO_TYPES = ("jpeg", "png")
MAX_PHOTOS = 12
DEFAULT_RISK = Merchant.Risk.MEDIUM
INSPECTABLE = {Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED}
OVERDUE_ACTION = "inspection.overdue_flagged"

# The checklist of every inspection: key -> question (the answer is yes/no).
CHECKLIST = {
    "business_matches_licence": gettext_lazy("The business carried on matches the licence and the registered MCC"),
    "terminal_at_registered_address": gettext_lazy("Terminals are at the registered address"),
    "signage_present": gettext_lazy("Shop sign matches the registered trading name"),
    "no_prohibited_goods": gettext_lazy("No prohibited or restricted goods or services"),
    "staff_trained": gettext_lazy("Cashiers know card acceptance and fraud procedures"),
    "receipt_printing_ok": gettext_lazy("Receipts print correctly with the merchant name and number"),
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def interval_months(merchant: Merchant) -> int:
    plan = settings.ACQUIRER_INSPECTION_MONTHS
    return int(plan.get(merchant.effective_risk or DEFAULT_RISK, plan[DEFAULT_RISK]))


@transaction.atomic
def inspection_schedule(*, merchant: Merchant, from_date: date, actor: User | None = None) -> date:
    """Set the next inspection due date from ``from_date`` and the merchant's effective risk rating."""
    previous = merchant.next_inspection_due
    due = add_months(from_date, interval_months(merchant))
    merchant.next_inspection_due = due
    merchant.save(update_fields=["next_inspection_due"])
    if previous != due:
        audit.record("inspection.scheduled", actor=actor, target=merchant,
                     before={"next_inspection_due": previous}, after={"next_inspection_due": due},
                     data={"risk": merchant.effective_risk or DEFAULT_RISK, "months": interval_months(merchant)})
    return due


def _clean_checklist(checklist: dict) -> dict[str, bool]:
    unknown = sorted(set(checklist) - set(CHECKLIST))
    if unknown:
        raise DomainError(_("Unknown checklist items: %(items)s.") % {"items": ", ".join(unknown)})
    missing = [str(CHECKLIST[key]) for key in CHECKLIST if key not in checklist]
    if missing:
        raise DomainError(_("Answer every checklist item; missing: %(items)s.") % {"items": "; ".join(missing)})
    not_boolean = [str(CHECKLIST[key]) for key, value in checklist.items() if not isinstance(value, bool)]
    if not_boolean:
        raise DomainError(_("Checklist answers are yes or no: %(items)s.") % {"items": "; ".join(not_boolean)})
    return {key: checklist[key] for key in CHECKLIST}


def _check_photos(photos) -> list:
    try:
        return files.check_uploads(photos, allowed=PHOTO_TYPES, limit=MAX_PHOTOS,
                                     too_many=_("At most %(count)d photos per inspection."))
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


@transaction.atomic
def inspection_record(*, actor: User, merchant: Merchant, performed_on: date, checklist: dict, findings: str,
                      outcome: str, photos=()) -> Inspection:
    """Record an on-site inspection and plan the next one from its date."""
    if not policy.allows(actor, RECORD_INSPECTION):
        raise NotPermitted(_("Your role does not allow recording inspections."))
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    if merchant.status not in INSPECTABLE:
        raise DomainError(_("Only active or suspended merchants are inspected; this merchant is %(status)s.")
                          % {"status": merchant.get_status_display()})
    if performed_on > timezone.localdate():
        raise DomainError(_("The inspection date cannot be in the future."))
    if outcome not in Inspection.Outcome.values:
        raise DomainError(_("Choose the outcome of the inspection."))
    answers = _clean_checklist(checklist)
    findings = (findings or "").strip()
    failed_items = [key for key, ok in answers.items() if not ok]
    if outcome == Inspection.Outcome.PASSED and failed_items:
        raise DomainError(_("An inspection with unmet checklist items cannot be recorded as passed; choose "
                            "“passed with findings” or “failed” and describe the findings."))
    if outcome != Inspection.Outcome.PASSED and len(findings) < 5:
        raise DomainError(_("Describe the findings of the inspection."))
    checked = _check_photos(photos)
    stored = []
    try:
        inspection = Inspection.objects.create(merchant=merchant, performed_on=performed_on, inspector=actor,
                                               checklist=answers, findings=findings, outcome=outcome)
        for photo, info in checked:
            name = files.store_upload(photo, folder=FOLDER)
            stored.append(name)
            InspectionPhoto.objects.create(inspection=inspection, stored_name=name,
                                           original_name=(photo.name or "photo")[-200:],
                                           content_type=info.content_type, size=info.size, sha256=info.sha256)
        latest = merchant.inspections.order_by("-performed_on").values_list("performed_on", flat=True).first()
        due = inspection_schedule(merchant=merchant, from_date=max(performed_on, latest or performed_on),
                                  actor=actor)
        audit.record("inspection.recorded", actor=actor, target=inspection,
                     data={"performed_on": performed_on, "outcome": outcome, "checklist": answers,
                           "unmet": failed_items, "photos": len(stored), "next_inspection_due": due})
    except BaseException:
        for name in stored:
            files.delete_stored(name)
        raise
    if outcome == Inspection.Outcome.FAILED:
        notify_role(role=roles.RISK_ANALYST, kind="inspection.failed",
                    title=gettext_lazy("Failed on-site inspection: %(merchant)s"),
                    body=gettext_lazy("Inspection of %(date)s: %(findings)s"),
                    params={"merchant": str(merchant), "date": performed_on.isoformat(), "findings": findings},
                    url=reverse("ops:merchant-detail", kwargs={"pk": merchant.pk}))
    return inspection


@transaction.atomic
def inspection_photo_download(*, actor: User, photo: InspectionPhoto) -> FileResponse:
    """An inspection photo as an attachment; audited on its inspection."""
    if not allows_any(actor, READ_INSPECTION):
        raise NotPermitted(_("You may not see inspection photos."))
    return files.audited_download(
        actor=actor, stored_name=photo.stored_name, filename=photo.original_name, content_type=photo.content_type,
        action="inspection.photo_downloaded", target=photo.inspection,
        data={"photo": photo.pk, "file": photo.original_name, "sha256": photo.sha256})


def _flag_overdue(merchant_ids: list[int], *, today: date, officers: list[User], counts: dict) -> None:
    """One batch of overdue inspections: lock the batch's merchants still overdue (skipping those another run
    holds), one query for the due dates already flagged, then one insert each for the notifications and the
    audit events."""
    merchants = list(Merchant.objects.select_for_update(skip_locked=True)
                     .filter(pk__in=merchant_ids, status=Merchant.Status.ACTIVE, next_inspection_due__lt=today)
                     .order_by("next_inspection_due", "id"))
    flagged_before = set(
        AuditEvent.objects.filter(action=OVERDUE_ACTION, target_type=Merchant._meta.label_lower,
                                  target_id__in=[str(m.pk) for m in merchants])
        .values_list("target_id", "data__due"))
    todo = [m for m in merchants if (str(m.pk), m.next_inspection_due.isoformat()) not in flagged_before]
    notify_many([{"recipient": officer, "kind": "inspection.overdue",
                  "title": gettext_lazy("On-site inspection overdue: %(merchant)s"),
                  "body": gettext_lazy("The inspection of %(merchant)s (MID %(mid)s) was due on %(due)s."),
                  "params": {"merchant": str(merchant), "mid": merchant.mid or "—",
                             "due": merchant.next_inspection_due.isoformat()},
                  "url": reverse("ops:inspection-list")} for merchant in todo for officer in officers])
    audit.record_many([{"action": OVERDUE_ACTION, "target": merchant,
                        "data": {"due": merchant.next_inspection_due.isoformat(),
                                 "days_overdue": (today - merchant.next_inspection_due).days}} for merchant in todo])
    counts["overdue"] += len(merchants)
    counts["flagged"] += len(todo)


def inspections_flag_overdue(*, today: date | None = None) -> dict:
    """Tell compliance officers about active merchants past their inspection date, once per due date (the
    audit event of a flag is the record that it was sent), in batches of merchants each committed on its own."""
    today = today or timezone.localdate()
    overdue = Merchant.objects.filter(status=Merchant.Status.ACTIVE, next_inspection_due__lt=today).values("id")
    officers = role_members(roles.COMPLIANCE_OFFICER)
    counts = {"overdue": 0, "flagged": 0}
    for batch in in_batches(overdue):
        with transaction.atomic():
            _flag_overdue([row["id"] for row in batch], today=today, officers=officers, counts=counts)
    return counts
