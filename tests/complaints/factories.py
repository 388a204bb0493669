"""Builders of complaints through the services (so they are audited like real ones), in any status."""

from complaints.models import Category, Complaint, RootCause
from complaints.services import complaints as svc

S = Complaint.Status
STATUSES = list(S.values)


def portal_complaint(merchant_user, *, category: Category | None = None, **fields) -> Complaint:
    """A complaint a merchant user files in the portal."""
    fields.setdefault("subject", "Fee charged twice")
    fields.setdefault("description", "The monthly fee was charged twice on my statement.")
    return svc.complaint_file(actor=merchant_user, category=category or Category.objects.get(code="fees"),
                              channel="portal", complainant_kind="merchant", complainant_name="", **fields)


def hotline_complaint(staff, *, category: Category | None = None, **fields) -> Complaint:
    """A cardholder's complaint recorded by customer service from a phone call."""
    fields.setdefault("subject", "Card charged but no receipt")
    fields.setdefault("description", "A cardholder says the terminal charged the card without a receipt.")
    fields.setdefault("complainant_kind", "cardholder")
    fields.setdefault("complainant_name", "张三")
    fields.setdefault("complainant_phone", "13800000000")
    fields.setdefault("channel", "hotline")
    return svc.complaint_file(actor=staff, category=category or Category.objects.get(code="service"), **fields)


def resolve(staff, complaint: Complaint) -> Complaint:
    return svc.complaint_resolve(actor=staff, complaint=complaint, root_cause=RootCause.objects.get(code="process"),
                                 remedy="explanation", summary="We explained the fee schedule in detail.")


def move_to(complaint: Complaint, status: str, *, staff) -> Complaint:
    """Walk a new complaint to ``status`` through the services (``staff`` handles it)."""
    if status == S.NEW:
        return complaint
    if status == S.REJECTED:
        return svc.complaint_reject(actor=staff, complaint=complaint, reason="Out of scope: a matter for the bank.")
    if status in (S.RESOLVED, S.CLOSED):
        complaint = resolve(staff, complaint)
        if status == S.CLOSED:
            complaint = svc.complaint_close(actor=staff, complaint=complaint)
        return complaint
    complaint = svc.complaint_acknowledge(actor=staff, complaint=complaint, message="We are looking into it.")
    if status == S.INVESTIGATING:
        complaint = svc.complaint_investigate(actor=staff, complaint=complaint)
    elif status == S.WAITING:
        complaint = svc.complaint_request_info(actor=staff, complaint=complaint,
                                               message="Please send a photo of the statement.")
    return complaint
