"""Risk cases: every move allowed from its statuses and refused from the others and for roles without the
permission; evidence (notes, files through the upload service, the merchant's own ledger rows) only on cases being
worked on; decisions with reasons; the regulator's deadline in working days across the National Day holiday; the
daily reminders and the overdue escalation; suspending a terminal or the merchant from a case."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from acquirer import policy, roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, Notification
from merchants.models import Merchant
from terminals.models import Terminal
from tests.factories import make_user
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.risk_factories import make_case
from transactions.case_policy import CASE_ACTIONS
from transactions.models import RiskCase, RiskEvidence
from transactions.services import risk_cases as svc

C = RiskCase.Status
ANALYST, MANAGER, COMPLIANCE = roles.RISK_ANALYST, roles.OPERATIONS_MANAGER, roles.COMPLIANCE_OFFICER
NO_HANDLING = [roles.COMPLIANCE_OFFICER, roles.CUSTOMER_SERVICE, roles.FIELD_ENGINEER, roles.ONBOARDING_REVIEWER,
               "auditor", "merchant_a"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop(merchant_a, users):
    return live_merchant_with_terminal(merchant_a, users[MANAGER])


@pytest.fixture
def case(shop):
    merchant, terminal = shop
    return make_case(merchant=merchant, terminal=terminal)


def _case_in(status, shop, **fields):
    merchant, terminal = shop
    return make_case(merchant=merchant, terminal=terminal, status=status, **fields)


def _png(name="evidence.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- take and assign ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_case_take_moves_open_to_investigating_assigned_to_the_actor(case, users):
    analyst = users[ANALYST]
    svc.case_take(actor=analyst, case=case)
    case.refresh_from_db()
    assert case.status == C.INVESTIGATING and case.assigned_to == analyst
    event = AuditEvent.objects.get(action="risk_case.taken")
    assert event.before == {"status": "open"} and event.after == {"status": "investigating"}


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.INVESTIGATING, C.ESCALATED, C.CONFIRMED, C.FALSE_POSITIVE, C.CLOSED])
def test_case_take_refused_unless_open(status, shop, users):
    case = _case_in(status, shop)
    with pytest.raises(TransitionNotAllowed):
        svc.case_take(actor=users[ANALYST], case=case)


@pytest.mark.django_db
@pytest.mark.parametrize("who", NO_HANDLING)
def test_case_take_refused_without_the_permission(who, case, users):
    with pytest.raises(NotPermitted):
        svc.case_take(actor=users[who], case=case)
    assert RiskCase.objects.get(pk=case.pk).status == C.OPEN


@pytest.mark.django_db
def test_case_assign_to_a_handler_only(case, users):
    with pytest.raises(DomainError, match="cannot handle"):
        svc.case_assign(actor=users[ANALYST], case=case, assignee=users[COMPLIANCE])
    svc.case_assign(actor=users[ANALYST], case=case, assignee=users[MANAGER])
    case.refresh_from_db()
    assert case.status == C.INVESTIGATING and case.assigned_to == users[MANAGER]
    svc.case_assign(actor=users[MANAGER], case=case, assignee=users[ANALYST])  # re-assigning keeps the status
    case.refresh_from_db()
    assert case.status == C.INVESTIGATING and case.assigned_to == users[ANALYST]
    assert AuditEvent.objects.filter(action="risk_case.assigned").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.CONFIRMED, C.FALSE_POSITIVE, C.CLOSED])
def test_case_assign_refused_on_decided_cases(status, shop, users):
    with pytest.raises(TransitionNotAllowed):
        svc.case_assign(actor=users[ANALYST], case=_case_in(status, shop), assignee=users[MANAGER])


# --- evidence -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_evidence_note_file_and_linked_row_on_a_case_being_worked_on(case, shop, users):
    merchant, terminal = shop
    analyst = users[ANALYST]
    svc.case_take(actor=analyst, case=case)
    svc.case_add_note(actor=analyst, case=case, text="持卡人确认非本人交易")
    item = svc.case_attach_file(actor=analyst, case=case, uploaded_file=_png())
    assert item.kind == "file" and len(item.sha256) == 64 and item.stored_name and item.original_name == "evidence.png"
    row = make_transaction(merchant=merchant, terminal=terminal)
    svc.case_link_transaction(actor=analyst, case=case, local_date=row["local_date"], transaction_id=row["id"])
    with pytest.raises(DomainError, match="already linked"):
        svc.case_link_transaction(actor=analyst, case=case, local_date=row["local_date"], transaction_id=row["id"])
    assert list(case.evidence.values_list("kind", flat=True)) == ["note", "file", "transaction"]
    assert AuditEvent.objects.filter(action__in=["risk_case.note_added", "risk_case.file_attached",
                                                 "risk_case.transaction_linked"]).count() == 3


@pytest.mark.django_db
def test_link_refuses_another_merchants_row(case, merchant_b, users):
    other, terminal = live_merchant_with_terminal(merchant_b, users[MANAGER])
    row = make_transaction(merchant=other, terminal=terminal)
    with pytest.raises(DomainError, match="No transaction of this merchant"):
        svc.case_link_transaction(actor=users[ANALYST], case=case, local_date=row["local_date"],
                                  transaction_id=row["id"])
    assert not RiskEvidence.objects.exists()


@pytest.mark.django_db
def test_attach_refuses_a_file_that_is_not_accepted(case, users):
    fake = SimpleUploadedFile("evidence.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError):
        svc.case_attach_file(actor=users[ANALYST], case=case, uploaded_file=fake)
    assert not RiskEvidence.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.CONFIRMED, C.FALSE_POSITIVE, C.CLOSED])
def test_evidence_refused_on_decided_cases(status, shop, users):
    merchant, terminal = shop
    case = _case_in(status, shop)
    row = make_transaction(merchant=merchant, terminal=terminal)
    with pytest.raises(TransitionNotAllowed):
        svc.case_add_note(actor=users[ANALYST], case=case, text="late note")
    with pytest.raises(TransitionNotAllowed):
        svc.case_attach_file(actor=users[ANALYST], case=case, uploaded_file=_png())
    with pytest.raises(TransitionNotAllowed):
        svc.case_link_transaction(actor=users[ANALYST], case=case, local_date=row["local_date"],
                                  transaction_id=row["id"])


@pytest.mark.django_db
def test_evidence_refused_without_the_permission(case, users):
    with pytest.raises(NotPermitted):
        svc.case_add_note(actor=users[COMPLIANCE], case=case, text="a note")


# --- decide, close, report ----------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("start", [C.INVESTIGATING, C.ESCALATED])
@pytest.mark.parametrize("outcome", [C.CONFIRMED, C.FALSE_POSITIVE, C.ESCALATED])
def test_case_decide_each_outcome(start, outcome, shop, users):
    case = _case_in(start, shop)
    if start == C.ESCALATED and outcome == C.ESCALATED:
        with pytest.raises(TransitionNotAllowed):
            svc.case_decide(actor=users[MANAGER], case=case, outcome=outcome, reason="still unclear")
        return
    svc.case_decide(actor=users[MANAGER], case=case, outcome=outcome, reason="cash-out confirmed by the bank")
    case.refresh_from_db()
    assert case.status == outcome and case.decided_by == users[MANAGER] and case.decided_at
    assert case.outcome_reason == "cash-out confirmed by the bank" and not case.major and case.report_due is None
    assert AuditEvent.objects.get(action="risk_case.decided").data["outcome"] == outcome


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.OPEN, C.CONFIRMED, C.FALSE_POSITIVE, C.CLOSED])
def test_case_decide_refused_from_other_statuses(status, shop, users):
    with pytest.raises(TransitionNotAllowed):
        svc.case_decide(actor=users[ANALYST], case=_case_in(status, shop), outcome=C.CONFIRMED, reason="because")


@pytest.mark.django_db
def test_case_decide_needs_an_outcome_and_a_reason_and_the_permission(shop, users):
    case = _case_in(C.INVESTIGATING, shop)
    with pytest.raises(DomainError, match="outcome"):
        svc.case_decide(actor=users[ANALYST], case=case, outcome="closed", reason="because of it")
    with pytest.raises(DomainError, match="reason"):
        svc.case_decide(actor=users[ANALYST], case=case, outcome=C.CONFIRMED, reason=" ok ")
    with pytest.raises(NotPermitted):
        svc.case_decide(actor=users[COMPLIANCE], case=case, outcome=C.CONFIRMED, reason="because of it")
    assert RiskCase.objects.get(pk=case.pk).status == C.INVESTIGATING


@pytest.mark.django_db
def test_confirmed_major_is_due_in_working_days(shop, users):
    case = _case_in(C.INVESTIGATING, shop)
    svc.case_decide(actor=users[ANALYST], case=case, outcome=C.CONFIRMED, reason="confirmed cash-out", major=True)
    case.refresh_from_db()
    assert case.major and case.report_due == svc.report_due_for(timezone.localdate())
    # major only counts for a confirmed case
    other = _case_in(C.INVESTIGATING, shop)
    svc.case_decide(actor=users[ANALYST], case=other, outcome=C.FALSE_POSITIVE, reason="normal trade", major=True)
    other.refresh_from_db()
    assert not other.major and other.report_due is None


@pytest.mark.django_db
def test_deadline_across_the_national_day_holiday():
    # 2025-10-01..08 are holidays, Saturday 2025-10-11 is a make-up working day (the package's calendar)
    assert svc.report_due_for(date(2025, 9, 30)) == date(2025, 10, 11)
    assert date(2025, 9, 30) + timedelta(days=3) != date(2025, 10, 11)  # plain days would say 2025-10-03


@pytest.mark.django_db
def test_report_days_from_the_setting(settings):
    settings.ACQUIRER_RISK_REPORT_DAYS = 5
    assert svc.report_due_for(date(2025, 9, 30)) == date(2025, 10, 14)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.CONFIRMED, C.FALSE_POSITIVE])
def test_case_close_from_decided(status, shop, users):
    case = _case_in(status, shop)
    svc.case_close(actor=users[ANALYST], case=case, reason="action taken, done")
    assert RiskCase.objects.get(pk=case.pk).status == C.CLOSED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.OPEN, C.INVESTIGATING, C.ESCALATED, C.CLOSED])
def test_case_close_refused_from_other_statuses(status, shop, users):
    with pytest.raises(TransitionNotAllowed):
        svc.case_close(actor=users[ANALYST], case=_case_in(status, shop), reason="nothing more")


@pytest.mark.django_db
def test_major_case_is_closed_only_after_the_report(shop, users):
    case = _case_in(C.CONFIRMED, shop, major=True, report_due=date(2026, 12, 3), decided_at=timezone.now())
    with pytest.raises(DomainError, match="reported"):
        svc.case_close(actor=users[ANALYST], case=case, reason="action taken, done")
    with pytest.raises(NotPermitted):
        svc.case_mark_reported(actor=users[MANAGER], case=case)  # managers handle, they do not report
    svc.case_mark_reported(actor=users[COMPLIANCE], case=case)
    with pytest.raises(DomainError, match="already"):
        svc.case_mark_reported(actor=users[COMPLIANCE], case=case)
    svc.case_close(actor=users[ANALYST], case=case, reason="reported and done")
    assert RiskCase.objects.get(pk=case.pk).status == C.CLOSED
    assert AuditEvent.objects.filter(action="risk_case.reported").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [C.OPEN, C.INVESTIGATING, C.ESCALATED, C.FALSE_POSITIVE, C.CLOSED])
def test_mark_reported_only_confirmed(status, shop, users):
    with pytest.raises(TransitionNotAllowed):
        svc.case_mark_reported(actor=users[COMPLIANCE], case=_case_in(status, shop))


@pytest.mark.django_db
def test_available_actions_follow_status_and_role(shop, users):
    case = _case_in(C.INVESTIGATING, shop)
    names = set(policy.available_actions(users[ANALYST], case, CASE_ACTIONS.values()))
    assert {"assign", "note", "attach", "link", "decide", "suspend_terminal", "suspend_merchant", "hold"} <= names
    assert not names & {"take", "close", "report"}
    assert not policy.available_actions(users["auditor"], case, CASE_ACTIONS.values())
    confirmed = _case_in(C.CONFIRMED, shop)
    assert set(policy.available_actions(users[COMPLIANCE], confirmed, CASE_ACTIONS.values())) == {"report"}


# --- actions with teeth -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_suspend_terminal_from_a_case(shop, users, merchant_b):
    merchant, terminal = shop
    case = _case_in(C.INVESTIGATING, shop)
    _other, other_terminal = live_merchant_with_terminal(merchant_b, users[MANAGER])
    with pytest.raises(DomainError, match="not the case merchant"):
        svc.case_suspend_terminal(actor=users[ANALYST], case=case, terminal=other_terminal, reason="skimming")
    svc.case_suspend_terminal(actor=users[ANALYST], case=case, terminal=terminal, reason="skimming device found")
    terminal.refresh_from_db()
    assert terminal.status == Terminal.Status.SUSPENDED and terminal.suspend_reason == "risk"
    assert case.evidence.get(kind="note").text.endswith("skimming device found")
    assert AuditEvent.objects.filter(action="risk_case.terminal_suspended").count() == 1
    assert AuditEvent.objects.filter(action="terminal.suspended").count() == 1


@pytest.mark.django_db
def test_suspend_merchant_from_a_case(shop, users):
    merchant, _terminal = shop
    case = _case_in(C.CONFIRMED, shop)
    with pytest.raises(NotPermitted):
        svc.case_suspend_merchant(actor=users[COMPLIANCE], case=case, reason="confirmed cash-out")
    svc.case_suspend_merchant(actor=users[MANAGER], case=case, reason="confirmed cash-out")
    assert Merchant.objects.get(pk=merchant.pk).status == Merchant.Status.SUSPENDED
    assert AuditEvent.objects.filter(action="risk_case.merchant_suspended").count() == 1
    with pytest.raises(TransitionNotAllowed):
        svc.case_suspend_merchant(actor=users[MANAGER], case=_case_in(C.CLOSED, shop), reason="too late now")


# --- deadlines ----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_deadline_job_reminds_once_a_day_then_escalates(shop, users):
    due = date(2025, 10, 11)
    case = _case_in(C.CONFIRMED, shop, major=True, report_due=due, decided_by=users[ANALYST],
                    decided_at=timezone.now())
    first = svc.risk_deadlines(today=date(2025, 10, 9))
    assert first == {"day": "2025-10-09", "reminded": 1, "overdue": 0}
    reminded = Notification.objects.filter(kind="risk_case.reminded")
    assert set(reminded.values_list("recipient__username", flat=True)) == {"riskanalyst", "complianceofficer"}
    assert svc.risk_deadlines(today=date(2025, 10, 9))["reminded"] == 0  # once a day
    assert svc.working_days_left(case, today=date(2025, 10, 9)) == 2
    assert svc.working_days_left(case, today=due) == 0
    assert not svc.report_overdue(case, today=due)
    late = svc.risk_deadlines(today=date(2025, 10, 13))
    assert late["overdue"] == 1 and late["reminded"] == 0
    case.refresh_from_db()
    assert svc.report_overdue(case, today=date(2025, 10, 13))
    assert svc.working_days_left(case, today=date(2025, 10, 13)) == -1
    escalated = Notification.objects.filter(kind="risk_case.overdue")
    assert "operationsmanager" in set(escalated.values_list("recipient__username", flat=True))
    assert AuditEvent.objects.filter(action="risk_case.reminded").count() == 1
    assert AuditEvent.objects.filter(action="risk_case.overdue").count() == 1


@pytest.mark.django_db
def test_deadline_job_leaves_reported_and_minor_cases_alone(shop, users):
    _case_in(C.CONFIRMED, shop, major=True, report_due=date(2025, 10, 11), reported_at=timezone.now())
    _case_in(C.CONFIRMED, shop)
    assert svc.risk_deadlines(today=date(2025, 10, 9)) == {"day": "2025-10-09", "reminded": 0, "overdue": 0}


@pytest.mark.django_db
def test_a_second_analyst_can_be_assigned(case, users):
    second = make_user(roles=[ANALYST])
    svc.case_assign(actor=users[MANAGER], case=case, assignee=second)
    assert RiskCase.objects.get(pk=case.pk).assigned_to == second


@pytest.mark.django_db
def test_evidence_file_downloads_audited_for_staff_who_read_cases_and_auditors(case, clients, users):
    """The file comes back as stored (decrypted), each download is audited; a merchant, another case's number and
    a note are refused."""
    from django.urls import reverse

    item = svc.case_attach_file(actor=users[ANALYST], case=case, uploaded_file=_png())
    note = svc.case_add_note(actor=users[ANALYST], case=case, text="Called the merchant.")
    original = _png().read()
    for who, area in ((ANALYST, "ops"), (COMPLIANCE, "ops"), ("auditor", "audit")):
        url = reverse(f"{area}:risk-case-evidence", kwargs={"pk": case.pk, "evidence_pk": item.pk})
        response = clients[who].get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == original
        assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="risk_case.evidence_downloaded", target_id=str(case.pk)).count() == 3
    url = reverse("ops:risk-case-evidence", kwargs={"pk": case.pk, "evidence_pk": item.pk})
    assert clients["merchant_a"].get(url).status_code in {403, 404}
    assert clients[roles.FIELD_ENGINEER].get(url).status_code == 403
    other = make_case(merchant=case.merchant, terminal=None)
    assert clients[ANALYST].get(reverse("ops:risk-case-evidence",
                                        kwargs={"pk": other.pk, "evidence_pk": item.pk})).status_code == 404
    assert clients[ANALYST].get(reverse("ops:risk-case-evidence",
                                        kwargs={"pk": case.pk, "evidence_pk": note.pk})).status_code == 404
    page = clients[ANALYST].get(reverse("ops:risk-case-detail", kwargs={"pk": case.pk})).content.decode()
    assert url in page
