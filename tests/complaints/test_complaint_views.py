"""The complaint pages for staff and auditors: the queue (filters, SLA clocks, constant queries), intake with the
duplicate suggestion, the complaint page (internal notes apart, canned responses) and every move through its form."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from complaints.models import CannedResponse, Category, Complaint, ComplaintMessage, RootCause
from complaints.services.complaints import complaint_file, complaint_note, complaint_request_info
from terminals.models import Terminal, Ticket
from terminals.services.tickets import ticket_raise
from tests.merchants.kyc_data import png_file
from tests.terminals.factories import make_terminal

pytestmark = pytest.mark.django_db
CS = roles.CUSTOMER_SERVICE
S = Complaint.Status
NOTE = "Internal: the merchant's owner is the branch manager's cousin (check 7731)"


@pytest.fixture(autouse=True)
def english(clients):
    """Every client reads the pages in English."""
    for client in clients.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return clients


@pytest.fixture
def category(db):
    return Category.objects.filter(parent__isnull=True, active=True).order_by("order", "code").first()


@pytest.fixture
def other_category(category):
    return Category.objects.filter(parent__isnull=True, active=True).exclude(pk=category.pk).order_by("code").first()


def _file_portal(users, category, subject="Settlement is late", **extra):
    return complaint_file(actor=users["merchant_a"], category=category, subject=subject,
                          description="Yesterday's takings have not reached our account.", channel="portal",
                          complainant_kind="merchant", complainant_name="Owner A", **extra)


def _file_hotline(users, category, *, name="Wang Fang", phone="13800000001", **extra):
    return complaint_file(actor=users[CS], category=category, subject="Charged twice",
                          description="A cardholder says she was charged twice at the shop.", channel="hotline",
                          complainant_kind="cardholder", complainant_name=name, complainant_phone=phone, **extra)


@pytest.fixture
def complaint(users, category):
    return _file_portal(users, category)


def _status(complaint) -> str:
    complaint.refresh_from_db()
    return complaint.status


def _post(client, action, complaint, data=None, **extra):
    return client.post(reverse(f"ops:complaint-{action}", kwargs={"pk": complaint.pk}), data or {}, **extra)


# --- the queue ------------------------------------------------------------------------------------------------

def test_queue_lists_open_complaints_with_their_clocks(clients, users, category):
    open_one = _file_portal(users, category)
    closed_one = _file_hotline(users, category)
    _post(clients[CS], "reject", closed_one, {"reason": "Not about our services at all"})
    page = clients[CS].get(reverse("ops:complaint-list")).content.decode()
    assert f'data-number="{open_one.number}"' in page
    assert f'data-number="{closed_one.number}"' not in page  # staff start from the open ones
    assert 'class="badge text-bg-info sla-clock" data-state="running"' in page
    assert "left" in page
    everything = clients[CS].get(reverse("ops:complaint-list"), {"status": ""}).content.decode()
    assert f'data-number="{closed_one.number}"' in everything


def test_queue_filters_by_channel_number_and_assignee(clients, users, category):
    portal = _file_portal(users, category)
    hotline = _file_hotline(users, category)
    page = clients[CS].get(reverse("ops:complaint-list"), {"channel": "hotline"}).content.decode()
    assert hotline.number in page and portal.number not in page
    page = clients[CS].get(reverse("ops:complaint-list"), {"q": portal.number[:-1]}).content.decode()
    assert f'data-number="{portal.number}"' in page  # a number's start lists the complaints it begins
    page = clients[CS].get(reverse("ops:complaint-list"), {"q": "CP-1999"}).content.decode()
    assert f'data-number="{portal.number}"' not in page and "No complaints." in page
    _post(clients[CS], "take", hotline)
    page = clients[CS].get(reverse("ops:complaint-list"), {"assignee": "me"}).content.decode()
    assert hotline.number in page and portal.number not in page


def test_a_whole_complaint_number_opens_the_complaint(clients, complaint):
    response = clients[CS].get(reverse("ops:complaint-list"), {"q": complaint.number})
    assert response.status_code == 302
    assert response["Location"] == reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})
    other = clients["merchant_b"].get(reverse("portal:complaint-list"), {"q": complaint.number})
    assert other.status_code == 200 and f'data-number="{complaint.number}"' not in other.content.decode()


def test_queue_shows_a_paused_clock_and_filters_paused_complaints(clients, users, category):
    waiting = _file_portal(users, category)
    running = _file_hotline(users, category)
    _post(clients[CS], "acknowledge", waiting)
    _post(clients[CS], "request-info", waiting, {"message": "Please send the date of the missing payout."})
    assert _status(waiting) == S.WAITING
    page = clients[CS].get(reverse("ops:complaint-list"), {"sla": "paused"}).content.decode()
    assert waiting.number in page and running.number not in page
    assert 'data-state="paused"' in page


def test_queue_shows_a_breached_clock_and_filters_breached_complaints(clients, users, category):
    late = _file_hotline(users, category, received_at=timezone.now() - timedelta(days=30))
    fresh = _file_portal(users, category)
    page = clients[CS].get(reverse("ops:complaint-list"), {"sla": "breached"}).content.decode()
    assert f'data-number="{late.number}"' in page and f'data-number="{fresh.number}"' not in page
    assert 'data-state="overdue"' in page and "overdue by" in page


def test_queue_filter_with_bad_value_shows_the_error(clients, complaint):
    response = clients[CS].get(reverse("ops:complaint-list"), {"status": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("area,actor", [("ops", CS), ("audit", "auditor"), ("portal", "merchant_a")])
def test_queue_runs_a_constant_number_of_queries(clients, users, category, django_assert_max_num_queries, area,
                                                 actor):
    url = reverse(f"{area}:complaint-list")
    for index in range(2):
        _file_portal(users, category, subject=f"Small {index}")
    client = clients[actor]
    client.get(url)  # warm caches (session, permissions, calendar)
    with django_assert_max_num_queries(14) as small:
        assert client.get(url).status_code == 200
    for index in range(14):
        if area == "portal":
            _file_portal(users, category, subject=f"Large {index}")
        else:
            _file_hotline(users, category, phone=f"1390000{index:04d}")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count('class="complaint-row"') == 16
    assert len(large.captured_queries) == len(small.captured_queries)


# --- intake ---------------------------------------------------------------------------------------------------

def _hotline_form(category, **extra):
    return {"complainant_kind": "cardholder", "complainant_name": "Li Lei", "complainant_phone": "13900001111",
            "channel": "hotline", "category": category.pk, "priority": "normal", "language": "zh-hans",
            "subject": "Refund never arrived", "description": "The refund promised last week never arrived.",
            **extra}


def test_customer_service_records_a_hotline_complaint(clients, category):
    response = clients[CS].post(reverse("ops:complaint-create"), _hotline_form(category))
    created = Complaint.objects.get(subject="Refund never arrived")
    assert response.status_code == 302 and response["Location"] == reverse("ops:complaint-detail",
                                                                            kwargs={"pk": created.pk})
    assert created.channel == "hotline" and created.complainant_phone == "13900001111"
    assert created.status == S.NEW


def test_recording_suggests_open_complaints_of_the_same_complainant(clients, users, category):
    existing = _file_hotline(users, category, phone="13900001111")
    response = clients[CS].post(reverse("ops:complaint-create"), _hotline_form(category))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="complaint-duplicates"' in page
    assert existing.number in page and reverse("ops:complaint-detail", kwargs={"pk": existing.pk}) in page
    assert "The refund promised last week never arrived." in page  # what was typed is kept
    assert not Complaint.objects.filter(subject="Refund never arrived").exists()
    response = clients[CS].post(reverse("ops:complaint-create"), _hotline_form(category, separate_matter="on"))
    assert response.status_code == 302
    assert Complaint.objects.filter(subject="Refund never arrived").count() == 1


def test_a_forwarded_complaint_needs_the_reference_and_the_deadline(clients, category):
    response = clients[CS].post(reverse("ops:complaint-create"), _hotline_form(category, channel="regulator"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the forwarding body&#x27;s reference." in page and "Give the deadline the forwarding body set." in page
    assert "The refund promised last week never arrived." in page
    assert not Complaint.objects.filter(subject="Refund never arrived").exists()


def test_recording_links_the_merchant_by_mid_and_refuses_an_unknown_one(clients, merchant_a, category):
    merchant_a.mid = "898310058120001"
    merchant_a.save(update_fields=["mid"])
    response = clients[CS].post(reverse("ops:complaint-create"), _hotline_form(category, merchant="NO-SUCH-MID"))
    assert response.status_code == 200 and "No merchant has this MID" in response.content.decode()
    response = clients[CS].post(reverse("ops:complaint-create"), _hotline_form(category, merchant=merchant_a.mid))
    assert response.status_code == 302
    assert Complaint.objects.get(subject="Refund never arrived").merchant == merchant_a


def test_staff_without_the_handling_permission_cannot_record(clients, category):
    response = clients[roles.FIELD_ENGINEER].post(reverse("ops:complaint-create"), _hotline_form(category))
    assert response.status_code == 403


# --- the complaint page -----------------------------------------------------------------------------------------

def test_internal_notes_show_to_staff_and_auditors_never_in_the_portal(clients, users, complaint):
    complaint_note(actor=users[CS], complaint=complaint, body=NOTE)
    ops = clients[CS].get(reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    audit = clients["auditor"].get(reverse("audit:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    assert NOTE.replace("'", "&#x27;") in ops and 'id="complaint-notes"' in ops
    assert NOTE.replace("'", "&#x27;") in audit
    for url in (reverse("portal:complaint-detail", kwargs={"pk": complaint.pk}), reverse("portal:complaint-list")):
        page = clients["merchant_a"].get(url).content.decode()
        assert "cousin" not in page and "7731" not in page and 'id="complaint-notes"' not in page


def test_the_complaint_page_shows_facts_clocks_files_and_history(clients, complaint):
    page = clients[CS].get(reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    assert complaint.number in page and "Settlement is late" in page
    assert 'id="clock-first-response"' in page and "sla-clock" in page
    attachment = complaint.attachments.first()
    if attachment is not None:
        assert reverse("ops:complaint-attachment", kwargs={"pk": attachment.pk}) in page
    assert "history-table" in page
    assert "complaint.filed" not in page  # the history reads as sentences, never codes


def test_the_auditor_reads_but_has_no_forms(clients, complaint):
    page = clients["auditor"].get(reverse("audit:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    assert complaint.number in page and 'complaint-move"' not in page
    assert clients["auditor"].post(reverse("audit:complaint-detail", kwargs={"pk": complaint.pk})).status_code == 405


def test_a_reader_without_the_handling_permission_sees_no_forms(clients, complaint):
    page = clients[roles.FIELD_ENGINEER].get(reverse("ops:complaint-detail", kwargs={"pk": complaint.pk}))
    assert page.status_code == 200 and 'complaint-move"' not in page.content.decode()
    assert _post(clients[roles.FIELD_ENGINEER], "take", complaint).status_code == 403


def test_attachments_download_for_staff_the_merchant_and_auditors(clients, users, category):
    complaint = _file_portal(users, category, files=[png_file("receipt.png")])
    attachment = complaint.attachments.get()
    for area, actor in (("ops", CS), ("portal", "merchant_a"), ("audit", "auditor")):
        response = clients[actor].get(reverse(f"{area}:complaint-attachment", kwargs={"pk": attachment.pk}))
        assert response.status_code == 200, area
        assert "attachment" in response["Content-Disposition"]
    other = clients["merchant_b"].get(reverse("portal:complaint-attachment", kwargs={"pk": attachment.pk}))
    assert other.status_code == 404


# --- moves through the pages ------------------------------------------------------------------------------------

def test_customer_service_handles_a_complaint_from_acknowledgement_to_closing(clients, users, complaint):
    staff, merchant = clients[CS], clients["merchant_a"]
    detail = reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})
    assert _post(staff, "take", complaint)["Location"] == detail
    complaint.refresh_from_db()
    assert complaint.assignee == users[CS]
    _post(staff, "acknowledge", complaint, {"message": "We received your complaint and are on it."})
    assert _status(complaint) == S.ACKNOWLEDGED
    _post(staff, "investigate", complaint)
    assert _status(complaint) == S.INVESTIGATING
    _post(staff, "request-info", complaint, {"message": "Which account should the payout have reached?"})
    assert _status(complaint) == S.WAITING
    merchant.post(reverse("portal:complaint-reply", kwargs={"pk": complaint.pk}),
                  {"body": "Our account at the Bank of Shanghai."})
    assert _status(complaint) == S.INVESTIGATING
    _post(staff, "reply", complaint, {"body": "Thank you, we are checking with the bank."})
    _post(staff, "note", complaint, {"body": "Bank confirmed the delay."})
    assert complaint.notes.filter(body="Bank confirmed the delay.").exists()
    root_cause = RootCause.objects.filter(active=True).first()
    _post(staff, "resolve", complaint, {"root_cause": root_cause.pk, "remedy": "fee_waiver", "remedy_amount": "12.50",
                                        "summary": "The payout was delayed by the bank; we waived this month's fee."})
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED and complaint.remedy_minor == 1250 and complaint.root_cause == root_cause
    merchant.post(reverse("portal:complaint-rate", kwargs={"pk": complaint.pk}), {"rating": "4", "comment": "OK"})
    complaint.refresh_from_db()
    assert complaint.rating == 4
    _post(staff, "close", complaint)
    assert _status(complaint) == S.CLOSED
    _post(staff, "reopen", complaint, {"reason": "The merchant called again: the fee was charged anyway."})
    assert _status(complaint) == S.INVESTIGATING


def test_resume_and_reject_through_their_forms(clients, complaint):
    staff = clients[CS]
    _post(staff, "acknowledge", complaint)
    _post(staff, "request-info", complaint, {"message": "Please send a photo of the receipt."})
    _post(staff, "resume", complaint)
    assert _status(complaint) == S.INVESTIGATING
    _post(staff, "reject", complaint, {"reason": "A dispute between the merchant and its landlord."})
    complaint.refresh_from_db()
    assert complaint.status == S.REJECTED and "landlord" in complaint.rejection_reason


def test_assign_links_and_attach_through_their_forms(clients, users, merchant_a, complaint):
    staff = clients[CS]
    _post(staff, "assign", complaint, {"assignee": users[roles.CUSTOMER_SERVICE_LEAD].pk})
    complaint.refresh_from_db()
    assert complaint.assignee == users[roles.CUSTOMER_SERVICE_LEAD]
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)
    _post(staff, "link", complaint, {"terminal": terminal.serial_number})
    complaint.refresh_from_db()
    assert complaint.terminal == terminal
    refused = _post(staff, "link", complaint, {"transaction_date": "2026-11-20", "transaction_id": "42"})
    assert refused.status_code == 200 and "No transaction 42" in refused.content.decode()
    complaint.refresh_from_db()
    assert complaint.transaction_id is None
    count = complaint.attachments.count()
    _post(staff, "attach", complaint, {"files": [png_file("bank-letter.png")]})
    assert complaint.attachments.count() == count + 1


def test_a_terminal_complaint_opens_a_fault_ticket_both_pages_show(clients, users, merchant_a, category):
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)
    complaint = _file_portal(users, category, terminal=terminal)
    response = _post(clients[CS], "open-ticket", complaint, {"severity": "high", "description": ""})
    assert response.status_code == 302
    complaint.refresh_from_db()
    ticket = complaint.fault_ticket
    assert ticket is not None and ticket.terminal == terminal
    page = clients[CS].get(reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    assert reverse("ops:ticket-detail", kwargs={"pk": ticket.pk}) in page
    ticket_page = clients[CS].get(reverse("ops:ticket-detail", kwargs={"pk": ticket.pk})).content.decode()
    assert complaint.number in ticket_page
    assert reverse("ops:complaint-detail", kwargs={"pk": complaint.pk}) in ticket_page
    portal_ticket = clients["merchant_a"].get(reverse("portal:ticket-detail", kwargs={"pk": ticket.pk}))
    assert reverse("portal:complaint-detail", kwargs={"pk": complaint.pk}) in portal_ticket.content.decode()


def test_a_complaint_links_an_existing_fault_ticket(clients, users, merchant_a, complaint):
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)
    ticket = ticket_raise(actor=users["merchant_a"], terminal=terminal, category=Ticket.Category.HARDWARE,
                          severity=Ticket.Severity.HIGH, description="The screen stays black",
                          channel=Ticket.Channel.PORTAL, photos=[])
    response = _post(clients[CS], "link-ticket", complaint, {"ticket": ticket.number})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.fault_ticket == ticket and complaint.terminal == terminal
    page = clients[CS].get(reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    assert 'id="complaint-ticket"' in page and ticket.number in page


def test_link_ticket_refuses_an_unknown_number_and_keeps_the_page(clients, complaint):
    response = _post(clients[CS], "link-ticket", complaint, {"ticket": "T-NOPE-1"})
    assert response.status_code == 200 and "No fault ticket has this number." in response.content.decode()


def test_bad_input_shows_a_clear_error_and_keeps_the_typed_text(clients, complaint):
    typed = "We refunded the double charge to the card on file."
    response = _post(clients[CS], "resolve", complaint, {"remedy": "refund", "summary": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert typed in page and "This field is required." in page and "Give the amount refunded or waived." in page
    assert _status(complaint) == S.NEW


def test_a_refused_move_says_why(clients, complaint):
    response = _post(clients[CS], "close", complaint, follow=True)
    assert _status(complaint) == S.NEW
    assert "possible only when" in response.content.decode()


def test_a_canned_response_fills_the_reply_in_the_complaints_language_and_is_recorded(clients, users, complaint):
    canned = CannedResponse.objects.create(title="Payout delay", body_zh="您好，结算延迟是银行处理所致。",
                                           body_en="Hello, the payout delay was caused by the bank.")
    url = reverse("ops:complaint-detail", kwargs={"pk": complaint.pk})
    page = clients[CS].get(url, {"canned": canned.pk}).content.decode()
    assert "您好，结算延迟是银行处理所致。" in page and "Payout delay" in page
    _post(clients[CS], "reply", complaint, {"body": "您好，结算延迟是银行处理所致。", "canned": canned.pk})
    message = ComplaintMessage.objects.get(complaint=complaint, author_kind="staff", body__startswith="您好")
    assert message.canned == canned


def test_other_merchants_and_missing_complaints_are_404_for_staff_too(clients):
    assert clients[CS].get(reverse("ops:complaint-detail", kwargs={"pk": 999999})).status_code == 404


def test_ops_note_with_waiting_complaint_does_not_resume_it(clients, users, complaint):
    _post(clients[CS], "acknowledge", complaint)
    complaint_request_info(actor=users[CS], complaint=complaint, message="Which day was it?")
    _post(clients[CS], "note", complaint, {"body": "Waiting for the merchant."})
    assert _status(complaint) == S.WAITING
