"""Request hardening: NUL bytes answer 400, signed-in pages are never cached, sign-up reveals no account,
guessable passwords are refused, request logs keep no search terms, a dead database is one clear line."""

import http.client
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from acquirer import roles
from acquirer.middleware import NoStoreForSignedInMiddleware
from acquirer.models import AuditEvent, User
from merchants.models import Merchant
from tests.factories import PASSWORD, make_merchant_user, make_user

ROOT = Path(__file__).resolve().parent.parent
OPS = roles.OPERATIONS_MANAGER
RESIDENT_ID = "110101199003074578"
STRONG = "quiet-lantern-orchard-47"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()  # sign-up, login and confirmation-mail throttles live in the cache
    yield
    cache.clear()


# --- NUL bytes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("client_name", "url"), [(OPS, "/ops/merchants/"), ("auditor", "/audit/merchants/")])
def test_a_nul_byte_in_a_search_answers_400_and_a_normal_search_still_works(clients, client_name, url):
    assert clients[client_name].get(url + "?q=%00").status_code == 400
    assert clients[client_name].get(url + "?q=abc%00def&page=1").status_code == 400
    assert clients[client_name].get(url, {"q": "\x00"}).status_code == 400
    response = clients[client_name].get(url, {"q": "Merchant A"})
    assert response.status_code == 200 and "Merchant A Trading" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_answers_400_before_the_login_is_tried(users):
    response = Client().post(reverse("account_login"), {"login": "operationsmanager\x00", "password": "x"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="user.login_failed").exists()
    # the same form without the NUL is answered as usual (a refused login, audited)
    response = Client().post(reverse("account_login"), {"login": "operationsmanager", "password": "wrong-pass-1"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="user.login_failed").exists()


def test_a_nul_byte_in_a_signed_in_users_form_changes_nothing(users, clients):
    user = users["merchant_a"]
    old_hash = user.password
    response = clients["merchant_a"].post(reverse("account_change_password"),
                                          {"oldpassword": PASSWORD, "password1": STRONG + "\x00",
                                           "password2": STRONG + "\x00"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.password == old_hash


def test_a_nul_byte_in_the_path_a_parameter_name_or_a_multipart_field_answers_400(clients):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = clients["merchant_a"]
    assert client.get("/portal/documents/%00/").status_code == 400
    assert client.get("/portal/documents/", {"q\x00": "x"}).status_code == 400
    upload = SimpleUploadedFile("proof.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(reverse("portal:document-list"), {"file": upload, "note": "a\x00b"})
    assert response.status_code == 400


# --- no caching of signed-in pages ----------------------------------------------------------------

@pytest.mark.parametrize(("client_name", "url"), [
    (OPS, "/ops/"), (OPS, "/ops/merchants/"), (OPS, "/ops/users/"),
    ("merchant_a", "/portal/"), ("merchant_a", "/portal/application/"), ("merchant_a", "/portal/documents/"),
    ("auditor", "/audit/"), ("auditor", "/audit/merchants/"), ("auditor", "/audit/events/export.csv"),
    (OPS, "/notifications/"),
])
def test_every_page_for_a_signed_in_user_says_no_store(clients, client_name, url):
    response = clients[client_name].get(url)
    assert response.status_code == 200, url
    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


def test_a_document_download_keeps_its_own_no_store_header(settings, tmp_path, users, clients, merchant_a):
    from merchants.services.documents import document_upload
    from tests.merchants.kyc_data import pdf_bytes
    from tests.merchants.test_documents import upload

    settings.MEDIA_ROOT = tmp_path / "media"
    document = document_upload(actor=users["merchant_a"], merchant=merchant_a, kind="settlement_proof",
                               uploaded_file=upload("proof.pdf", pdf_bytes("NO-STORE")))
    for client_name, url_name in [("merchant_a", "portal:document-download"), (OPS, "ops:document-download"),
                                  ("auditor", "audit:document-download")]:
        response = clients[client_name].get(reverse(url_name, kwargs={"pk": document.pk}))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"  # the view's own header, untouched
        assert response["Pragma"] == "no-cache"
        b"".join(response.streaming_content)


def test_a_view_that_asked_for_public_caching_gives_way_for_a_signed_in_user(users):
    request = RequestFactory().get("/portal/")
    request.user = users["merchant_a"]

    def cached_view(_request):
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreForSignedInMiddleware(cached_view)(request)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "no-store" in directives and "private" in directives and "public" not in directives


def test_pages_for_anonymous_visitors_are_left_alone(db):
    response = Client().get(reverse("account_login"))
    assert response.status_code == 200
    assert "Pragma" not in response


# --- sign-up without account enumeration -----------------------------------------------------------

def _sign_up(email: str, *, password: str = STRONG, ip: str = "10.20.0.1", **extra):
    client = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("account_signup"), {
        "email": email, "password1": password, "password2": password, "legal_name": "上海新店餐饮有限公司",
        **extra})
    return client, response


def _followed_page(client, response, email: str) -> str:
    page = client.get(response["Location"]).content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return page.replace(email, "EMAIL")


@pytest.fixture
def existing_accounts(role_groups, merchant_a):
    owner = make_merchant_user(merchant_a, username="shopowner", email="owner@shop.example")
    # an account whose login name is an address (as a self-signed-up merchant's is) but mailed elsewhere
    named = make_merchant_user(merchant_a, username="boss@shop.example", email="boss.private@shop.example")
    return owner, named


def test_sign_up_answers_the_same_for_a_fresh_a_taken_address_and_a_taken_login_name(existing_accounts):
    """The response (status, redirect, the page it leads to) is the same in all three cases; only the fresh
    one creates an account, and the owner of a taken address is told by e-mail."""
    users_before = User.objects.count()
    answers = {}
    for case, email, ip in [("fresh", "fresh@shop.example", "10.20.0.1"), ("taken email", "owner@shop.example",
                            "10.20.0.2"), ("taken login name", "boss@shop.example", "10.20.0.3")]:
        client, response = _sign_up(email, ip=ip)
        answers[case] = (response.status_code, response["Location"], _followed_page(client, response, email))
    assert answers["fresh"] == answers["taken email"] == answers["taken login name"]
    status, location, page = answers["fresh"]
    assert status == 302 and location == reverse("account_email_verification_sent")
    assert "Verify Your Email Address" in page

    assert User.objects.count() == users_before + 1
    assert User.objects.filter(email__iexact="owner@shop.example").count() == 1
    assert User.objects.filter(username__iexact="boss@shop.example").count() == 1
    fresh = User.objects.get(email="fresh@shop.example")
    assert fresh.username == "fresh@shop.example" and fresh.kind == "merchant"
    assert Merchant.objects.filter(applicant=fresh).count() == 1
    assert Merchant.objects.filter(legal_name="上海新店餐饮有限公司").count() == 1

    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"fresh@shop.example", "owner@shop.example", "boss@shop.example"}
    assert "/accounts/confirm-email/" in sent["fresh@shop.example"].body
    for address in ("owner@shop.example", "boss@shop.example"):
        assert "already exists" in sent[address].body and "/accounts/confirm-email/" not in sent[address].body


def test_a_posted_username_of_an_existing_account_is_ignored(existing_accounts):
    _client, response = _sign_up("someone.new@shop.example", username="shopowner")
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.get(email="someone.new@shop.example").username == "someone.new@shop.example"
    assert User.objects.filter(username="shopowner").count() == 1


def test_a_self_signed_up_account_is_usable_only_after_its_address_is_confirmed(role_groups):
    client, _response = _sign_up("fresh@shop.example")
    assert client.get(reverse("portal:application")).status_code == 302  # not signed in
    # signing in with the password alone does not get in either: the link is mailed again
    other = Client(REMOTE_ADDR="10.20.9.9")
    response = other.post(reverse("account_login"), {"login": "fresh@shop.example", "password": STRONG})
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert other.get(reverse("portal:application")).status_code == 302
    # the mailed link, opened in the sign-up's browser, confirms the address and signs the merchant in
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(1)
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == reverse("portal:application")
    assert client.get(reverse("portal:application")).status_code == 200
    # from now on the e-mail address and the password are enough
    again = Client(REMOTE_ADDR="10.20.9.8")
    assert again.post(reverse("account_login"), {"login": "fresh@shop.example", "password": STRONG})["Location"] \
        != reverse("account_email_verification_sent")
    assert again.get(reverse("portal:application")).status_code == 200


def test_accounts_created_by_operations_sign_in_without_a_confirmation_step(users):
    for name in ("merchant_a", OPS, "auditor"):
        client = Client(REMOTE_ADDR="10.20.8.1")
        response = client.post(reverse("account_login"), {"login": users[name].username, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] != reverse("account_email_verification_sent")


# --- guessable passwords ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_password123_is_refused_as_too_easy_to_guess():
    user = make_user()
    with pytest.raises(ValidationError) as info:
        validate_password("Password123!", user)
    assert "password_too_guessable" in [e.code for e in info.value.error_list]
    validate_password(STRONG, user)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("en", "This password is too easy to guess."),
                                                     ("zh-hans", "建议")], ids=["en", "zh-hans"])
def test_password_change_refuses_password123_and_explains_it(language, expected):
    user = make_user()
    client = Client()
    assert client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD}).status_code == 302
    old_hash = User.objects.get(pk=user.pk).password
    client.cookies["django_language"] = language
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": PASSWORD, "password1": "Password123!", "password2": "Password123!"})
    assert response.status_code == 200 and expected in response.content.decode()
    assert User.objects.get(pk=user.pk).password == old_hash
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": PASSWORD, "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(STRONG)


def test_sign_up_refuses_password123(role_groups):
    _client, response = _sign_up("weak@shop.example", password="Password123!")
    assert response.status_code == 200 and "This password is too easy to guess." in response.content.decode()
    assert not User.objects.filter(email="weak@shop.example").exists()


@pytest.mark.django_db
def test_the_test_and_demo_passwords_pass_the_validators(monkeypatch, tmp_path):
    from acquirer import demo
    from acquirer.management.commands.seed_demo import generate_password

    user = User(username="newcomer", email="newcomer@example.test")  # not saved: no password history
    validate_password(PASSWORD, user)
    for _ in range(20):
        validate_password(generate_password(), user)
    for n in range(10):
        monkeypatch.setattr(demo, "PASSWORD_FILE", tmp_path / f"demo-password-{n}")
        validate_password(demo.demo_password(), user)


# --- request logs without search terms ---------------------------------------------------------------

@pytest.fixture
def server_log(caplog):
    """Records of django.server (which does not propagate to the root logger caplog listens on)."""
    logger = logging.getLogger("django.server")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.mark.django_db
def test_the_access_log_of_the_development_server_keeps_no_search_terms(server_log):
    """A real request through runserver's request handler: the access line names the page and the
    parameters, never the values."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        connection.request("GET", f"/ops/merchants/?q={RESIDENT_ID}&name=%E5%BC%A0%E4%B8%89")
        assert connection.getresponse().status == 302  # anonymous: to the login page
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    lines = [r.getMessage() for r in server_log.records if r.name == "django.server"]
    assert any("/ops/merchants/?q=***&name=***" in line for line in lines), lines
    assert not any(RESIDENT_ID in line or "%E5%BC%A0" in line for line in lines)


def test_error_logs_keep_no_id_number_of_the_path_or_the_query(caplog, db):
    caplog.set_level(logging.INFO)
    response = Client().get(f"/no-such-page/{RESIDENT_ID}/", {"q": RESIDENT_ID})
    assert response.status_code == 404
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages and all(RESIDENT_ID not in m and RESIDENT_ID[:10] not in m for m in messages)
    assert "/no-such-page/***/" in messages[0]


def test_gunicorn_access_records_are_masked_too():
    """gunicorn logs its access line as one dict of atoms (r: request line, q: query string)."""
    from acquirer.logging import MaskQueryStringFilter

    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s %(q)s',
                               None, None)
    record.args = {"h": "127.0.0.1", "r": f"GET /audit/merchants/?q={RESIDENT_ID} HTTP/1.1", "s": "200",
                   "q": f"q={RESIDENT_ID}&page=2"}
    assert MaskQueryStringFilter().filter(record)
    assert record.getMessage() == '127.0.0.1 "GET /audit/merchants/?q=*** HTTP/1.1" 200 q=***&page=***'


# --- a database that cannot be reached ---------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", [["migrate"], ["runserver", "127.0.0.1:0"], ["showmigrations"]],
                         ids=["migrate", "runserver", "showmigrations"])
def test_a_command_with_the_database_down_prints_one_line_and_exits_1(command):
    port = _closed_port()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/acquirer"}
    result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == f"error: cannot connect to the database at 127.0.0.1:{port} (is PostgreSQL running?)\n"
    assert "Traceback" not in result.stdout
