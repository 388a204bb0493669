"""Internal notes never reach the complainant: not in a notification (title or body), not in an e-mail, not in the
audit data a merchant reads, not through any selector a merchant calls — searched for the note's text."""

import json

import pytest
from django.core import mail

from acquirer.audit_text import catalogue
from acquirer.models import AuditEvent, Notification, OutboxMessage
from acquirer.services.notifications import notification_email_send
from complaints.models import Complaint
from complaints.selectors.complaints import complaint_messages, complaint_notes
from complaints.services import complaints as svc
from tests.complaints.factories import move_to, portal_complaint, resolve

pytestmark = pytest.mark.django_db
SECRET = "INTERNAL-ONLY: the branch manager overcharged on purpose 7731"


def _everything_a_merchant_could_be_told(complaint, users):
    """A complaint walked through every move that tells the complainant something, with notes all along."""
    service, user = users["customer_service"], users["merchant_a"]
    svc.complaint_note(actor=service, complaint=complaint, body=SECRET)
    complaint = move_to(complaint, Complaint.Status.WAITING, staff=service)
    svc.complaint_note(actor=service, complaint=complaint, body=SECRET + " (again)")
    svc.complaint_portal_reply(actor=user, complaint=complaint, body="Here is what you asked for.")
    svc.complaint_reply(actor=service, complaint=complaint, body="Thank you, we are checking with the branch.")
    complaint = resolve(service, complaint)
    svc.complaint_note(actor=service, complaint=complaint, body=SECRET + " (after)")
    complaint = svc.complaint_reopen(actor=user, complaint=complaint, reason="It happened again today.")
    complaint = resolve(service, complaint)
    svc.complaint_rate(actor=user, complaint=complaint, rating=3, comment="Slow but fine.")
    return complaint


def test_internal_notes_never_appear_in_notifications_emails_or_merchant_audit_data(users, merchant_a):
    user = users["merchant_a"]
    complaint = _everything_a_merchant_could_be_told(portal_complaint(user), users)

    told = Notification.objects.filter(recipient=user)
    assert told.count() >= 4  # acknowledged, question, replies, resolved, ...
    for notification in Notification.objects.all():  # nobody, staff included, is sent a note
        assert "7731" not in notification.title + notification.body

    for message in OutboxMessage.objects.all():
        assert "7731" not in json.dumps(message.kwargs)
    mail.outbox.clear()
    for notification in Notification.objects.filter(email_status=Notification.Email.PENDING):
        notification_email_send(notification_id=notification.pk)
    assert mail.outbox, "the complainant's e-mails were sent"
    for email in mail.outbox:
        assert "7731" not in email.subject + email.body

    events = AuditEvent.objects.filter(target_id=str(complaint.pk))
    for event in events:
        assert "7731" not in json.dumps([event.before, event.after, event.data], default=str)
    noted = events.filter(action="complaint.note_added")
    assert noted.count() == 3
    assert "complaint.note_added" not in catalogue().for_merchants


def test_a_merchant_reads_the_conversation_but_never_a_note(users):
    service, user = users["customer_service"], users["merchant_a"]
    complaint = portal_complaint(user)
    svc.complaint_note(actor=service, complaint=complaint, body=SECRET)
    svc.complaint_reply(actor=service, complaint=complaint, body="We are on it.")
    assert list(complaint_notes(actor=user, complaint=complaint)) == []
    assert [n.body for n in complaint_notes(actor=service, complaint=complaint)] == [SECRET]
    assert [n.body for n in complaint_notes(actor=users["auditor"], complaint=complaint)] == [SECRET]
    assert [m.body for m in complaint_messages(actor=user, complaint=complaint)] == ["We are on it."]
    assert list(complaint_messages(actor=users["merchant_b"], complaint=complaint)) == []


def test_the_merchant_is_told_the_public_reply_in_its_notification(users):
    service, user = users["customer_service"], users["merchant_a"]
    complaint = portal_complaint(user)
    svc.complaint_reply(actor=service, complaint=complaint, body="The refund is on its way.")
    notice = Notification.objects.get(recipient=user, kind="complaint.replied")
    assert notice.body == "The refund is on its way."
    assert notice.url.endswith(f"/complaints/{complaint.pk}/")
