"""Apps plug themselves in (acquirer/registry.py): each app's ``plugin.py`` declares its URLs per area, menu entries,
jobs, home cards, role grants, demo seeder and gate samples; the core reads them without naming any app."""

import importlib

import pytest
from celery.schedules import crontab
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.urls import clear_url_caches, path, reverse
from django.utils.translation import override

from acquirer import roles
from acquirer.access import OpsView
from acquirer.registry import AREAS, HomeCard, MenuEntry, MenuSection, Plugin, discover, menu_for, registry
from acquirer.schedule import JOBS, beat_schedule, job_for_task, job_title


class FakeThingListView(OpsView):
    permission_required = ("acquirer.view_jobrun",)

    def get(self, request):
        return HttpResponse("fake things")


def _count_things(actor) -> int:
    return 7


FAKE = Plugin(
    urls={"ops": [path("things/", FakeThingListView.as_view(), name="thing-list")]},
    menu_sections=[MenuSection("ops", "things", "Things", order=40)],
    menu=[MenuEntry("ops", "things", "Thing register", "ops:thing-list", "acquirer.view_jobrun", order=41)],
    jobs={"things.tidy": {"title": "Tidy the things", "task": "things.tasks.tidy", "schedule": crontab(minute=5),
                          "period": 3600, "description": "Tidy every thing."}},
    home_cards=[HomeCard("ops", "Things", "ops:thing-list", "Open the thing register",
                         permission="acquirer.view_jobrun", count=_count_things, order=50)],
)


def _reload_urls():
    import acquirer.urls

    importlib.reload(acquirer.urls)
    clear_url_caches()


@pytest.fixture
def fake_app():
    """A tiny app registered through the registry's API; no core file is edited."""
    registry().add("things", FAKE)
    _reload_urls()
    try:
        yield FAKE
    finally:
        registry().remove("things")
        _reload_urls()


def test_registry_finds_each_app_by_its_plugin_module():
    found = discover()
    # INSTALLED_APPS order
    assert list(found.plugins) == ["acquirer", "merchants", "terminals", "transactions", "complaints", "compliance"]
    assert list(registry().plugins) == list(found.plugins)


def test_merchants_and_terminals_declare_urls_menu_jobs_and_cards():
    reg = registry()
    names = {area: {p.name for p in reg.urls(area)} for area in AREAS}
    assert {"merchant-list", "terminal-list"} <= names["ops"]
    assert {"home", "application", "terminal-list"} <= names["portal"]
    assert {"merchant-list", "terminal-list"} <= names["audit"]
    assert {e.url_name for e in reg.menu("ops")} >= {"ops:merchant-list", "ops:terminal-list", "ops:job-list"}
    assert {s.element_id for s in reg.menu_sections("ops").values()} >= {"nav-merchants", "nav-terminals",
                                                                         "nav-system"}
    assert {s.element_id for s in reg.menu_sections("portal").values()} == {"nav-account"}
    assert {s.element_id for s in reg.menu_sections("audit").values()} == {"nav-records", "nav-system"}
    assert {"merchants.document_expiry", "terminals.sla_check", "backups.nightly"} <= set(JOBS)
    assert job_for_task("terminals.tasks.tickets_check_sla") == "terminals.sla_check"
    with override("en"):
        assert job_title("merchants.contract_renewal") == "Contract renewal reminders"
    assert {c.url_name for c in reg.home_cards("ops")} >= {"ops:merchant-list", "ops:user-list", "ops:ticket-list"}
    assert set(reg.role_grants()) == {"acquirer", "merchants", "terminals", "transactions", "complaints", "compliance"}
    assert len(reg.demo_seeders()) == 4
    assert "tests.merchants.gate_samples" in reg.gate_sample_modules()


@pytest.mark.django_db
def test_every_menu_entry_and_card_links_to_a_url_with_a_real_permission():
    known = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    reg = registry()
    for area in AREAS:
        declared = [*reg.menu(area), *reg.home_cards(area), *reg.menu_sections(area).values()]
        for item in declared:
            if getattr(item, "url_name", None):
                reverse(item.url_name)
            assert not item.permission or item.permission in known, (area, item)


@pytest.mark.django_db
def test_a_new_app_appears_in_urls_menu_jobs_and_home_cards_without_core_edits(fake_app, clients, users):
    manager = clients[roles.OPERATIONS_MANAGER]
    assert reverse("ops:thing-list") == "/ops/things/"
    assert manager.get("/ops/things/").content == b"fake things"
    home = manager.get(reverse("ops:home")).content.decode()
    assert 'id="nav-things"' in home and 'href="/ops/things/">Thing register</a>' in home
    assert "Open the thing register" in home and ">7</span>" in home  # the card with its count
    assert home.index('id="nav-terminals"') < home.index('id="nav-things"') < home.index('id="nav-system"')
    assert JOBS["things.tidy"]["task"] == "things.tasks.tidy" and job_title("things.tidy") == "Tidy the things"
    assert beat_schedule()["things.tidy"]["task"] == "things.tasks.tidy"
    # The URL is in the gate matrix's walk, behind the ops gate with its permission.
    reviewer = clients[roles.ONBOARDING_REVIEWER]
    assert reviewer.get("/ops/things/").status_code == 403
    assert 'id="nav-things"' not in reviewer.get(reverse("ops:home")).content.decode()


def test_removing_the_plugin_takes_its_job_and_url_away_again(fake_app):
    assert "things.tidy" in JOBS
    registry().remove("things")
    try:
        assert "things.tidy" not in JOBS and "things.tidy" not in beat_schedule()
    finally:
        registry().add("things", FAKE)


def test_a_job_declared_twice_is_refused(fake_app):
    with pytest.raises(ValueError, match="things.tidy"):
        registry().add("copycat", Plugin(jobs=FAKE.jobs))


@pytest.mark.django_db
def test_menu_shows_a_section_only_with_its_permission_and_a_visible_entry(users):
    from tests.factories import make_user

    nobody_ids = [item.get("id") for item in menu_for(make_user(username="norole", roles=[]), "ops")]
    assert "nav-system" not in nobody_ids and "nav-merchants" not in nobody_ids  # no permission: no empty dropdown
    reviewer_system = next(item for item in menu_for(users[roles.ONBOARDING_REVIEWER], "ops")
                           if item.get("id") == "nav-system")
    assert [entry["url"] for entry in reviewer_system["entries"]] == [reverse("ops:calendar")]  # only what it may read
    manager_menu = menu_for(users[roles.OPERATIONS_MANAGER], "ops")
    manager_ids = [item.get("id") for item in manager_menu]
    # Dashboard first, today's order, then the link to the person's own downloads
    assert manager_ids == [None, "nav-merchants", "nav-terminals", "nav-money", "nav-service", "nav-compliance",
                           "nav-system", None]
    assert manager_menu[-1]["url"] == reverse("export-list")
    assert menu_for(users["merchant_a"], "portal")[0]["url"] == reverse("portal:home")
    assert menu_for(users["merchant_a"], None) == []


@pytest.mark.django_db
def test_home_cards_count_with_a_constant_number_of_queries(clients):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.terminals.factories import make_terminal

    client = clients[roles.OPERATIONS_MANAGER]
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("ops:home"))
    for _n in range(3):
        make_terminal()
    with CaptureQueriesContext(connection) as after:
        page = client.get(reverse("ops:home")).content.decode()
    assert len(after) == len(before)
    cards = page[page.index("home-cards"):page.index("</main>")]
    assert f'href="{reverse("ops:ticket-list")}"' in cards and f'href="{reverse("ops:merchant-list")}"' in cards


@pytest.mark.django_db
def test_merchant_panels_are_filtered_by_permission_and_carry_their_context(users):
    from acquirer.registry import MerchantPanel, Registry, merchant_panels_for

    reg = Registry()
    reg.add("panels", Plugin(merchant_panels=[
        MerchantPanel("Second", "b.html", lambda actor, merchant: {"who": merchant}, order=20),
        MerchantPanel("Secret", "s.html", lambda actor, merchant: {}, permission="nobody.has_this", order=1),
        MerchantPanel("First", "a.html", lambda actor, merchant: {"n": 1}, order=10),
    ]))
    panels = merchant_panels_for(users[roles.OPERATIONS_MANAGER], "M", reg)
    assert [(p["title"], p["template"], p["context"]) for p in panels] == [("First", "a.html", {"n": 1}),
                                                                         ("Second", "b.html", {"who": "M"})]
    assert [p["title"] for p in merchant_panels_for(users["auditor"], "M", reg)] == ["Secret", "First", "Second"]
