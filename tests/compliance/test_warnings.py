"""The early-warning page: every app's published figures, each linking to its list (ops or audit), read-only for
auditors, shown only to those with the permission; a failing figure says "unavailable" without breaking the page;
the registry's keys are unique and every list reverses; a constant number of queries as the data grows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.registry import Plugin, WarningCount, menu_for, registry
from compliance.selectors.warnings import warning_figures, warnings_raised_count
from merchants.services.inspections import inspection_schedule
from tests.compliance.warning_support import count_of, figure
from tests.terminals.factories import make_live_merchant

pytestmark = pytest.mark.django_db
EXPECTED_KEYS = {
    "merchants.inspection_overdue", "merchants.kyc_expiring", "merchants.high_risk_uninspected",
    "terminals.health_flags_open", "complaints.sla_breached_month", "transactions.recon_breaks_old",
    "transactions.risk_reports_due", "acquirer.disabled_for_inactivity",
}


def test_registry_warning_keys_are_unique_and_every_list_reverses():
    warnings = registry().warnings()
    keys = [warning.key for warning in warnings]
    assert len(keys) == len(set(keys))
    assert EXPECTED_KEYS <= set(keys)
    for warning in warnings:
        assert reverse(warning.url_name)
        if warning.audit_url_name:
            assert reverse(warning.audit_url_name)
        assert warning.permission and warning.title and callable(warning.count)


def test_a_second_plugin_with_the_same_warning_key_is_refused():
    reg = registry()
    key = next(iter(EXPECTED_KEYS))
    with pytest.raises(ValueError, match="warnings already declared"):
        reg.add("clash_test", Plugin(warnings=[WarningCount(key, "x", lambda actor: 0, "ops:home")]))
    assert "clash_test" not in reg.plugins


@pytest.mark.parametrize("role", [roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER])
def test_officers_and_managers_read_the_page_with_every_figure(clients, role):
    page = clients[role].get(reverse("ops:early-warning")).content.decode()
    for key in EXPECTED_KEYS:
        assert f'data-warning="{key}"' in page
    assert "Open the list" in page


@pytest.mark.parametrize("role", [roles.RISK_ANALYST, roles.CUSTOMER_SERVICE, roles.FIELD_ENGINEER,
                                  roles.ONBOARDING_REVIEWER, roles.CUSTOMER_SERVICE_LEAD, "merchant_a", "auditor"])
def test_other_roles_may_not_open_the_ops_page(clients, role):
    assert clients[role].get(reverse("ops:early-warning")).status_code in (403, 404)


def test_auditors_read_the_audit_page_with_links_to_audit_lists_only(clients):
    page = clients["auditor"].get(reverse("audit:early-warning")).content.decode()
    assert 'data-warning="merchants.inspection_overdue"' in page
    assert clients["auditor"].post(reverse("audit:early-warning")).status_code in (403, 405)
    _count, link = figure(clients["auditor"], "merchants.inspection_overdue", area="audit")
    assert link == f"{reverse('audit:inspection-list')}?overdue=1"
    # no audit list of accounts: the figure is shown without a link
    count, link = figure(clients["auditor"], "acquirer.disabled_for_inactivity", area="audit")
    assert count == "0" and link is None
    for role in (roles.COMPLIANCE_OFFICER, "merchant_a"):
        assert clients[role].get(reverse("audit:early-warning")).status_code in (302, 403, 404)


def test_no_link_when_the_reader_may_not_open_the_list(clients):
    # a compliance officer does not manage users: the accounts figure has no link for them, a manager's has
    assert figure(clients[roles.COMPLIANCE_OFFICER], "acquirer.disabled_for_inactivity")[1] is None
    assert figure(clients[roles.OPERATIONS_MANAGER], "acquirer.disabled_for_inactivity")[1] == (
        f"{reverse('ops:user-list')}?disabled=inactivity")


@pytest.fixture
def broken_figure(caplog):
    """A plugin whose figure's selector fails (its SQL is wrong), registered for one test."""
    from acquirer.models import User

    def failing(actor):
        return User.objects.raw("SELECT no_such_column FROM acquirer_user")[0]

    reg = registry()
    reg.add("broken_test", Plugin(warnings=[WarningCount("broken.figure", "Broken figure", failing, "ops:home",
                                                         permission="", order=0)]))
    yield
    reg.remove("broken_test")


def test_a_failing_figure_shows_unavailable_and_the_rest_still_count(clients, broken_figure, caplog):
    client = clients[roles.COMPLIANCE_OFFICER]
    count, _link = figure(client, "broken.figure")
    assert count == "unavailable"
    assert "could not be counted" in caplog.text and "broken.figure" in caplog.text
    assert figure(client, "merchants.inspection_overdue")[0] == "0"


def test_counts_above_zero_are_marked_in_words_and_counted(clients, users, merchant_a):
    client = clients[roles.COMPLIANCE_OFFICER]
    # other figures may be up already (no access review yet this half-year): count the change
    before = warnings_raised_count(users[roles.COMPLIANCE_OFFICER])
    merchant = make_live_merchant(merchant_a, users[roles.OPERATIONS_MANAGER])
    inspection_schedule(merchant=merchant, from_date=timezone.localdate() - timedelta(days=400))
    assert warnings_raised_count(users[roles.COMPLIANCE_OFFICER]) == before + 1
    page = client.get(reverse("ops:early-warning")).content.decode()
    assert "needs attention" in page
    # the auditor's view is the same figures, read-only
    figures = {f.key: f for f in warning_figures(actor=users["auditor"], area="audit")}
    assert figures["merchants.inspection_overdue"].raised


def test_menu_entries_for_officers_and_auditors(users):
    ops = menu_for(users[roles.COMPLIANCE_OFFICER], "ops")
    compliance = next(item for item in ops if item.get("id") == "nav-compliance")
    assert {"label": "Early warning", "url": reverse("ops:early-warning")} in [
        {"label": str(e["label"]), "url": e["url"]} for e in compliance["entries"]]
    audit = menu_for(users["auditor"], "audit")
    records = next(item for item in audit if item.get("id") == "nav-records")
    assert reverse("audit:early-warning") in [e["url"] for e in records["entries"]]
    assert not any(item.get("id") == "nav-compliance" for item in menu_for(users[roles.FIELD_ENGINEER], "ops")
                   if any(e["url"] == reverse("ops:early-warning") for e in item.get("entries", [])))


def _overdue_merchants(users, how_many: int):
    from tests.factories import make_merchant

    for _ in range(how_many):
        merchant = make_live_merchant(make_merchant(), users[roles.OPERATIONS_MANAGER])
        inspection_schedule(merchant=merchant, from_date=timezone.localdate() - timedelta(days=400))


def test_the_page_runs_a_constant_number_of_queries(clients, users, django_assert_max_num_queries):
    client = clients[roles.COMPLIANCE_OFFICER]
    _overdue_merchants(users, 1)
    client.get(reverse("ops:early-warning"))  # warm the session and permission caches alike for both sizes
    with django_assert_max_num_queries(45) as small:  # nine figures, each a count in its own savepoint
        assert client.get(reverse("ops:early-warning")).status_code == 200
    _overdue_merchants(users, 6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("ops:early-warning")).status_code == 200
    assert count_of(client, "merchants.inspection_overdue") == 7


def test_every_link_opens_its_list_for_a_manager_and_an_auditor(clients, users):
    for area, client in (("ops", clients[roles.OPERATIONS_MANAGER]), ("audit", clients["auditor"])):
        figures = warning_figures(actor=users[MANAGER_OR_AUDITOR[area]], area=area)
        links = [f.url for f in figures if f.url]
        assert links
        for link in links:
            assert client.get(link).status_code == 200, link


MANAGER_OR_AUDITOR = {"ops": roles.OPERATIONS_MANAGER, "audit": "auditor"}


def test_a_bounded_count_past_its_limit_shows_plus_and_is_raised(clients):
    from acquirer.lists import Count

    reg = registry()
    many = WarningCount("bounded.figure", "Many rows", lambda actor: Count(1000, False), "ops:home", order=0)
    reg.add("bounded_test", Plugin(warnings=[many]))
    try:
        page = clients[roles.COMPLIANCE_OFFICER].get(reverse("ops:early-warning")).content.decode()
    finally:
        reg.remove("bounded_test")
    assert 'data-count="1000+"' in page and 'id="warning-bounded-figure"' in page
    assert "needs attention" in page
