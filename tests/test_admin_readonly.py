"""The Django admin only inspects: every model admin (ours and third-party ones) is view-only, every
non-GET/HEAD request is a 403, secrets appear masked. E-mail addresses change only through allauth's
verification, audited, and a password reset link only ever goes to a verified address."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from acquirer import roles
from acquirer.models import AuditEvent, User
from merchants.services import applications as svc
from tests.factories import PASSWORD, make_merchant, make_merchant_user, make_user
from tests.merchants.kyc_data import make_card_number, make_resident_id


@pytest.fixture
def superuser(db):
    user = make_user(username="root1")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


@pytest.fixture
def admin_client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- view-only ------------------------------------------------------------------------------------

def test_every_registered_model_admin_is_view_only_third_party_ones_included(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    labels = set()
    for model, model_admin in admin.site._registry.items():
        labels.add(model._meta.label_lower)
        assert model_admin.has_view_permission(request), model
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.get_actions(request) == {}, model
    assert {"auth.group", "account.emailaddress", "mfa.authenticator", "acquirer.user",
            "merchants.merchant"} <= labels


def test_a_model_registered_later_is_view_only_too(rf, superuser):
    from django.contrib.admin import ModelAdmin

    from acquirer.admin_site import AcquirerAdminSite

    site = AcquirerAdminSite(name="scratch")
    site.register(Permission, ModelAdmin)
    request = rf.get("/admin/")
    request.user = superuser
    model_admin = site._registry[Permission]
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                or model_admin.has_delete_permission(request))


@pytest.mark.django_db
def test_every_admin_add_page_answers_403(admin_client):
    for model in admin.site._registry:
        assert admin_client.get(_admin_url(model, "add")).status_code == 403, model
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get(_admin_url(Group, "changelist")).status_code == 200


@pytest.mark.django_db
def test_every_admin_list_and_a_user_page_still_render_for_reading(admin_client, superuser):
    for model in admin.site._registry:
        assert admin_client.get(_admin_url(model, "changelist")).status_code == 200, model
    page = admin_client.get(_admin_url(User, "change", superuser.pk))
    assert page.status_code == 200 and superuser.username in page.content.decode()


@pytest.mark.django_db
def test_changing_a_groups_permissions_in_the_admin_is_refused_and_changes_nothing(admin_client, role_groups):
    group = Group.objects.get(name=roles.CUSTOMER_SERVICE)
    before = set(group.permissions.values_list("pk", flat=True))
    assert admin_client.get(_admin_url(Group, "change", group.pk)).status_code == 200  # still readable
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = admin_client.post(_admin_url(Group, "change", group.pk),
                                 {"name": group.name, "permissions": everything})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    response = admin_client.post(_admin_url(Group, "changelist"),
                                 {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"})
    assert response.status_code == 403 and Group.objects.filter(pk=group.pk).exists()
    assert admin_client.post(_admin_url(Group, "delete", group.pk), {"post": "yes"}).status_code == 403
    assert Group.objects.filter(pk=group.pk).exists()


@pytest.mark.django_db
def test_adding_an_email_address_or_an_authenticator_in_the_admin_is_refused(admin_client, role_groups):
    ops = make_user(username="ops", roles=[roles.OPERATIONS_MANAGER])
    response = admin_client.post(_admin_url(EmailAddress, "add"), {
        "user": ops.pk, "email": "attacker@evil.example", "verified": "on", "primary": "on"})
    assert response.status_code == 403
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()
    response = admin_client.post(_admin_url(Authenticator, "add"), {"user": ops.pk, "type": "totp", "data": "{}"})
    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=ops).exists()
    assert admin_client.get(_admin_url(Authenticator, "add")).status_code == 403
    # marking an address verified (allauth's bulk action) is refused too
    address = EmailAddress.objects.create(user=ops, email="ops-2@example.test", verified=False)
    response = admin_client.post(_admin_url(EmailAddress, "changelist"),
                                 {"action": "make_verified", "_selected_action": [address.pk]})
    assert response.status_code == 403
    address.refresh_from_db()
    assert not address.verified
    assert not AuditEvent.objects.filter(action="user.email_confirmed").exists()


@pytest.mark.django_db
def test_the_admin_refuses_every_write_method_even_on_its_own_password_and_logout_views(admin_client, superuser):
    for url in ("/admin/", "/admin/logout/", "/admin/password_change/",
                reverse("admin:auth_user_password_change", args=[superuser.pk])):
        for method in ("post", "put", "patch", "delete"):
            assert getattr(admin_client, method)(url).status_code == 403, (method, url)
    assert admin_client.head("/admin/").status_code == 200


@pytest.mark.django_db
def test_non_superusers_still_get_403_and_anonymous_the_login_page(clients):
    assert clients[roles.OPERATIONS_MANAGER].post(_admin_url(Group, "add"), {"name": "x"}).status_code == 403
    response = clients["anonymous"].post(_admin_url(Group, "add"), {"name": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Group.objects.filter(name="x").exists()


# --- secrets masked ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_admin_merchant_page_shows_the_resident_id_masked_never_in_clear(admin_client, role_groups):
    merchant = make_merchant()
    owner = make_merchant_user(merchant)
    resident_id = make_resident_id()
    svc.merchant_application_update(actor=owner, merchant=merchant, data={"legal_rep_name": "张三"},
                                    legal_rep_id=resident_id)
    merchant.refresh_from_db()
    for url in (_admin_url(type(merchant), "change", merchant.pk), _admin_url(type(merchant), "changelist")):
        page = admin_client.get(url)
        assert page.status_code == 200
        content = page.content.decode()
        assert resident_id not in content and merchant.legal_rep_id_hash not in content
    assert merchant.legal_rep_id_masked in admin_client.get(_admin_url(type(merchant), "change", merchant.pk)
                                                            ).content.decode()
    assert not AuditEvent.objects.filter(action="kyc.secret_revealed").exists()


@pytest.mark.django_db
def test_the_admin_shows_settlement_account_numbers_masked_and_no_mfa_secret(admin_client, role_groups):
    from merchants.models import Merchant, SettlementAccount
    from merchants.services.settlement import settlement_account_request

    merchant = make_merchant()
    owner = make_merchant_user(merchant)
    Merchant.objects.filter(pk=merchant.pk).update(merchant_type="individual", legal_rep_name="张三")
    merchant.refresh_from_db()
    number = make_card_number()
    account = settlement_account_request(actor=owner, merchant=merchant, kind="personal", account_name="张三",
                                         bank_name="ICBC", branch_name="Huangpu", account_number=number)
    for url in (_admin_url(SettlementAccount, "change", account.pk), _admin_url(SettlementAccount, "changelist")):
        content = admin_client.get(url).content.decode()
        assert number not in content and account.account_number_masked in content
    totp = Authenticator.objects.create(user=owner, type="totp", data={"secret": "JBSWY3DPEHPK3PXPSECRET"})
    content = admin_client.get(_admin_url(Authenticator, "change", totp.pk)).content.decode()
    assert "JBSWY3DPEHPK3PXPSECRET" not in content


# --- e-mail addresses and password reset -------------------------------------------------------------

def _reset(email: str):
    return Client().post(reverse("account_reset_password"), {"email": email})


@pytest.mark.django_db
def test_a_password_reset_to_an_unverified_address_sends_nothing_and_is_audited(role_groups):
    """What happened: an unverified address was put on the ``ops`` account, then a reset mailed a working
    link for ``ops`` to it. Now the page answers as for any address and nothing is sent."""
    ops = make_user(username="ops", roles=[roles.OPERATIONS_MANAGER], email="ops@acquirer.example")
    EmailAddress.objects.create(user=ops, email="attacker@evil.example", verified=False, primary=False)
    response = _reset("attacker@evil.example")
    unknown = _reset("nobody-at-all@example.test")
    assert response.status_code == unknown.status_code == 302
    assert response["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert not [m for m in mail.outbox if "attacker@evil.example" in m.to]
    event = AuditEvent.objects.get(action="user.password_reset_withheld")
    assert event.target_id == str(ops.pk) and event.data["email"] == "attacker@evil.example"


@pytest.mark.django_db
def test_an_unverified_primary_address_gets_no_reset_link_either(role_groups):
    user = make_user(username="shopowner", kind=User.Kind.MERCHANT, email="owner@shop.example")
    EmailAddress.objects.create(user=user, email="owner@shop.example", verified=False, primary=True)
    _reset("owner@shop.example")
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_verified_address_and_the_address_set_by_operations_get_the_reset_link(role_groups):
    ops = make_user(username="ops", roles=[roles.OPERATIONS_MANAGER], email="ops@acquirer.example")
    _reset("ops@acquirer.example")
    assert [m.to for m in mail.outbox] == [["ops@acquirer.example"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    EmailAddress.objects.create(user=ops, email="ops.private@example.test", verified=True)
    _reset("ops.private@example.test")
    assert mail.outbox[-1].to == ["ops.private@example.test"]
    assert not AuditEvent.objects.filter(action="user.password_reset_withheld").exists()


def _signed_in(user) -> Client:
    """Signed in, and the password confirmed again just now (changing addresses asks for it)."""
    client = Client()
    assert client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD}).status_code == 302
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


@pytest.mark.django_db
def test_an_address_added_by_its_owner_stays_unverified_until_confirmed_and_every_step_is_audited(role_groups):
    user = make_user(username="ops", roles=[roles.OPERATIONS_MANAGER], email="ops@acquirer.example")
    client = _signed_in(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "ops.new@example.test"})
    assert response.status_code == 302
    address = EmailAddress.objects.get(user=user, email="ops.new@example.test")
    assert not address.verified
    added = AuditEvent.objects.get(action="user.email_added")
    assert added.actor_id == user.pk and added.target_id == str(user.pk)
    assert added.data["email"] == "ops.new@example.test"
    # unconfirmed: a reset to it sends nothing
    sent = len(mail.outbox)
    _reset("ops.new@example.test")
    assert not [m for m in mail.outbox[sent:] if "ops.new@example.test" in m.to and "reset" in m.body.lower()]
    # the confirmation link mailed to the new address makes it verified (audited)
    confirmation = next(m for m in mail.outbox if m.to == ["ops.new@example.test"])
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", confirmation.body).group(1)
    assert Client().post(link).status_code == 302
    address.refresh_from_db()
    assert address.verified
    assert AuditEvent.objects.filter(action="user.email_confirmed", target_id=str(user.pk)).exists()
    # made primary, then removed: both audited
    client.post(reverse("account_email"), {"action_primary": "", "email": "ops.new@example.test"})
    assert AuditEvent.objects.filter(action="user.email_primary_changed", target_id=str(user.pk)).exists()
    client.post(reverse("account_email"), {"action_remove": "", "email": "ops@acquirer.example"})
    assert AuditEvent.objects.filter(action="user.email_removed", target_id=str(user.pk),
                                     data__email="ops@acquirer.example").exists()


@pytest.mark.django_db
def test_an_unconfirmed_address_made_primary_gets_no_reset_link(role_groups):
    """Even when it replaces the account's own address (allauth allows that while none is confirmed)."""
    user = make_user(username="ops", roles=[roles.OPERATIONS_MANAGER], email="ops@acquirer.example")
    client = _signed_in(user)
    client.post(reverse("account_email"), {"action_add": "", "email": "attacker@evil.example"})
    client.post(reverse("account_email"), {"action_primary": "", "email": "attacker@evil.example"})
    user.refresh_from_db()
    assert user.email == "attacker@evil.example"
    sent = len(mail.outbox)
    for address in ("attacker@evil.example", "ops@acquirer.example"):
        _reset(address)
    assert not [m for m in mail.outbox[sent:] if "/accounts/password/reset/key/" in m.body]
    assert AuditEvent.objects.filter(action="user.password_reset_withheld").count() == 2


@pytest.mark.django_db
def test_adding_an_address_needs_a_fresh_sign_in(role_groups):
    user = make_user(username="ops", roles=[roles.OPERATIONS_MANAGER])
    client = Client()
    client.force_login(user)  # a session, but no recent authentication
    response = client.post(reverse("account_email"), {"action_add": "", "email": "hijack@evil.example"})
    assert response.status_code == 302 and reverse("account_reauthenticate") in response["Location"]
    assert not EmailAddress.objects.filter(email="hijack@evil.example").exists()
    assert not AuditEvent.objects.filter(action="user.email_added").exists()
