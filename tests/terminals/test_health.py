"""Terminal health: active terminals silent for N days get one open stale flag (reruns add none) that clears
when the terminal is seen again; a transaction far from the installation address opens a location flag and
tells risk analysts once; staff clear flags with a note; the list keeps a constant number of queries."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent, JobRun, Notification
from terminals.models import HealthFlag, Terminal
from terminals.services import health as svc
from terminals.tasks import terminals_flag_stale as stale_task
from tests.terminals.factories import make_terminal

pytestmark = pytest.mark.django_db
T = Terminal.Status
K = HealthFlag.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 3, 20)
# The Bund, Shanghai; a shop 1.5 km away; Tiananmen, Beijing (about 1,070 km).
BUND = (Decimal("31.240000"), Decimal("121.490000"))
NEARBY = (Decimal("31.230000"), Decimal("121.478000"))
BEIJING = (Decimal("39.908700"), Decimal("116.397500"))


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def active(merchant, **fields) -> Terminal:
    return make_terminal(status=T.ACTIVE, merchant=merchant, **fields)


@pytest.fixture
def placed(merchant_a):
    return active(merchant_a, install_latitude=BUND[0], install_longitude=BUND[1],
                  last_transaction_at=at(TODAY - timedelta(days=2)))


# --- stale ------------------------------------------------------------------------------------

def test_stale_job_flags_silent_active_terminals_once(merchant_a, settings):
    settings.ACQUIRER_TERMINAL_STALE_DAYS = 7
    silent = active(merchant_a, last_sign_in_at=at(TODAY - timedelta(days=8)),
                    last_transaction_at=at(TODAY - timedelta(days=9)))
    recent = active(merchant_a, last_sign_in_at=at(TODAY - timedelta(days=30)),
                    last_transaction_at=at(TODAY - timedelta(days=1)))
    edge = active(merchant_a, last_transaction_at=at(TODAY - timedelta(days=7)))
    make_terminal(status=T.SUSPENDED, merchant=merchant_a, last_transaction_at=at(TODAY - timedelta(days=60)))
    first = svc.terminals_flag_stale(today=TODAY)
    second = svc.terminals_flag_stale(today=TODAY)
    assert first["flagged"] == 1 and second["flagged"] == 0 and second["already_flagged"] == 1
    flag = HealthFlag.objects.get()
    assert flag.terminal == silent and flag.kind == K.STALE and flag.merchant_id == merchant_a.pk
    assert flag.details["days_silent"] == 8 and flag.details["last_activity"] == (TODAY - timedelta(days=8)).isoformat()
    assert not HealthFlag.objects.filter(terminal__in=[recent, edge]).exists()
    assert AuditEvent.objects.filter(action="health.flagged", target_id=str(flag.pk)).count() == 1


def test_never_seen_terminal_counts_from_rent_start(merchant_a):
    old = active(merchant_a, rent_start=TODAY - timedelta(days=40))
    new = active(merchant_a, rent_start=TODAY - timedelta(days=2))
    svc.terminals_flag_stale(today=TODAY)
    assert list(HealthFlag.objects.values_list("terminal_id", flat=True)) == [old.pk]
    assert not new.health_flags.exists()


def test_stale_flag_clears_itself_when_the_terminal_is_seen_again(merchant_a):
    terminal = active(merchant_a, last_sign_in_at=at(TODAY - timedelta(days=20)))
    svc.terminals_flag_stale(today=TODAY)
    flag = HealthFlag.objects.get()
    svc.terminal_report_activity(terminal=terminal, at=at(TODAY, 9), kind="sign_in")
    flag.refresh_from_db()
    terminal.refresh_from_db()
    assert flag.cleared_at is not None and flag.cleared_by is None
    assert terminal.last_sign_in_at == at(TODAY, 9) and terminal.last_seen_at == at(TODAY, 9)
    assert svc.terminals_flag_stale(today=TODAY)["flagged"] == 0
    # silent again later: a new flag (the old one stays closed)
    assert svc.terminals_flag_stale(today=TODAY + timedelta(days=30))["flagged"] == 1
    assert HealthFlag.objects.filter(terminal=terminal).count() == 2


def test_stale_job_closes_flags_of_terminals_seen_since(merchant_a):
    terminal = active(merchant_a, last_transaction_at=at(TODAY - timedelta(days=20)))
    svc.terminals_flag_stale(today=TODAY)
    Terminal.objects.filter(pk=terminal.pk).update(last_transaction_at=at(TODAY))  # reported by another path
    assert svc.terminals_flag_stale(today=TODAY)["cleared"] == 1
    assert not HealthFlag.objects.filter(cleared_at__isnull=True).exists()


def test_stale_task_records_its_run(merchant_a):
    active(merchant_a, last_transaction_at=timezone.now() - timedelta(days=60))
    stale_task.apply()
    stale_task.apply()
    runs = list(JobRun.objects.filter(job="terminals.health_check").order_by("id"))
    assert [r.counts["flagged"] for r in runs] == [1, 0] and runs[1].counts["already_flagged"] == 1


def test_activity_never_moves_last_seen_backwards(placed):
    svc.terminal_report_activity(terminal=placed, at=at(TODAY, 12))
    svc.terminal_report_activity(terminal=placed, at=at(TODAY, 8))
    placed.refresh_from_db()
    assert placed.last_transaction_at == at(TODAY, 12) and placed.last_seen_at == at(TODAY, 12)
    with pytest.raises(DomainError, match="Unknown activity"):
        svc.terminal_report_activity(terminal=placed, at=at(TODAY), kind="reboot")


# --- location ---------------------------------------------------------------------------------

def test_haversine_distance_shanghai_beijing():
    assert 1050 < svc.haversine_km(*BUND, *BEIJING) < 1090
    assert svc.haversine_km(*BUND, *NEARBY) < 5


def test_transaction_far_from_installation_opens_a_location_flag_and_tells_risk_once(placed, users):
    flag = svc.terminal_report_activity(terminal=placed, at=at(TODAY), latitude=BEIJING[0], longitude=BEIJING[1])
    assert flag is not None and flag.kind == K.LOCATION and flag.merchant_id == placed.merchant_id
    assert 1050 < float(flag.details["distance_km"]) < 1090
    again = svc.terminal_report_activity(terminal=placed, at=at(TODAY, 11), latitude=BEIJING[0],
                                         longitude=BEIJING[1])
    assert again is None and HealthFlag.objects.filter(kind=K.LOCATION).count() == 1
    notes = Notification.objects.filter(kind="terminal.location_flag")
    assert list(notes.values_list("recipient", flat=True)) == [users[roles.RISK_ANALYST].pk]
    assert placed.serial_number in notes.get().title


def test_transaction_near_installation_raises_no_flag(placed):
    assert svc.terminal_report_activity(terminal=placed, at=at(TODAY), latitude=NEARBY[0],
                                        longitude=NEARBY[1]) is None
    assert not HealthFlag.objects.exists()


def test_no_location_flag_without_install_coordinates(merchant_a):
    terminal = active(merchant_a)
    assert svc.terminal_report_activity(terminal=terminal, at=at(TODAY), latitude=BEIJING[0],
                                        longitude=BEIJING[1]) is None
    with pytest.raises(DomainError, match="out of range"):
        svc.terminal_report_activity(terminal=active(merchant_a, install_latitude=BUND[0],
                                                     install_longitude=BUND[1]), at=at(TODAY), latitude=95,
                                     longitude=0)


# --- clearing by staff and the list -----------------------------------------------------------

def test_health_flag_clear_needs_activation_or_field_work(placed, users):
    flag = svc.terminal_report_activity(terminal=placed, at=at(TODAY), latitude=BEIJING[0], longitude=BEIJING[1])
    for role in (roles.CUSTOMER_SERVICE, roles.COMPLIANCE_OFFICER):
        with pytest.raises(NotPermitted):
            svc.health_flag_clear(actor=users[role], flag=flag, note="checked")
    with pytest.raises(DomainError, match="at least 3"):
        svc.health_flag_clear(actor=users[roles.RISK_ANALYST], flag=flag, note="ok")
    svc.health_flag_clear(actor=users[roles.RISK_ANALYST], flag=flag, note="Merchant at a trade fair in Beijing")
    flag.refresh_from_db()
    assert flag.cleared_by == users[roles.RISK_ANALYST] and flag.clear_note.startswith("Merchant at")
    assert AuditEvent.objects.get(action="health.cleared", target_id=str(flag.pk)).data["terminal"] == placed.pk
    with pytest.raises(DomainError, match="already cleared"):
        svc.health_flag_clear(actor=users[roles.FIELD_ENGINEER], flag=flag, note="again")


def test_health_list_and_clear_views(clients, placed):
    flag = svc.terminal_report_activity(terminal=placed, at=at(TODAY), latitude=BEIJING[0], longitude=BEIJING[1])
    page = clients[roles.FIELD_ENGINEER].get(reverse("ops:health-list")).content.decode()
    assert placed.serial_number in page and "km away" in page and "ops/terminals/health/" in page
    service = clients[roles.CUSTOMER_SERVICE]
    assert 'name="note"' not in service.get(reverse("ops:health-list")).content.decode()
    refused = service.post(reverse("ops:health-clear", kwargs={"pk": flag.pk}), {"note": "seen"}, follow=True)
    assert "Your role does not allow this action." in refused.content.decode()
    response = clients[roles.FIELD_ENGINEER].post(reverse("ops:health-clear", kwargs={"pk": flag.pk}),
                                                  {"note": "Visited: moved with the shop"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.cleared_at is not None
    assert f'id="flag-{flag.pk}"' not in clients[roles.FIELD_ENGINEER].get(reverse("ops:health-list")).content.decode()
    assert clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:health-list")).status_code == 403


def test_health_list_keeps_a_constant_number_of_queries(clients, merchant_a, django_assert_max_num_queries):
    client = clients[roles.RISK_ANALYST]
    active(merchant_a, last_transaction_at=at(TODAY - timedelta(days=30)))
    svc.terminals_flag_stale(today=TODAY)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("ops:health-list"))
    for _ in range(6):
        active(merchant_a, last_transaction_at=at(TODAY - timedelta(days=30)))
    svc.terminals_flag_stale(today=TODAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:health-list"))
    assert response.context["count"].value == 7
