"""Firmware: versions per model (digits and dots, unique per model), upgrade campaigns over ``CAMPAIGN_MOVES``,
per-terminal outcomes by hand or from the management system's report (every bad row reported, nothing saved),
and the terminals below their model's minimum compared numerically."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent
from terminals.models import CampaignTarget, FirmwareCampaign, FirmwareVersion, Terminal
from terminals.selectors.firmware import terminals_below_minimum, version_key
from terminals.services import firmware as svc
from terminals.workflow import CAMPAIGN_MOVES
from tests.terminals.factories import make_model, make_terminal

pytestmark = pytest.mark.django_db
T = Terminal.Status
F = FirmwareCampaign.Status
OUT = CampaignTarget.Outcome


@pytest.fixture
def manager(users):
    return users[roles.OPERATIONS_MANAGER]


@pytest.fixture
def model(db):
    return make_model(brand="PAX", name="A920", min_firmware="1.9.2")


@pytest.fixture
def firmware(model, manager):
    return svc.firmware_version_add(actor=manager, model=model, version="1.10.0",
                                    released_on=timezone.localdate() - timedelta(days=3), release_notes="Fixes")


def plan(manager, firmware, terminals, *, name="Spring upgrade", days=7) -> FirmwareCampaign:
    now = timezone.now()
    return svc.campaign_create(actor=manager, name=name, firmware=firmware, window_start=now,
                               window_end=now + timedelta(days=days), terminals=terminals)


def running(manager, firmware, terminals) -> FirmwareCampaign:
    return svc.campaign_start(actor=manager, campaign=plan(manager, firmware, terminals))


def csv_file(text: str, name="report.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# --- versions ---------------------------------------------------------------------------------

def test_firmware_version_add_is_audited_and_unique_per_model(model, manager, firmware):
    assert firmware.version == "1.10.0" and firmware.created_by == manager
    assert AuditEvent.objects.filter(action="firmware.added", target_id=str(firmware.pk)).exists()
    with pytest.raises(DomainError, match=r"Version 1.10.0 of PAX A920 is already registered"):
        svc.firmware_version_add(actor=manager, model=model, version="1.10.0", released_on=timezone.localdate())
    other = make_model(brand="PAX", name="S300")
    assert svc.firmware_version_add(actor=manager, model=other, version="1.10.0", released_on=timezone.localdate())


@pytest.mark.parametrize("version", ["", "v1.2", "1..2", "1.2.", "1.2-beta", "abc"])
def test_firmware_version_must_be_digits_and_dots(model, manager, version):
    with pytest.raises(DomainError, match="digits separated by dots"):
        svc.firmware_version_add(actor=manager, model=model, version=version, released_on=timezone.localdate())
    assert not FirmwareVersion.objects.exists()


def test_only_firmware_managers_add_versions(model, users):
    for role in (roles.FIELD_ENGINEER, roles.RISK_ANALYST, roles.COMPLIANCE_OFFICER):
        with pytest.raises(NotPermitted):
            svc.firmware_version_add(actor=users[role], model=model, version="2.0", released_on=timezone.localdate())


# --- campaigns --------------------------------------------------------------------------------

def test_campaign_create_targets_each_terminal_with_its_merchant(merchant_a, manager, model, firmware):
    placed = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model)
    stock = make_terminal(model=model)
    campaign = plan(manager, firmware, [placed, stock, placed])
    assert campaign.status == F.PLANNED
    targets = {t.terminal_id: t for t in campaign.targets.all()}
    assert set(targets) == {placed.pk, stock.pk}
    assert targets[placed.pk].merchant_id == merchant_a.pk and targets[stock.pk].merchant_id is None
    assert all(t.outcome == OUT.PENDING for t in targets.values())
    event = AuditEvent.objects.get(action="campaign.created", target_id=str(campaign.pk))
    assert sorted(event.data["terminals"]) == sorted([placed.pk, stock.pk])


def test_campaign_create_refuses_other_models_and_unplaceable_terminals(manager, model, firmware):
    wrong_model = make_terminal(model=make_model(brand="Newland", name="N910"))
    retired = make_terminal(status=T.RETIRED, model=model)
    repair = make_terminal(status=T.UNDER_REPAIR, model=model)
    with pytest.raises(DomainError, match=rf"{wrong_model.serial_number} is a Newland N910, not a PAX A920"):
        plan(manager, firmware, [wrong_model])
    with pytest.raises(DomainError, match=rf"{retired.serial_number} is Retired"):
        plan(manager, firmware, [retired])
    with pytest.raises(DomainError, match=rf"{repair.serial_number} is Under repair"):
        plan(manager, firmware, [repair])
    with pytest.raises(DomainError, match="at least one terminal"):
        plan(manager, firmware, [])
    with pytest.raises(DomainError, match="must end after it starts"):
        plan(manager, firmware, [make_terminal(model=model)], days=-1)
    assert not FirmwareCampaign.objects.exists()


MOVE = {F.RUNNING: svc.campaign_start, F.FINISHED: svc.campaign_finish, F.CANCELLED: svc.campaign_cancel}


@pytest.mark.parametrize("source", list(F))
@pytest.mark.parametrize("target", [F.RUNNING, F.FINISHED, F.CANCELLED])
def test_campaign_moves_follow_the_table_both_ways(manager, model, firmware, source, target):
    campaign = plan(manager, firmware, [make_terminal(model=model)])
    FirmwareCampaign.objects.filter(pk=campaign.pk).update(status=source)
    if target in CAMPAIGN_MOVES[source]:
        MOVE[target](actor=manager, campaign=campaign)
        campaign.refresh_from_db()
        assert campaign.status == target
        assert AuditEvent.objects.filter(target_id=str(campaign.pk), action__startswith="campaign.",
                                         after={"status": str(target)}).exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            MOVE[target](actor=manager, campaign=campaign)
        campaign.refresh_from_db()
        assert campaign.status == source


def test_campaign_cannot_start_after_its_window(manager, model, firmware):
    campaign = plan(manager, firmware, [make_terminal(model=model)])
    FirmwareCampaign.objects.filter(pk=campaign.pk).update(window_start=timezone.now() - timedelta(days=9),
                                                           window_end=timezone.now() - timedelta(days=1))
    with pytest.raises(DomainError, match="already ended"):
        svc.campaign_start(actor=manager, campaign=campaign)


# --- outcomes ---------------------------------------------------------------------------------

def test_recording_success_sets_the_terminals_firmware_and_audits_it(merchant_a, manager, model, firmware):
    terminal = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model, firmware_version="1.9.2")
    campaign = running(manager, firmware, [terminal])
    target = campaign.targets.get()
    svc.campaign_record_outcome(actor=manager, target=target, outcome=OUT.SUCCEEDED, detail="rebooted")
    terminal.refresh_from_db()
    target.refresh_from_db()
    assert terminal.firmware_version == "1.10.0" and target.outcome == OUT.SUCCEEDED
    assert target.recorded_by == manager and target.detail == "rebooted"
    event = AuditEvent.objects.get(action="terminal.firmware_updated", target_id=str(terminal.pk))
    assert event.before == {"firmware_version": "1.9.2"} and event.data["campaign"] == campaign.pk
    recorded = AuditEvent.objects.get(action="campaign.outcome_recorded")
    assert recorded.data["terminal"] == terminal.pk and recorded.after["outcome"] == OUT.SUCCEEDED
    with pytest.raises(DomainError, match="already upgraded"):
        svc.campaign_record_outcome(actor=manager, target=target, outcome=OUT.FAILED)


def test_failure_keeps_the_firmware_and_outcomes_need_a_running_campaign(manager, model, firmware):
    terminal = make_terminal(model=model, firmware_version="1.2.0")
    campaign = plan(manager, firmware, [terminal])
    target = campaign.targets.get()
    with pytest.raises(DomainError, match="while the campaign is running"):
        svc.campaign_record_outcome(actor=manager, target=target, outcome=OUT.FAILED)
    svc.campaign_start(actor=manager, campaign=campaign)
    with pytest.raises(DomainError, match="not an outcome"):
        svc.campaign_record_outcome(actor=manager, target=target, outcome=OUT.PENDING)
    svc.campaign_record_outcome(actor=manager, target=target, outcome=OUT.FAILED, detail="battery low")
    terminal.refresh_from_db()
    assert terminal.firmware_version == "1.2.0"
    assert CampaignTarget.objects.get(pk=target.pk).outcome == OUT.FAILED


def test_import_report_applies_every_row(merchant_a, manager, model, firmware):
    a = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model)
    b = make_terminal(model=model)
    campaign = running(manager, firmware, [a, b])
    text = f"serial_number,outcome,detail\n{a.serial_number},succeeded,ok\n{b.serial_number},FAILED,no signal\n"
    report = svc.campaign_import_report(actor=manager, campaign=campaign, uploaded_file=csv_file("\ufeff" + text))
    assert report.saved and report.changed == 2
    outcomes = dict(campaign.targets.values_list("terminal_id", "outcome"))
    assert outcomes == {a.pk: OUT.SUCCEEDED, b.pk: OUT.FAILED}
    a.refresh_from_db()
    assert a.firmware_version == "1.10.0"
    assert AuditEvent.objects.filter(action="campaign.report_imported", target_id=str(campaign.pk)).exists()


def test_import_report_with_bad_rows_reports_each_and_saves_nothing(manager, model, firmware):
    a, b = make_terminal(model=model), make_terminal(model=model)
    outsider = make_terminal(model=model)
    campaign = running(manager, firmware, [a, b])
    text = ("serial_number,outcome,detail\n"
            f"{a.serial_number},succeeded,ok\n"
            "SN-NOPE,succeeded,\n"
            f"{outsider.serial_number},failed,\n"
            f"{b.serial_number},maybe,\n"
            f"{a.serial_number},failed,again\n")
    events = AuditEvent.objects.count()
    report = svc.campaign_import_report(actor=manager, campaign=campaign, uploaded_file=csv_file(text))
    assert not report.saved and not report.ok
    errors = {row.line: " ".join(row.errors) for row in report.bad_rows}
    assert set(errors) == {3, 4, 5, 6}
    assert "Unknown serial number SN-NOPE" in errors[3]
    assert f"{outsider.serial_number} is not part of this campaign" in errors[4]
    assert "“maybe” is not an outcome" in errors[5]
    assert "already appears on line 2" in errors[6]
    assert set(campaign.targets.values_list("outcome", flat=True)) == {OUT.PENDING}
    a.refresh_from_db()
    assert a.firmware_version == "1.2.0" and AuditEvent.objects.count() == events


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("serial,result\nSN1,succeeded\n", "missing: serial_number, outcome"),
    ("serial_number,outcome,detail\n", "no rows"),
])
def test_import_report_refuses_unusable_files(manager, model, firmware, text, message):
    campaign = running(manager, firmware, [make_terminal(model=model)])
    report = svc.campaign_import_report(actor=manager, campaign=campaign, uploaded_file=csv_file(text))
    assert not report.saved and message in " ".join(report.file_errors)


# --- below minimum ----------------------------------------------------------------------------

def test_version_comparison_is_numeric():
    assert version_key("1.10.0") > version_key("1.9.2")
    assert version_key("1.2") == version_key("1.2.0")
    assert version_key("2.0.1") > version_key("2.0")
    assert version_key("") < version_key("0.1")


def test_terminals_below_minimum_compare_versions_numerically(merchant_a, manager, model):
    low = make_terminal(model=model, firmware_version="1.9.1")
    lexically_low = make_terminal(model=model, firmware_version="1.10.0")  # "1.10.0" < "1.9.2" as text
    exact = make_terminal(model=model, firmware_version="1.9.2")
    unknown = make_terminal(model=model, firmware_version="")
    retired = make_terminal(status=T.RETIRED, model=model, firmware_version="0.1")
    placed = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model, firmware_version="1.2.0")
    below = {t.pk for t in terminals_below_minimum(actor=manager)}
    assert below == {low.pk, unknown.pk, placed.pk}
    assert not below & {lexically_low.pk, exact.pk, retired.pk}
    assert terminals_below_minimum(actor=make_merchant_actor(merchant_a)) == [placed]


def make_merchant_actor(merchant):
    from tests.factories import make_merchant_user

    return make_merchant_user(merchant, username=f"fw{merchant.pk}")


# --- views ------------------------------------------------------------------------------------

def test_firmware_page_lists_versions_campaigns_and_terminals_below_minimum(clients, manager, model, firmware):
    make_terminal(model=model, firmware_version="1.9.1", serial_number="SNLOWFW01")
    plan(manager, firmware, [make_terminal(model=model)], name="Lunar rollout")
    for client, area in ((clients[roles.OPERATIONS_MANAGER], "ops"), (clients["auditor"], "audit")):
        page = client.get(reverse(f"{area}:firmware-list")).content.decode()
        assert "1.10.0" in page and "Lunar rollout" in page and "SNLOWFW01" in page
    compliance = clients[roles.COMPLIANCE_OFFICER].get(reverse("ops:firmware-list")).content.decode()
    assert 'id="firmware-add-form"' not in compliance


def test_firmware_page_adds_a_version_and_shows_a_clear_error(clients, model, firmware):
    client = clients[roles.OPERATIONS_MANAGER]
    data = {"model": model.pk, "version": "2.0.0", "released_on": timezone.localdate().isoformat(),
            "release_notes": "New EMV kernel"}
    assert client.post(reverse("ops:firmware-list"), data).status_code == 302
    assert FirmwareVersion.objects.filter(model=model, version="2.0.0").exists()
    again = client.post(reverse("ops:firmware-list"), data)
    assert "Version 2.0.0 of PAX A920 is already registered" in again.content.decode()
    assert clients[roles.COMPLIANCE_OFFICER].post(reverse("ops:firmware-list"), data).status_code == 403


def test_firmware_page_keeps_a_constant_number_of_queries(clients, manager, model, firmware,
                                                          django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    plan(manager, firmware, [make_terminal(model=model, firmware_version="1.0")])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("ops:firmware-list"))
    for n in range(4):
        other = make_model(brand="Ingenico", name=f"Move{n}", min_firmware="3.0")
        version = svc.firmware_version_add(actor=manager, model=other, version="3.1", released_on=timezone.localdate())
        plan(manager, version, [make_terminal(model=other, firmware_version="2.9") for _ in range(3)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("ops:firmware-list"))


def test_campaign_create_view_by_serial_numbers_or_all_below(clients, merchant_a, model, firmware):
    client = clients[roles.OPERATIONS_MANAGER]
    a = make_terminal(model=model, firmware_version="1.0")
    b = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model, firmware_version="1.9")
    make_terminal(model=model, firmware_version="1.10.0")  # already there
    now = timezone.localtime()
    data = {"name": "Autumn", "firmware": firmware.pk, "window_start": now.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}
    unknown = client.post(reverse("ops:campaign-create"), {**data, "serial_numbers": f"{a.serial_number}\nSN-X"})
    assert "Unknown serial numbers: SN-X" in unknown.content.decode()
    response = client.post(reverse("ops:campaign-create"), {**data, "all_below": "on"})
    campaign = FirmwareCampaign.objects.get(name="Autumn")
    assert response["Location"] == reverse("ops:campaign-detail", kwargs={"pk": campaign.pk})
    assert set(campaign.targets.values_list("terminal_id", flat=True)) == {a.pk, b.pk}
    client.post(reverse("ops:campaign-create"), {**data, "name": "Single", "serial_numbers": a.serial_number})
    assert FirmwareCampaign.objects.get(name="Single").targets.get().terminal == a


def test_campaign_detail_outcome_and_import_views(clients, manager, model, firmware):
    client = clients[roles.OPERATIONS_MANAGER]
    a, b = make_terminal(model=model), make_terminal(model=model)
    campaign = plan(manager, firmware, [a, b])
    detail = reverse("ops:campaign-detail", kwargs={"pk": campaign.pk})
    client.post(reverse("ops:campaign-start", kwargs={"pk": campaign.pk}))
    target = campaign.targets.get(terminal=a)
    client.post(reverse("ops:campaign-outcome", kwargs={"pk": target.pk}), {"outcome": "failed", "detail": "timeout"})
    target.refresh_from_db()
    assert target.outcome == OUT.FAILED and target.detail == "timeout"
    bad = client.post(reverse("ops:campaign-import", kwargs={"pk": campaign.pk}),
                      {"report": csv_file("serial_number,outcome\nSN-NOPE,succeeded\n")})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "Nothing was saved." in body and "Unknown serial number SN-NOPE" in body
    good = client.post(reverse("ops:campaign-import", kwargs={"pk": campaign.pk}),
                       {"report": csv_file(f"serial_number,outcome\n{a.serial_number},succeeded\n"
                                           f"{b.serial_number},succeeded\n")})
    assert good["Location"] == detail
    assert set(campaign.targets.values_list("outcome", flat=True)) == {OUT.SUCCEEDED}
    client.post(reverse("ops:campaign-finish", kwargs={"pk": campaign.pk}))
    campaign.refresh_from_db()
    assert campaign.status == F.FINISHED
    audit_page = clients["auditor"].get(reverse("audit:campaign-detail", kwargs={"pk": campaign.pk})).content.decode()
    assert a.serial_number in audit_page and "campaign-outcome" not in audit_page


def test_campaign_cancel_view_needs_a_reason(clients, manager, model, firmware):
    client = clients[roles.OPERATIONS_MANAGER]
    campaign = plan(manager, firmware, [make_terminal(model=model)])
    url = reverse("ops:campaign-cancel", kwargs={"pk": campaign.pk})
    client.post(url, {"reason": ""})
    campaign.refresh_from_db()
    assert campaign.status == F.PLANNED
    client.post(url, {"reason": "supplier recalled the build"})
    campaign.refresh_from_db()
    assert campaign.status == F.CANCELLED
    event = AuditEvent.objects.get(action="campaign.cancelled", target_id=str(campaign.pk))
    assert event.data["reason"] == "supplier recalled the build"


def test_campaign_detail_keeps_a_constant_number_of_queries(clients, merchant_a, manager, model, firmware,
                                                            django_assert_max_num_queries):
    client = clients[roles.OPERATIONS_MANAGER]
    campaign = running(manager, firmware, [make_terminal(model=model)])
    url = reverse("ops:campaign-detail", kwargs={"pk": campaign.pk})
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    terminals = [make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model) for _ in range(6)]
    CampaignTarget.objects.bulk_create([CampaignTarget(campaign=campaign, terminal=t, merchant=merchant_a)
                                        for t in terminals])
    for target in campaign.targets.all()[:3]:
        svc.campaign_record_outcome(actor=manager, target=target, outcome=OUT.SUCCEEDED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_firmware_views_are_for_firmware_managers(clients, manager, model, firmware):
    campaign = plan(manager, firmware, [make_terminal(model=model)])
    for role in (roles.FIELD_ENGINEER, roles.RISK_ANALYST, roles.CUSTOMER_SERVICE, roles.COMPLIANCE_OFFICER):
        client = clients[role]
        assert client.get(reverse("ops:firmware-list")).status_code == 200
        assert client.get(reverse("ops:campaign-create")).status_code == 403
        assert client.post(reverse("ops:campaign-start", kwargs={"pk": campaign.pk})).status_code == 403
    assert clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:firmware-list")).status_code == 403
    assert clients["merchant_a"].get(reverse("ops:firmware-list")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == F.PLANNED
