"""Each early-warning figure moves when its underlying condition is created through the owning app's real
services, and its "Open the list" link shows that very row (and not a row outside the condition)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from tests.compliance.warning_support import count_of, figure
from tests.factories import make_user
from tests.terminals.factories import make_live_merchant, make_terminal

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MANAGER = roles.OPERATIONS_MANAGER


@pytest.fixture
def client(clients):
    """An operations manager: reads the page and every list behind it."""
    return clients[MANAGER]


def _list(client, link: str) -> str:
    response = client.get(link)
    assert response.status_code == 200, link
    return response.content.decode()


# --- merchants --------------------------------------------------------------------------------------------------

def test_merchants_overdue_for_inspection(client, clients, users, merchant_a, merchant_b):
    from merchants.services.inspections import inspection_schedule

    key = "merchants.inspection_overdue"
    before = count_of(client, key)
    today = timezone.localdate()
    late = make_live_merchant(merchant_a, users[MANAGER])
    on_time = make_live_merchant(merchant_b, users[MANAGER])
    inspection_schedule(merchant=on_time, from_date=today)  # due in months
    assert count_of(client, key) == before
    inspection_schedule(merchant=late, from_date=today - timedelta(days=400))  # due months ago
    count, link = figure(client, key)
    assert int(count) == before + 1
    assert link == f"{reverse('ops:inspection-list')}?overdue=1"
    page = _list(client, link)
    assert f'data-merchant="{late.pk}"' in page and f'data-merchant="{on_time.pk}"' not in page
    # the auditors' link shows the same row in the audit area
    audit_page = _list(clients["auditor"], f"{reverse('audit:inspection-list')}?overdue=1")
    assert f'data-merchant="{late.pk}"' in audit_page and f'data-merchant="{on_time.pk}"' not in audit_page
    whole = _list(client, reverse("ops:inspection-list"))
    assert f'data-merchant="{on_time.pk}"' in whole  # the unfiltered plan still lists everyone


def test_merchants_with_kyc_documents_expiring(client, users, merchant_a, merchant_b, settings, tmp_path):
    from merchants.models import MerchantDocument
    from merchants.services.documents import document_decide, document_upload
    from tests.merchants.kyc_data import pdf_file

    settings.MEDIA_ROOT = tmp_path / "media"
    key = "merchants.kyc_expiring"
    before = count_of(client, key)
    today = timezone.localdate()
    soon = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="business_licence",
                           uploaded_file=pdf_file(), expires_on=today + timedelta(days=20))
    later = document_upload(actor=users["merchant_b"], merchant=merchant_b, kind="business_licence",
                            uploaded_file=pdf_file(), expires_on=today + timedelta(days=400))
    assert count_of(client, key) == before  # not yet accepted: nothing to warn about
    reviewer = users[roles.ONBOARDING_REVIEWER]
    document_decide(actor=reviewer, document=later, decision=MerchantDocument.Decision.ACCEPTED)
    assert count_of(client, key) == before
    document_decide(actor=reviewer, document=soon, decision=MerchantDocument.Decision.ACCEPTED)
    count, link = figure(client, key)
    assert int(count) == before + 1
    page = _list(client, link)
    assert merchant_a.legal_name in page and merchant_b.legal_name not in page
    assert 'id="attention-filter"' in page


def test_high_risk_merchants_without_an_inspection_this_year(client, users, merchant_a, merchant_b):
    from merchants.services.applications import merchant_risk_override

    key = "merchants.high_risk_uninspected"
    before = count_of(client, key)
    merchant = make_live_merchant(merchant_a, users[MANAGER])
    make_live_merchant(merchant_b, users[MANAGER])
    assert count_of(client, key) == before
    merchant_risk_override(actor=users[roles.RISK_ANALYST], merchant=merchant, level="high",
                           reason="Cash-out pattern seen by the bank")
    count, link = figure(client, key)
    assert int(count) == before + 1
    page = _list(client, link)
    assert merchant_a.legal_name in page and merchant_b.legal_name not in page


# --- terminals --------------------------------------------------------------------------------------------------

def test_terminals_with_health_flags_open_over_a_week(client, merchant_a):
    from terminals.models import HealthFlag, Terminal
    from terminals.services.health import terminals_flag_stale

    key = "terminals.health_flags_open"
    before = count_of(client, key)
    long_ago = timezone.now() - timedelta(days=60)
    old = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a, last_transaction_at=long_ago)
    eight_days_ago = timezone.now() - timedelta(days=8)
    with time_machine.travel(eight_days_ago, tick=False):
        terminals_flag_stale(today=timezone.localdate())
    recent = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant_a, last_transaction_at=long_ago)
    terminals_flag_stale(today=timezone.localdate())  # flags the second terminal today
    old_flag = HealthFlag.objects.get(terminal=old)
    new_flag = HealthFlag.objects.get(terminal=recent)
    count, link = figure(client, key)
    assert int(count) == before + 1
    assert link == f"{reverse('ops:health-list')}?open_days=7"
    page = _list(client, link)
    assert f'id="flag-{old_flag.pk}"' in page and f'id="flag-{new_flag.pk}"' not in page


# --- complaints -------------------------------------------------------------------------------------------------

def test_complaint_sla_breaches_this_month(client, users):
    from complaints.services.sla import complaints_check_sla
    from tests.complaints.factories import hotline_complaint

    key = "complaints.sla_breached_month"
    with time_machine.travel(datetime(2026, 3, 16, 10, tzinfo=SHANGHAI)):
        complaint = hotline_complaint(users[roles.CUSTOMER_SERVICE])
    with time_machine.travel(datetime(2026, 3, 23, 10, tzinfo=SHANGHAI)):
        before = count_of(client, key)
        complaints_check_sla()  # stamps the breach of both clocks (a week without an answer)
        complaint.refresh_from_db()
        assert complaint.first_response_breached_at is not None
        count, link = figure(client, key)
        assert int(count) == before + 1
        assert link == f"{reverse('ops:complaint-list')}?sla=breached_month"
        page = _list(client, link)
        assert f'data-number="{complaint.number}"' in page
    with time_machine.travel(datetime(2026, 4, 2, 10, tzinfo=SHANGHAI)):
        # a new month: last month's breach no longer counts
        assert count_of(client, key) == before
        assert f'data-number="{complaint.number}"' not in _list(client, link)


# --- transactions -----------------------------------------------------------------------------------------------

def test_reconciliation_breaks_older_than_three_days(client, users, merchant_a):
    from tests.transactions.factories import live_merchant_with_terminal, make_transaction
    from tests.transactions.recon_factories import make_ingest_file
    from transactions.models import ReconException
    from transactions.services.recon import recon_start

    key = "transactions.recon_breaks_old"
    before = count_of(client, key)
    merchant, terminal = live_merchant_with_terminal(merchant_a, users[MANAGER])
    day = timezone.localdate() - timedelta(days=6)
    make_ingest_file(business_date=day)
    make_transaction(merchant=merchant, terminal=terminal, local_date=day, rrn="WARN00000001", amount_minor=250000)
    recon_start(side="clearing", business_date=day, chunks=1, wait=True)
    found = ReconException.objects.get(rrn="WARN00000001")
    link = figure(client, key)[1]
    assert link == f"{reverse('ops:recon-exception-list')}?status=unresolved&age=3"
    # a break found today is not old yet
    assert count_of(client, key) == before
    assert f'id="recon-exception-{found.pk}"' not in _list(client, link)
    # the run stamps the break with the database's clock: age it as five days passing would
    ReconException.objects.filter(pk=found.pk).update(created_at=timezone.now() - timedelta(days=5))
    assert count_of(client, key) == before + 1
    assert f'id="recon-exception-{found.pk}"' in _list(client, link)


def test_risk_reports_past_or_near_their_deadline(client, users, merchant_a):
    from tests.transactions.risk_factories import make_case
    from transactions.models import RiskCase
    from transactions.services.risk_cases import case_decide

    key = "transactions.risk_reports_due"
    before = count_of(client, key)
    analyst = users[roles.RISK_ANALYST]
    overdue = make_case(merchant=merchant_a, status=RiskCase.Status.INVESTIGATING)
    minor = make_case(merchant=merchant_a, status=RiskCase.Status.INVESTIGATING)
    with time_machine.travel(timezone.now() - timedelta(days=12), tick=False):
        case_decide(actor=analyst, case=overdue, outcome="confirmed", reason="Cash-out confirmed", major=True)
        case_decide(actor=analyst, case=minor, outcome="confirmed", reason="Small and not major")
    overdue.refresh_from_db()
    assert overdue.report_due < timezone.localdate()
    count, link = figure(client, key)
    assert int(count) == before + 1
    assert link == f"{reverse('ops:risk-case-list')}?report=due"
    page = _list(client, link)
    assert f'id="risk-case-{overdue.pk}"' in page and f'id="risk-case-{minor.pk}"' not in page


# --- core -------------------------------------------------------------------------------------------------------

def test_accounts_disabled_for_inactivity(client, users):
    from acquirer.models import User
    from acquirer.services.users import user_disable, users_disable_inactive

    key = "acquirer.disabled_for_inactivity"
    before = count_of(client, key)
    idle = make_user(roles=[roles.CUSTOMER_SERVICE], username="idleclerk")
    fired = make_user(roles=[roles.CUSTOMER_SERVICE], username="leaver")
    user_disable(actor=users[MANAGER], user=fired, reason="Left the company")
    assert count_of(client, key) == before  # disabled by hand, not for inactivity
    User.objects.filter(pk=idle.pk).update(last_login=timezone.now() - timedelta(days=120))
    assert users_disable_inactive()["disabled"] == 1
    count, link = figure(client, key)
    assert int(count) == before + 1
    assert link == f"{reverse('ops:user-list')}?disabled=inactivity"
    page = _list(client, link)
    assert ">idleclerk<" in page and ">leaver<" not in page


def test_the_health_list_refuses_a_bad_age_with_a_form_error(client):
    page = _list(client, f"{reverse('ops:health-list')}?open_days=soon")
    assert "is-invalid" in page and 'aria-invalid="true"' in page
