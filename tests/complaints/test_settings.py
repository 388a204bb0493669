"""The complaint settings pages: taxonomy, root causes, SLA policies and canned responses — who may change them,
validation that reads clearly, audited changes with before and after, nothing ever deleted."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from acquirer.exceptions import NotPermitted
from acquirer.models import AuditEvent
from complaints.models import CannedResponse, Category, RootCause, SlaPolicy
from complaints.services.settings import SettingRefused, category_update, sla_policy_create, sla_policy_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def taxonomy(db):
    """The seeded taxonomy, root causes and SLA policies (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(django_apps, None)


@pytest.fixture
def lead(clients):
    return clients["customer_service_lead"]


def test_lead_adds_a_subcategory_in_both_languages_audited(lead, users):
    fees = Category.objects.get(code="fees")
    response = lead.post(reverse("ops:complaint-category-create"), {
        "code": "fees-refund-slow", "name_zh": "退费慢", "name_en": "Slow fee refund", "parent": fees.pk,
        "order": 30})
    assert response.status_code == 302
    created = Category.objects.get(code="fees-refund-slow")
    assert created.parent == fees and created.name_zh == "退费慢" and created.active
    event = AuditEvent.objects.get(action="complaint_category.created")
    assert event.after["name_en"] == "Slow fee refund" and event.actor_id == users["customer_service_lead"].pk


def test_renaming_and_deactivating_a_category_records_before_and_after(lead):
    service = Category.objects.get(code="service")
    response = lead.post(reverse("ops:complaint-category-edit", kwargs={"pk": service.pk}), {
        "name_zh": "服务质量", "name_en": "Service quality", "order": 40})  # "active" unticked
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name_en, service.active) == ("Service quality", False)
    event = AuditEvent.objects.get(action="complaint_category.changed")
    assert event.before == {"name_zh": "服务态度", "name_en": "Service attitude", "active": True}
    assert event.after["active"] is False and event.after["name_en"] == "Service quality"
    assert Category.objects.filter(code="service").exists()  # never deleted


def test_a_duplicate_code_is_a_form_error_on_the_code(lead):
    response = lead.post(reverse("ops:complaint-category-create"),
                         {"code": "fees", "name_zh": "重复", "name_en": "Duplicate", "order": 1})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_a_subcategory_of_a_subcategory_is_refused(lead):
    sub = Category.objects.get(code="fees-unexpected")
    response = lead.post(reverse("ops:complaint-category-create"),
                         {"code": "deep", "name_zh": "深", "name_en": "Deep", "order": 1, "parent": sub.pk})
    assert response.status_code == 200 and not Category.objects.filter(code="deep").exists()
    assert response.context["form"].errors


def test_root_cause_create_and_deactivate(lead):
    lead.post(reverse("ops:root-cause-create"), {"code": "weather", "name_zh": "天气", "name_en": "Weather",
                                                 "order": 5})
    cause = RootCause.objects.get(code="weather")
    lead.post(reverse("ops:root-cause-edit", kwargs={"pk": cause.pk}), {"name_zh": "天气", "name_en": "Weather",
                                                                        "order": 5})
    cause.refresh_from_db()
    assert not cause.active
    actions = AuditEvent.objects.filter(action__startswith="root_cause.").order_by("id")
    assert list(actions.values_list("action", flat=True)) == ["root_cause.created", "root_cause.changed"]


def test_sla_policy_first_response_after_resolution_is_a_clear_form_error(lead):
    response = lead.post(reverse("ops:sla-policy-create"), {"priority": "low", "channel": "email",
                                                            "first_response_hours": 40, "resolution_hours": 16})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "first_response_hours" in errors and "16" in errors["first_response_hours"][0]
    assert not SlaPolicy.objects.filter(priority="low", channel="email").exists()


def test_sla_policy_hours_must_be_positive(lead):
    response = lead.post(reverse("ops:sla-policy-create"), {"first_response_hours": 0, "resolution_hours": 0})
    assert set(response.context["form"].errors) >= {"first_response_hours", "resolution_hours"}


def test_a_second_active_policy_for_the_same_combination_is_a_form_error_not_an_integrity_error(lead):
    terminal = Category.objects.get(code="terminal")
    data = {"category": terminal.pk, "priority": "urgent", "channel": "portal", "first_response_hours": 2,
            "resolution_hours": 8}
    assert lead.post(reverse("ops:sla-policy-create"), data).status_code == 302
    response = lead.post(reverse("ops:sla-policy-create"), {**data, "resolution_hours": 16})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert SlaPolicy.objects.filter(category=terminal, priority="urgent", channel="portal").count() == 1


def test_reactivating_a_policy_that_clashes_is_refused(users):
    lead = users["customer_service_lead"]
    old = sla_policy_create(actor=lead, category=None, priority="low", channel="network", first_response_hours=4,
                            resolution_hours=40)
    sla_policy_update(actor=lead, policy=old, first_response_hours=4, resolution_hours=40, active=False)
    sla_policy_create(actor=lead, category=None, priority="low", channel="network", first_response_hours=8,
                      resolution_hours=40)
    with pytest.raises(SettingRefused):
        sla_policy_update(actor=lead, policy=old, first_response_hours=4, resolution_hours=40, active=True)


def test_changing_policy_hours_is_audited_with_before_and_after(lead):
    policy = SlaPolicy.objects.filter(active=True).order_by("id").first()
    first, resolution = policy.first_response_hours, policy.resolution_hours
    lead.post(reverse("ops:sla-policy-edit", kwargs={"pk": policy.pk}),
              {"first_response_hours": first, "resolution_hours": resolution + 8, "active": "on"})
    policy.refresh_from_db()
    assert policy.resolution_hours == resolution + 8
    event = AuditEvent.objects.get(action="sla_policy.changed")
    assert event.before == {"resolution_hours": resolution} and event.after["resolution_hours"] == resolution + 8


def test_canned_response_in_both_languages_with_optional_category(lead):
    response = lead.post(reverse("ops:canned-response-create"), {
        "title": "Acknowledgement", "body_zh": "您好，我们已收到您的投诉。", "body_en": "We received your complaint."})
    assert response.status_code == 302
    canned = CannedResponse.objects.get(title="Acknowledgement")
    assert canned.category is None and canned.body("en") == "We received your complaint."
    lead.post(reverse("ops:canned-response-edit", kwargs={"pk": canned.pk}), {
        "title": "Acknowledgement", "body_zh": canned.body_zh, "body_en": canned.body_en,
        "category": Category.objects.get(code="fees").pk})
    canned.refresh_from_db()
    assert canned.category.code == "fees" and not canned.active
    assert AuditEvent.objects.filter(action="canned_response.changed").exists()


def test_readers_see_the_lists_but_cannot_change_anything(clients):
    agent = clients["customer_service"]
    page = agent.get(reverse("ops:complaint-category-list"))
    assert page.status_code == 200 and "费率与手续费" in page.content.decode()
    assert reverse("ops:complaint-category-create") not in page.content.decode()
    assert agent.post(reverse("ops:complaint-category-create"), {"code": "x", "name_zh": "x", "name_en": "x",
                                                                 "order": 1}).status_code == 403
    assert agent.get(reverse("ops:sla-policy-list")).status_code == 200
    assert agent.get(reverse("ops:canned-response-list")).status_code == 200
    assert agent.get(reverse("ops:root-cause-list")).status_code == 200
    assert not Category.objects.filter(code="x").exists()
    assert clients["merchant_a"].get(reverse("ops:sla-policy-list")).status_code == 403
    assert clients["auditor"].get(reverse("ops:sla-policy-list")).status_code == 403


def test_the_service_refuses_an_actor_without_the_settings_permission(users):
    with pytest.raises(NotPermitted):
        category_update(actor=users["customer_service"], category=Category.objects.get(code="fees"), name_zh="x",
                        name_en="x", terminal_fault=False, order=1, active=True)


def test_settings_lists_cost_constant_queries(lead, users, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as few:
        lead.get(reverse("ops:canned-response-list"))
    CannedResponse.objects.bulk_create([CannedResponse(title=f"R{n}", body_zh="中", body_en="en",
                                                       category=Category.objects.get(code="fees"),
                                                       changed_by=users["customer_service_lead"])
                                        for n in range(30)])
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the bounded count of a second page
        lead.get(reverse("ops:canned-response-list"))
