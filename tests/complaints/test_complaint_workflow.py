"""Every complaint action is allowed from each of its statuses and refused from every other (the policy's
``from_statuses``, the workflow's MOVES), for the roles that may take it; refused for the roles that may not, and for
another merchant."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404

from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, Notification
from complaints.demo.complaints import seed_complaints
from complaints.models import Category, Complaint, ComplaintMessage, ComplaintPause, RootCause
from complaints.policy import ACTIONS
from complaints.selectors.complaints import (
    complaint_attention_count,
    complaint_get,
    complaint_list,
    complaint_messages,
    complaint_order,
    complaint_possible_duplicates,
)
from complaints.services import complaints as svc
from complaints.services.sla import complaints_check_sla
from complaints.workflow import MOVES
from terminals.models import Terminal, Ticket
from terminals.services.tickets import ticket_raise
from tests.complaints.factories import STATUSES, hotline_complaint, move_to, portal_complaint
from tests.factories import make_merchant_user
from tests.merchants.kyc_data import png_file
from tests.terminals.factories import make_terminal

pytestmark = pytest.mark.django_db
S = Complaint.Status
STAFF_ACTIONS = [name for name, action in ACTIONS.items() if "staff" in action.kinds]
MERCHANT_ACTIONS = [name for name, action in ACTIONS.items() if "merchant" in action.kinds]
TERMINAL_ACTIONS = {"open_ticket", "link_ticket", "link"}


def _ticket(users, terminal):
    return ticket_raise(actor=users["customer_service"], terminal=terminal, category=Ticket.Category.HARDWARE,
                        severity=Ticket.Severity.HIGH, description="Reader broken", channel=Ticket.Channel.PHONE)


def _do(name, *, actor, complaint, ctx):
    """Take action ``name`` with valid input."""
    root_cause = RootCause.objects.get(code="process")
    calls = {
        "take": lambda: svc.complaint_take(actor=actor, complaint=complaint),
        "assign": lambda: svc.complaint_assign(actor=actor, complaint=complaint,
                                               assignee=ctx["users"]["customer_service"]),
        "acknowledge": lambda: svc.complaint_acknowledge(actor=actor, complaint=complaint, message="Received."),
        "investigate": lambda: svc.complaint_investigate(actor=actor, complaint=complaint),
        "request_info": lambda: svc.complaint_request_info(actor=actor, complaint=complaint,
                                                           message="Please send the receipt."),
        "resume": lambda: svc.complaint_resume(actor=actor, complaint=complaint),
        "reply": lambda: svc.complaint_reply(actor=actor, complaint=complaint, body="We checked the fee."),
        "note": lambda: svc.complaint_note(actor=actor, complaint=complaint, body="Called the branch."),
        "attach": lambda: svc.complaint_attach(actor=actor, complaint=complaint, files=[png_file("proof.png")]),
        "link": lambda: svc.complaint_link(actor=actor, complaint=complaint, terminal=ctx["other_terminal"]),
        "open_ticket": lambda: svc.complaint_open_ticket(actor=actor, complaint=complaint, severity="high"),
        "link_ticket": lambda: svc.complaint_link_ticket(actor=actor, complaint=complaint, ticket=ctx["ticket"]),
        "resolve": lambda: svc.complaint_resolve(actor=actor, complaint=complaint, root_cause=root_cause,
                                                 remedy="refund", remedy_minor=1500,
                                                 summary="We refunded the double charge."),
        "reject": lambda: svc.complaint_reject(actor=actor, complaint=complaint,
                                               reason="This is a matter for the issuing bank."),
        "close": lambda: svc.complaint_close(actor=actor, complaint=complaint),
        "reopen": lambda: svc.complaint_reopen(actor=actor, complaint=complaint, reason="The fee came back."),
        "portal_reply": lambda: svc.complaint_portal_reply(actor=actor, complaint=complaint,
                                                           body="Here is the receipt."),
        "portal_reopen": lambda: svc.complaint_reopen(actor=actor, complaint=complaint, reason="Still charged."),
        "rate": lambda: svc.complaint_rate(actor=actor, complaint=complaint, rating=4, comment="Quick."),
    }
    return calls[name]()


@pytest.fixture
def ctx(users, merchant_a):
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)
    return {"users": users, "terminal": terminal, "ticket": _ticket(users, terminal),
            "other_terminal": make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a)}


def _complaint_in(status, ctx):
    """Merchant A's complaint about a terminal, handled by the team lead, in ``status``."""
    complaint = portal_complaint(ctx["users"]["merchant_a"], terminal=ctx["terminal"])
    return move_to(complaint, status, staff=ctx["users"]["customer_service_lead"])


def _allowed(name, status):
    action = ACTIONS[name]
    return not action.from_statuses or status in action.from_statuses


def test_every_policy_move_is_a_workflow_move():
    for action in ACTIONS.values():
        if action.to_status:
            for status in action.from_statuses:
                assert action.to_status in MOVES[status], (action.name, status)


@pytest.mark.parametrize("name", STAFF_ACTIONS)
def test_customer_service_may_take_each_staff_action_only_from_its_statuses(name, ctx):
    actor = ctx["users"]["customer_service"]
    for status in STATUSES:
        complaint = _complaint_in(status, ctx)
        if _allowed(name, status):
            _do(name, actor=actor, complaint=complaint, ctx=ctx)
            complaint.refresh_from_db()
            if ACTIONS[name].to_status:
                assert complaint.status == ACTIONS[name].to_status, (name, status)
            assert AuditEvent.objects.filter(action=ACTIONS[name].audit_action,
                                             target_id=str(complaint.pk)).exists(), (name, status)
        else:
            with pytest.raises(DomainError):
                _do(name, actor=actor, complaint=complaint, ctx=ctx)
            complaint.refresh_from_db()
            assert complaint.status == status, (name, status)


@pytest.mark.parametrize("name", MERCHANT_ACTIONS)
def test_the_merchant_may_take_each_portal_action_only_from_its_statuses(name, ctx):
    actor = ctx["users"]["merchant_a"]
    for status in STATUSES:
        complaint = _complaint_in(status, ctx)
        if _allowed(name, status):
            _do(name, actor=actor, complaint=complaint, ctx=ctx)
            complaint.refresh_from_db()
            expected = ACTIONS[name].to_status or (S.INVESTIGATING if status == S.WAITING else status)
            assert complaint.status == expected, (name, status)
        else:
            with pytest.raises(DomainError):
                _do(name, actor=actor, complaint=complaint, ctx=ctx)
            complaint.refresh_from_db()
            assert complaint.status == status, (name, status)


def _an_allowed_status(name):
    action = ACTIONS[name]
    for status in (S.NEW, S.ACKNOWLEDGED, S.INVESTIGATING, S.WAITING, S.RESOLVED):
        if not action.from_statuses or status in action.from_statuses:
            return status
    return sorted(action.from_statuses)[0]


# complaint_reopen by a merchant user is its portal reopening (tested with the portal actions)
REFUSED = [(name, role) for name in STAFF_ACTIONS
           for role in ("auditor", "compliance_officer", "merchant_a", "field_engineer")
           if (name, role) != ("reopen", "merchant_a")]


@pytest.mark.parametrize(("name", "role"), REFUSED)
def test_roles_without_complaint_handling_are_refused_every_staff_action(name, role, ctx):
    complaint = _complaint_in(_an_allowed_status(name), ctx)
    before = complaint.status
    with pytest.raises(NotPermitted):
        _do(name, actor=ctx["users"][role], complaint=complaint, ctx=ctx)
    complaint.refresh_from_db()
    assert complaint.status == before


@pytest.mark.parametrize("name", MERCHANT_ACTIONS)
def test_merchant_b_and_staff_are_refused_the_portal_actions_on_merchant_as_complaint(name, ctx, merchant_b):
    complaint = _complaint_in(_an_allowed_status(name), ctx)
    with pytest.raises(DomainError):
        _do(name, actor=ctx["users"]["merchant_b"], complaint=complaint, ctx=ctx)
    if name != "portal_reopen":  # complaint_reopen by staff is the staff reopening
        with pytest.raises(NotPermitted):
            _do(name, actor=ctx["users"]["customer_service"], complaint=complaint, ctx=ctx)


def test_merchant_b_never_sees_merchant_as_complaint(ctx):
    complaint = portal_complaint(ctx["users"]["merchant_a"])
    with pytest.raises(Http404):
        complaint_get(actor=ctx["users"]["merchant_b"], pk=complaint.pk)
    assert not complaint_list(actor=ctx["users"]["merchant_b"]).exists()
    assert list(complaint_list(actor=ctx["users"]["merchant_a"])) == [complaint]
    assert complaint_get(actor=ctx["users"]["auditor"], pk=complaint.pk) == complaint


# --- intake -----------------------------------------------------------------------------------------------------------

def test_a_portal_complaint_is_numbered_forced_to_the_portal_and_the_merchant(ctx, merchant_a, merchant_b):
    user = ctx["users"]["merchant_a"]
    complaint = svc.complaint_file(actor=user, category=_category("fees"), subject="Rate too high",
                                   description="The rate on my statement is higher than agreed.",
                                   channel="hotline", complainant_kind="cardholder", complainant_name="x")
    assert complaint.number.startswith("CP-") and len(complaint.number) == len("CP-20261201-0001")
    assert (complaint.channel, complaint.complainant_kind, complaint.merchant) == ("portal", "merchant", merchant_a)
    assert complaint.complainant_user == user
    with pytest.raises(NotPermitted):
        portal_complaint(user, merchant=merchant_b)


def _category(code):
    return Category.objects.get(code=code)


@pytest.mark.parametrize(("fields", "message"), [
    ({"subject": "Fee"}, "subject"),
    ({"subject": "x" * 151}, "subject"),
    ({"description": "too short"}, "Describe"),
    ({"complainant_name": " "}, "name"),
    ({"complainant_phone": "", "complainant_email": ""}, "phone number or an e-mail"),
    ({"channel": "regulator"}, "reference"),
    ({"channel": "regulator", "external_reference": "PBOC-1"}, "deadline"),
    ({"subcategory": "fees-wrong-rate"}, "subcategory"),
    ({"category": "fees-wrong-rate"}, "category"),
    ({"transaction_date": date(2026, 1, 5)}, "both"),
])
def test_intake_refuses_incomplete_complaints_with_a_clear_message(fields, message, ctx, categories):
    base = {"category": categories["service"], "subject": "Card charged twice",
            "description": "The card was charged twice at the shop.", "channel": "hotline",
            "complainant_kind": "cardholder", "complainant_name": "李四", "complainant_phone": "13900000000"}
    for key in ("category", "subcategory"):
        if key in fields:
            fields[key] = categories[fields[key]]
    with pytest.raises(DomainError, match=message):
        svc.complaint_file(actor=ctx["users"]["customer_service"], **{**base, **fields})
    assert not Complaint.objects.exists()


def test_intake_refuses_a_terminal_of_another_merchant(ctx, merchant_b, categories):
    with pytest.raises(DomainError, match="is not at"):
        svc.complaint_file(actor=ctx["users"]["customer_service"], category=categories["terminal"],
                           subject="Reader broken", description="The card reader does not work at all.",
                           channel="hotline", complainant_kind="merchant", complainant_name="王五",
                           merchant=merchant_b, terminal=ctx["terminal"])


def test_files_are_stored_with_the_complaint_and_at_most_five(ctx):
    user = ctx["users"]["merchant_a"]
    complaint = portal_complaint(user, files=[png_file("a.png"), png_file("b.png")])
    assert complaint.attachments.count() == 2
    with pytest.raises(DomainError, match="At most 5"):
        portal_complaint(user, files=[png_file(f"{n}.png") for n in range(6)])


def test_a_new_complaint_notifies_customer_service_without_its_description(ctx):

    complaint = portal_complaint(ctx["users"]["merchant_a"])
    notice = Notification.objects.get(recipient=ctx["users"]["customer_service"], kind="complaint.filed")
    assert complaint.number in notice.title
    assert complaint.description not in notice.title + notice.body


# --- moves with their side effects ------------------------------------------------------------------------------------

def test_asking_for_information_pauses_and_the_merchants_answer_resumes(ctx):
    staff, user = ctx["users"]["customer_service"], ctx["users"]["merchant_a"]
    complaint = move_to(portal_complaint(user), S.ACKNOWLEDGED, staff=staff)
    complaint = svc.complaint_request_info(actor=staff, complaint=complaint, message="Send the statement please.")
    assert complaint.status == S.WAITING and complaint.paused_since is not None
    assert ComplaintPause.objects.get(complaint=complaint).ended_at is None
    svc.complaint_portal_reply(actor=user, complaint=complaint, body="Statement attached.",
                               files=[png_file("statement.png")])
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING and complaint.paused_since is None
    assert ComplaintPause.objects.get(complaint=complaint).ended_at is not None
    resumed = AuditEvent.objects.get(action="complaint.resumed", target_id=str(complaint.pk))
    assert resumed.actor_id == user.pk
    assert complaint.messages.filter(author_kind=ComplaintMessage.Author.COMPLAINANT).count() == 1


def test_resolution_needs_a_root_cause_a_remedy_and_an_amount_for_money(ctx):
    staff = ctx["users"]["customer_service"]
    complaint = portal_complaint(ctx["users"]["merchant_a"])
    cause = RootCause.objects.get(code="staff")
    summary = "We refunded the double charge."
    with pytest.raises(DomainError, match="amount"):
        svc.complaint_resolve(actor=staff, complaint=complaint, root_cause=cause, remedy="refund", summary=summary)
    with pytest.raises(DomainError, match="no amount"):
        svc.complaint_resolve(actor=staff, complaint=complaint, root_cause=cause, remedy="explanation",
                              summary=summary, remedy_minor=100)
    with pytest.raises(DomainError, match="root cause"):
        svc.complaint_resolve(actor=staff, complaint=complaint, root_cause=None, remedy="repair", summary=summary)
    complaint = svc.complaint_resolve(actor=staff, complaint=complaint, root_cause=cause, remedy="fee_waiver",
                                      remedy_minor=3000, summary=summary)
    assert (complaint.status, complaint.remedy_minor, complaint.root_cause) == (S.RESOLVED, 3000, cause)
    assert complaint.resolved_at is not None and complaint.first_response_at is not None


def test_rating_is_once_from_one_to_five(ctx):
    user = ctx["users"]["merchant_a"]
    complaint = move_to(portal_complaint(user), S.RESOLVED, staff=ctx["users"]["customer_service"])
    with pytest.raises(DomainError, match="1 to 5"):
        svc.complaint_rate(actor=user, complaint=complaint, rating=6)
    with pytest.raises(DomainError, match="1000"):
        svc.complaint_rate(actor=user, complaint=complaint, rating=5, comment="x" * 1001)
    svc.complaint_rate(actor=user, complaint=complaint, rating=5, comment="Thanks")
    with pytest.raises(DomainError, match="already rated"):
        svc.complaint_rate(actor=user, complaint=complaint, rating=1)
    complaint.refresh_from_db()
    assert (complaint.rating, complaint.rating_comment) == (5, "Thanks")


def test_reopening_counts_and_is_refused_after_the_window(ctx, settings):
    staff, user = ctx["users"]["customer_service"], ctx["users"]["merchant_a"]
    complaint = move_to(portal_complaint(user), S.CLOSED, staff=staff)
    complaint = svc.complaint_reopen(actor=user, complaint=complaint, reason="It happened again.")
    assert (complaint.status, complaint.reopen_count, complaint.resolved_at) == (S.INVESTIGATING, 1, None)
    complaint = move_to(complaint, S.RESOLVED, staff=staff)
    settings.ACQUIRER_COMPLAINT_REOPEN_DAYS = 0
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=complaint.resolved_at.replace(year=2025))
    complaint.refresh_from_db()
    with pytest.raises(DomainError, match="within 0 days"):
        svc.complaint_reopen(actor=staff, complaint=complaint, reason="Again and again.")


def test_opening_a_fault_ticket_raises_it_on_the_complaints_terminal_and_links_it(ctx):
    staff = ctx["users"]["customer_service"]
    complaint = portal_complaint(ctx["users"]["merchant_a"], category=_category("terminal"),
                                 terminal=ctx["terminal"])
    ticket = svc.complaint_open_ticket(actor=staff, complaint=complaint, severity="critical")
    complaint.refresh_from_db()
    assert complaint.fault_ticket == ticket and ticket.terminal == ctx["terminal"]
    assert ticket.description == complaint.description and ticket.channel == "phone"
    with pytest.raises(DomainError, match="already linked"):
        svc.complaint_link_ticket(actor=staff, complaint=complaint, ticket=ctx["ticket"])


def test_linking_a_ticket_of_another_merchant_is_refused(ctx, merchant_b):
    staff = ctx["users"]["customer_service"]
    other = _ticket(ctx["users"], make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_b))
    complaint = portal_complaint(ctx["users"]["merchant_a"])
    with pytest.raises(DomainError, match="not about this complaint's merchant"):
        svc.complaint_link_ticket(actor=staff, complaint=complaint, ticket=other)


# --- demo data --------------------------------------------------------------------------------------------------------

def test_demo_complaints_cover_every_status_and_channel_and_a_second_run_adds_nothing(ctx, merchant_a, merchant_b):

    make_merchant_user(merchant_b)
    staff = {"service": ctx["users"]["customer_service"], "lead": ctx["users"]["customer_service_lead"]}
    made = seed_complaints(merchants=[merchant_a, merchant_b], staff=staff)
    assert made == Complaint.objects.count() > 14
    mine = Complaint.objects.filter(merchant=merchant_a)
    assert set(mine.values_list("status", flat=True)) == set(S.values)
    assert set(mine.values_list("channel", flat=True)) == {"portal", "hotline", "email", "in_person", "regulator",
                                                           "network"}
    assert mine.filter(resolution_breached_at__isnull=False, escalation_level=2).exists()
    assert mine.filter(paused_since__isnull=False, status=S.WAITING).exists()
    assert mine.filter(channel="regulator").exclude(external_reference="").get().external_deadline
    assert mine.filter(fault_ticket__isnull=False).count() == 1
    assert mine.filter(rating__isnull=False).count() == 2 and mine.filter(reopen_count=1).exists()
    assert Complaint.objects.filter(merchant=merchant_b, resolution_breached_at__isnull=False).exists()
    assert seed_complaints(merchants=[merchant_a, merchant_b], staff=staff) == 0
    assert Complaint.objects.count() == made


# --- selectors --------------------------------------------------------------------------------------------------------

def test_the_queue_filters_by_sla_assignee_and_number_in_one_query(ctx, django_assert_max_num_queries):


    staff, lead = ctx["users"]["customer_service"], ctx["users"]["customer_service_lead"]
    old = hotline_complaint(staff, received_at=datetime(2025, 10, 13, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    complaints_check_sla()
    waiting = move_to(portal_complaint(ctx["users"]["merchant_a"]), S.WAITING, staff=lead)
    fresh = portal_complaint(ctx["users"]["merchant_a"])
    with django_assert_max_num_queries(1):
        rows = list(complaint_list(actor=staff, filters={"sla": "breached"}))
        assert [row.category.code for row in rows] == ["service"]
    assert rows == [old]
    assert list(complaint_list(actor=staff, filters={"sla": "paused"})) == [waiting]
    assert list(complaint_list(actor=lead, filters={"assignee": "me"})) == [waiting]
    assert list(complaint_list(actor=staff, filters={"q": fresh.number.lower()})) == [fresh]
    assert list(complaint_list(actor=staff, filters={"status": "open"}))[0] == fresh  # newest first
    assert complaint_order({"sla": "breached"}) == ("resolution_due", "id")
    with django_assert_max_num_queries(1):
        count = complaint_attention_count(actor=staff)
    assert (count.value, count.exact) == (1, True)  # the breached one; the paused one and the fresh one are not


def test_linking_a_merchant_later_moves_the_conversation_into_its_portal(ctx, merchant_a):

    staff, user = ctx["users"]["customer_service"], ctx["users"]["merchant_a"]
    complaint = hotline_complaint(staff)
    svc.complaint_reply(actor=staff, complaint=complaint, body="We will contact the shop.")
    assert not complaint_list(actor=user).exists()
    svc.complaint_link(actor=staff, complaint=complaint, merchant=merchant_a, terminal=ctx["terminal"])
    complaint.refresh_from_db()
    assert (complaint.merchant, complaint.terminal) == (merchant_a, ctx["terminal"])
    assert list(complaint_list(actor=user)) == [complaint]

    assert [m.body for m in complaint_messages(actor=user, complaint=complaint)] == ["We will contact the shop."]
    with pytest.raises(DomainError, match="Nothing to link"):
        svc.complaint_link(actor=staff, complaint=complaint, merchant=merchant_a)


def test_an_open_complaint_of_the_same_complainant_and_category_is_offered_as_a_duplicate(ctx, categories):

    staff = ctx["users"]["customer_service"]
    first = hotline_complaint(staff, complainant_phone="13700000001")
    hotline_complaint(staff, complainant_phone="13700000002")
    found = complaint_possible_duplicates(actor=staff, complaint_kind="cardholder", complainant_phone="13700000001",
                                          category=categories["service"])
    assert list(found) == [first]
    assert not complaint_possible_duplicates(actor=staff, complaint_kind="cardholder",
                                             complainant_phone="13700000001", category=categories["fees"])
    second = hotline_complaint(staff, complainant_phone="13700000001", duplicate_of=first)
    assert second.duplicate_of == first
