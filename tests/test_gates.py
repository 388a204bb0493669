"""Every URL has a declared gate, and every gate holds for every actor (the role x URL matrix)."""

import pytest
from django.apps import apps
from django.urls import reverse

from acquirer import roles
from acquirer.access import AUDIT, OPS, PORTAL, PUBLIC, SUPERUSER, USER
from acquirer.registry import AREAS, registry
from tests.conftest import ACTORS, STAFF_ROLES
from tests.urlwalk import walk

ROUTES = list(walk())
# The core and every app that plugs itself in (acquirer/registry.py): their area URLs and their other views.
OUR_APPS = tuple(apps.get_app_config(label).name for label in registry().plugins)
OUR_ROUTES = [r for r in ROUTES if r.namespace in AREAS or (
    r.namespace is None and r.view_class is not None and r.view_class.__module__.startswith(OUR_APPS))]


def test_every_url_pattern_declares_a_gate():
    missing = [f"{r.pattern} ({r.full_name})" for r in ROUTES if r.gate is None]
    assert not missing, f"URL patterns without a declared gate: {missing}"


def test_area_urls_use_their_area_gate():
    for route in ROUTES:
        if route.namespace == "ops":
            assert route.gate == OPS, route.pattern
        elif route.namespace == "portal":
            assert route.gate == PORTAL, route.pattern
        elif route.namespace == "audit":
            assert route.gate == AUDIT, route.pattern
            assert set(route.view_class.http_method_names) <= {"get", "head"}, route.pattern
        elif route.namespace == "admin":
            assert route.gate == SUPERUSER, route.pattern


def test_a_new_view_without_gate_is_caught():
    from django.urls import path
    from django.views.generic import TemplateView

    from tests.urlwalk import Route

    bare = path("x/", TemplateView.as_view(template_name="base.html"), name="x")
    assert Route(bare.name, None, "x/", bare.callback).gate is None


# Sample URL arguments per route: object routes point at merchant A's objects.
def _kwargs(route, ctx):
    samples = {
        "ops:user-detail": {"pk": ctx["users"]["merchant_a"].pk},
        "ops:user-disable": {"pk": ctx["users"]["merchant_a"].pk},
        "ops:user-enable": {"pk": ctx["users"]["merchant_a"].pk},
        "ops:user-unlock": {"pk": ctx["users"]["merchant_a"].pk},
        "ops:job-run": {"job": "sessions.clear_expired"},
        "notification-read": {"pk": ctx["notification_a"].pk},
        "export-download": {"pk": ctx["export_auditor"].pk},
        "export-rerun": {"pk": ctx["export_auditor"].pk},
        "export-manifest": {"pk": ctx["export_auditor"].pk},
        "export-signature": {"pk": ctx["export_auditor"].pk},
        "export-bundle": {"pk": ctx["export_auditor"].pk},
    }
    for module in _sample_modules():
        samples.update(module.samples(ctx))
    return samples.get(route.full_name, {})


def _sample_modules():
    """Each app's ``plugin.py`` lists its gate-sample modules (``gate_samples=``, e.g.
    ``tests/terminals/gate_samples_*.py``), each with ``build(ctx)`` (create merchant A's objects, store them in
    ctx) and ``samples(ctx)`` (URL name -> kwargs); found through the registry, never by app name."""
    import importlib

    return [importlib.import_module(name) for name in registry().gate_sample_modules()]


def _method(route) -> str:
    allowed = route.view_class.http_method_names
    return "get" if "get" in allowed else "post"


# User-gate URLs of one person's object (the sample's owner); everyone else gets a 404.
OWNED = {"notification-read": "merchant_a", "export-download": "auditor", "export-rerun": "auditor",
         "export-manifest": "auditor", "export-signature": "auditor", "export-bundle": "auditor"}


def _expected(route, actor: str, users) -> set[int]:
    """Status codes the gate allows for this actor (302 for anonymous = sent to login)."""
    gate = route.gate
    view = route.view_class
    if gate == PUBLIC:
        return {200, 302}
    if actor == "anonymous":
        return {302}
    if gate == USER:
        owner = OWNED.get(route.full_name)
        if owner and actor != owner:
            return {404}  # someone else's notification or export: exactly like a missing one
        return {200, 302}
    if gate == OPS:
        user = users[actor]
        allowed = actor in STAFF_ROLES and user.has_perms(view.permission_required)
        return {200, 302} if allowed else {403}
    if gate == PORTAL:
        if actor == "merchant_b" and "<int:" in route.pattern:
            return {404}  # merchant A's object: exactly like a missing one
        if actor in ("merchant_a", "merchant_b"):
            return {200} if "get" in view.http_method_names else {200, 302}
        return {403}
    if gate == AUDIT:
        return {200} if actor == "auditor" else {403}
    raise AssertionError(f"no expectation for gate {gate}")


def _written_export(owner):
    """An audit-trail export of ``owner``'s, written (by the task's body, in this process) and ready."""
    from acquirer.services.exports import export_request, export_write

    export = export_request(actor=owner, kind="audit.trail", fmt="csv", data={})
    export_write(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "done", export.error
    return export


@pytest.fixture
def ctx(users, merchant_a, merchant_b, clients, settings, tmp_path):
    """Merchant A with one object of every kind the URLs point at (each app builds its own: ``_sample_modules``)."""
    from acquirer.services.notifications import notify

    settings.MEDIA_ROOT = tmp_path / "media"
    notification_a = notify(recipient=users["merchant_a"], kind="test", title="hello A", email=False)
    ctx = {"users": users, "merchant_a": merchant_a, "merchant_b": merchant_b, "clients": clients,
           "notification_a": notification_a, "export_auditor": _written_export(users["auditor"])}
    for module in _sample_modules():
        module.build(ctx)
    return ctx


@pytest.mark.django_db
def test_role_matrix_every_url_every_actor(ctx):
    failures = []
    for route in OUR_ROUTES:
        if route.full_name is None:
            continue
        url = reverse(route.full_name, kwargs=_kwargs(route, ctx))
        for actor in ACTORS:
            client = ctx["clients"][actor]
            response = getattr(client, _method(route))(url)
            expected = _expected(route, actor, ctx["users"])
            if response.status_code not in expected:
                failures.append(f"{route.full_name} {url} as {actor}: {response.status_code}, expected {expected}")
            if actor == "anonymous" and expected == {302}:
                assert "/accounts/login/" in response["Location"], (route.full_name, response["Location"])
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_other_merchants_objects_answer_404_like_missing_ones(ctx):
    """Merchant B reading merchant A's data gets the same 404 as for an id that does not exist."""
    client_b = ctx["clients"]["merchant_b"]
    theirs = client_b.post(reverse("notification-read", kwargs={"pk": ctx["notification_a"].pk}))
    missing = client_b.post(reverse("notification-read", kwargs={"pk": 999999}))
    assert theirs.status_code == missing.status_code == 404
    ctx["notification_a"].refresh_from_db()
    assert ctx["notification_a"].read_at is None


@pytest.mark.django_db
def test_portal_shows_only_own_merchant(ctx):
    page_a = ctx["clients"]["merchant_a"].get(reverse("portal:home")).content.decode()
    page_b = ctx["clients"]["merchant_b"].get(reverse("portal:home")).content.decode()
    assert ctx["merchant_a"].legal_name in page_a and ctx["merchant_b"].legal_name not in page_a
    assert ctx["merchant_b"].legal_name in page_b and ctx["merchant_a"].legal_name not in page_b


@pytest.mark.django_db
def test_portal_activity_is_scoped_to_own_merchant(ctx):
    page_b = ctx["clients"]["merchant_b"].get(reverse("portal:activity")).content.decode()
    assert str(ctx["merchant_b"]) in page_b and str(ctx["merchant_a"]) not in page_b


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["audit:home", "audit:event-list", "audit:merchant-list", "audit:job-list"])
def test_auditor_cannot_post_anywhere(ctx, name):
    client = ctx["clients"]["auditor"]
    assert client.post(reverse(name)).status_code == 405
    assert client.head(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_admin_is_for_superusers_only(ctx):
    from tests.factories import make_user

    for actor in ACTORS:
        response = ctx["clients"][actor].get("/admin/")
        assert response.status_code in ({302} if actor == "anonymous" else {403}), actor
    assert "/accounts/login/" in ctx["clients"]["anonymous"].get("/admin/")["Location"]
    superuser = make_user(username="root1")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_login_form_redirects_to_our_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_staff_role_permissions_are_what_roles_grant(users):
    manager = users[roles.OPERATIONS_MANAGER]
    reviewer = users[roles.ONBOARDING_REVIEWER]
    assert manager.has_perms(["acquirer.run_job", "acquirer.manage_users", "merchants.view_merchant"])
    assert reviewer.has_perm("merchants.view_merchant") and not reviewer.has_perm("acquirer.run_job")
    assert not users["auditor"].has_perm("acquirer.run_job")


def test_views_never_touch_model_managers_directly():
    """Views get their rows through selectors (and so through access.scope)."""
    import pathlib

    offenders = []
    for path in pathlib.Path(".").glob("*/views/*.py"):
        text = path.read_text()
        if ".objects." in text:
            offenders.append(str(path))
    assert not offenders, offenders
