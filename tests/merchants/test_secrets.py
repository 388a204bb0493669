"""Secrets: masked everywhere, revealed only to permitted roles (audited), encrypted in the database,
re-encrypted after a key rotation by ``manage.py reencrypt``."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from stdnum.cn import ric

from acquirer import roles
from acquirer.models import AuditEvent
from acquirer.secrets import key_id_of, keyed_hash, mask
from merchants.models import Merchant, SettlementAccount
from tests.factories import make_merchant
from tests.test_gates import OUR_ROUTES, _kwargs, ctx  # noqa: F401 - ctx is the gate walk's fixture

CLEAR_ID = "360426199101010071"
CLEAR_ACCOUNT = "6222020000000000008"  # Luhn-valid card number
KEY_F1 = "f1:" + "D" * 43 + "="
KEY_F2 = "f2:" + "C" * 43 + "="
STAFF_WITH_NEED = [roles.RISK_ANALYST, roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER]
OTHERS = [roles.ONBOARDING_REVIEWER, roles.FIELD_ENGINEER, roles.CUSTOMER_SERVICE, "merchant_a", "merchant_b",
          "auditor"]


def resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def give_legal_rep_id(merchant: Merchant, number: str = CLEAR_ID) -> Merchant:
    Merchant.objects.filter(pk=merchant.pk).update(legal_rep_id=number, legal_rep_id_hash=keyed_hash(number),
                                                   legal_rep_id_masked=mask(number, 4, 4))
    merchant.refresh_from_db()
    return merchant


def give_account(merchant: Merchant, number: str = CLEAR_ACCOUNT) -> SettlementAccount:
    return SettlementAccount.objects.create(
        merchant=merchant, kind=SettlementAccount.Kind.PERSONAL, account_name="Zhang San", bank_name="ICBC",
        account_number=number, account_number_hash=keyed_hash(number), account_number_masked=mask(number, 4, 4))


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def reveal_url(model: str, pk: int, field: str) -> str:
    return reverse("ops:secret-reveal", kwargs={"model": model, "pk": pk, "field": field})


# --- at rest ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_database_columns_hold_tokens_never_the_clear_values(merchant_a):
    give_legal_rep_id(merchant_a)
    account = give_account(merchant_a)
    stored_id = raw_column("merchants_merchant", "legal_rep_id", merchant_a.pk)
    stored_account = raw_column("merchants_settlementaccount", "account_number", account.pk)
    assert stored_id.startswith("enc1:f2:") and CLEAR_ID not in stored_id
    assert stored_account.startswith("enc1:f2:") and CLEAR_ACCOUNT not in stored_account
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM merchants_merchant WHERE legal_rep_id_masked = %s", [CLEAR_ID])
        assert cursor.fetchone()[0] == 0
    assert merchant_a.legal_rep_id_masked == "3604**********0071"


# --- reveal -----------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_WITH_NEED)
def test_permitted_roles_see_the_clear_id_after_reveal_and_it_is_audited(clients, users, merchant_a, role):
    give_legal_rep_id(merchant_a)
    response = clients[role].post(reveal_url("merchant", merchant_a.pk, "legal_rep_id"))
    assert response.status_code == 200
    assert CLEAR_ID in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="kyc.secret_revealed")
    assert event.actor == users[role] and event.merchant_id == merchant_a.pk
    assert event.target_type == "merchants.merchant" and event.target_id == str(merchant_a.pk)
    assert event.data["field"] == "legal_rep_id"


@pytest.mark.django_db
def test_reveal_of_a_settlement_account_number(clients, merchant_a):
    account = give_account(merchant_a)
    response = clients[roles.RISK_ANALYST].post(reveal_url("settlementaccount", account.pk, "account_number"))
    assert response.status_code == 200 and CLEAR_ACCOUNT in response.content.decode()
    assert reverse("ops:merchant-detail", args=[merchant_a.pk]) in response.content.decode()
    assert AuditEvent.objects.filter(action="kyc.secret_revealed", target_id=str(account.pk),
                                     data__field="account_number").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("actor", OTHERS)
def test_roles_without_the_need_cannot_reveal(clients, merchant_a, actor):
    give_legal_rep_id(merchant_a)
    response = clients[actor].post(reveal_url("merchant", merchant_a.pk, "legal_rep_id"))
    assert response.status_code == 403
    assert CLEAR_ID not in response.content.decode()
    assert not AuditEvent.objects.filter(action="kyc.secret_revealed").exists()


@pytest.mark.django_db
def test_reveal_needs_post_and_anonymous_goes_to_login(clients, merchant_a):
    give_legal_rep_id(merchant_a)
    url = reveal_url("merchant", merchant_a.pk, "legal_rep_id")
    assert clients[roles.RISK_ANALYST].get(url).status_code == 405
    response = clients["anonymous"].post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="kyc.secret_revealed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model,field", [("merchant", "legal_name"), ("merchant", "legal_rep_id_hash"),
                                         ("user", "password"), ("settlementaccount", "legal_rep_id")])
def test_only_known_secret_fields_can_be_revealed(clients, merchant_a, model, field):
    response = clients[roles.RISK_ANALYST].post(reveal_url(model, merchant_a.pk, field))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="kyc.secret_revealed").exists()


@pytest.mark.django_db
def test_reveal_of_a_missing_object_is_404(clients):
    assert clients[roles.RISK_ANALYST].post(reveal_url("merchant", 999999, "legal_rep_id")).status_code == 404


@pytest.mark.django_db
def test_no_audit_event_ever_contains_the_clear_value(clients, merchant_a):
    give_legal_rep_id(merchant_a)
    clients[roles.RISK_ANALYST].post(reveal_url("merchant", merchant_a.pk, "legal_rep_id"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM acquirer_auditevent WHERE before::text LIKE %s OR after::text LIKE %s "
                       "OR data::text LIKE %s", [f"%{CLEAR_ID}%"] * 3)
        assert cursor.fetchone()[0] == 0


# --- the template tag -------------------------------------------------------------------------

def render_secret(user, obj, field: str) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% load kyc %}{% secret obj field %}')
    return template.render(Context({"request": request, "obj": obj, "field": field, "csrf_token": "x"}))


@pytest.mark.django_db
def test_secret_tag_shows_mask_to_all_and_reveal_button_only_with_the_permission(users, merchant_a):
    give_legal_rep_id(merchant_a)
    url = reveal_url("merchant", merchant_a.pk, "legal_rep_id")
    for actor in STAFF_WITH_NEED:
        html = render_secret(users[actor], merchant_a, "legal_rep_id")
        assert "3604**********0071" in html and url in html and 'method="post"' in html
        assert CLEAR_ID not in html
    for actor in OTHERS:
        html = render_secret(users[actor], merchant_a, "legal_rep_id")
        assert "3604**********0071" in html and url not in html and "<form" not in html
        assert CLEAR_ID not in html


@pytest.mark.django_db
def test_secret_tag_without_a_value_shows_a_dash_and_no_button(users, merchant_a):
    html = render_secret(users[roles.RISK_ANALYST], merchant_a, "legal_rep_id")
    assert "—" in html and "<form" not in html


@pytest.mark.django_db
def test_secret_tag_refuses_fields_that_are_not_secrets(users, merchant_a):
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        render_secret(users[roles.RISK_ANALYST], merchant_a, "legal_name")


# --- no clear value on any page ---------------------------------------------------------------

def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.django_db
def test_clear_id_and_account_number_appear_on_no_page_for_any_actor(ctx):  # noqa: F811
    merchant = give_legal_rep_id(ctx["merchant_a"])
    give_account(merchant)
    failures, seen = [], 0
    for route in OUR_ROUTES:
        if route.full_name is None or "get" not in route.view_class.http_method_names:
            continue
        try:
            url = reverse(route.full_name, kwargs=_kwargs(route, ctx))
        except NoReverseMatch:  # a route without sample arguments yet: tests/test_gates.py reports it
            continue
        for actor, client in ctx["clients"].items():
            client.raise_request_exception = False  # status codes are test_gates' business; here: content
            body = _body(client.get(url, follow=False))
            seen += merchant.legal_name in body
            for clear in (CLEAR_ID, CLEAR_ACCOUNT):
                if clear in body:
                    failures.append(f"{route.full_name} as {actor} shows {mask(clear)}")
    assert seen, "the walk never reached a page about merchant A"
    assert not failures, "\n".join(failures)


# --- reencrypt --------------------------------------------------------------------------------

def run_reencrypt(*args) -> str:
    out = StringIO()
    call_command("reencrypt", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_reencrypt_after_key_rotation_moves_every_value_to_the_new_key(settings):
    settings.ACQUIRER_FIELD_KEYS = KEY_F1
    merchants = [give_legal_rep_id(make_merchant(), resident_id(f"36042619910101{n:03d}")) for n in (7, 8)]
    account = give_account(merchants[0])
    untouched = make_merchant()  # no resident ID: nothing to re-encrypt
    for merchant in merchants:
        assert key_id_of(raw_column("merchants_merchant", "legal_rep_id", merchant.pk)) == "f1"

    settings.ACQUIRER_FIELD_KEYS = f"{KEY_F2},{KEY_F1}"
    dry = run_reencrypt("--dry-run")
    assert "merchants.merchant: 2 row(s) to re-encrypt" in dry
    assert "merchants.settlementaccount: 1 row(s) to re-encrypt" in dry
    assert key_id_of(raw_column("merchants_merchant", "legal_rep_id", merchants[0].pk)) == "f1"
    assert not AuditEvent.objects.filter(action="secrets.reencrypted").exists()

    out = run_reencrypt("--batch-size", "1")
    assert "merchants.merchant: 2 row(s) re-encrypted" in out
    assert "merchants.settlementaccount: 1 row(s) re-encrypted" in out
    for merchant in merchants:
        stored = raw_column("merchants_merchant", "legal_rep_id", merchant.pk)
        assert key_id_of(stored) == "f2" and merchant.legal_rep_id not in stored
        assert Merchant.objects.get(pk=merchant.pk).legal_rep_id == merchant.legal_rep_id
    stored_account = raw_column("merchants_settlementaccount", "account_number", account.pk)
    assert key_id_of(stored_account) == "f2" and CLEAR_ACCOUNT not in stored_account
    assert SettlementAccount.objects.get(pk=account.pk).account_number == CLEAR_ACCOUNT
    assert raw_column("merchants_merchant", "legal_rep_id", untouched.pk) == ""
    event = AuditEvent.objects.get(action="secrets.reencrypted")
    assert event.data["key"] == "f2"
    assert event.data["counts"]["merchants.merchant"] == 2
    assert event.data["counts"]["merchants.settlementaccount"] == 1

    again = run_reencrypt()
    assert "merchants.merchant: 0 row(s) re-encrypted" in again and "0 row(s) re-encrypted under key 'f2'" in again
    assert AuditEvent.objects.filter(action="secrets.reencrypted").count() == 2
    # the old key can now be dropped: everything still reads under the new key alone
    settings.ACQUIRER_FIELD_KEYS = KEY_F2
    assert Merchant.objects.get(pk=merchants[1].pk).legal_rep_id == merchants[1].legal_rep_id


@pytest.mark.django_db
def test_reencrypt_stops_on_a_value_it_cannot_decrypt_and_names_the_row(settings):
    settings.ACQUIRER_FIELD_KEYS = KEY_F1
    good = give_legal_rep_id(make_merchant())
    bad = make_merchant()
    with connection.cursor() as cursor:  # a value encrypted with a key nobody has any more
        cursor.execute("UPDATE merchants_merchant SET legal_rep_id = %s WHERE id = %s",
                       ["enc1:f0:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", bad.pk])
    settings.ACQUIRER_FIELD_KEYS = f"{KEY_F2},{KEY_F1}"
    with pytest.raises(CommandError) as excinfo:
        run_reencrypt("--batch-size", "1")
    assert f"merchants.Merchant pk={bad.pk}" in str(excinfo.value) and "legal_rep_id" in str(excinfo.value)
    assert key_id_of(raw_column("merchants_merchant", "legal_rep_id", bad.pk)) == "f0"  # left as it was
    assert key_id_of(raw_column("merchants_merchant", "legal_rep_id", good.pk)) == "f2"  # earlier batch kept
    failed = AuditEvent.objects.get(action="secrets.reencrypt_failed")
    assert str(bad.pk) in failed.data["error"]
    assert not AuditEvent.objects.filter(action="secrets.reencrypted").exists()


@pytest.mark.django_db
def test_reencrypt_refuses_clear_text_found_in_an_encrypted_column(settings):
    merchant = make_merchant()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE merchants_merchant SET legal_rep_id = %s WHERE id = %s", [CLEAR_ID, merchant.pk])
    with pytest.raises(CommandError) as excinfo:
        run_reencrypt()
    assert f"pk={merchant.pk}" in str(excinfo.value)
    assert CLEAR_ID not in str(excinfo.value)
