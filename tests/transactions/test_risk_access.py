"""Who may use each risk page: anonymous users are sent to sign in, each staff role as ``transactions/roles.py``
grants, merchants see only their own holds and never a rule, an internal reason or a note, auditors read but
change nothing; the pages render in both languages. (Every URL x every actor: ``tests/test_gates.py`` with
``gate_samples_risk``.)"""

import pytest
from django.urls import reverse

from acquirer import roles
from tests.transactions.risk_view_factories import (
    INTERNAL_REASON,
    MERCHANT_REASON,
    make_case,
    make_hold,
    make_note,
    make_rule,
)

NOTE = "Analyst note: linked to a known fraud ring"


@pytest.fixture
def risk(users, merchant_a, merchant_b):
    rule = make_rule(name="Secret rule name for staff")
    case_a = make_case(rule=rule, merchant=merchant_a)
    make_note(case=case_a, text=NOTE, by=users[roles.RISK_ANALYST])
    hold_a = make_hold(merchant=merchant_a, case=case_a, placed_by=users[roles.RISK_ANALYST])
    hold_b = make_hold(merchant=merchant_b, amount_minor=123456, merchant_reason="Wording for merchant B",
                       reason="Internal reason about B")
    return {"rule": rule, "case": case_a, "hold_a": hold_a, "hold_b": hold_b}


def _urls(risk):
    rule, case, hold = risk["rule"].pk, risk["case"].pk, risk["hold_a"].pk
    return {
        "get": [reverse("ops:risk-rule-list"), reverse("ops:risk-rule-detail", args=[rule]),
                reverse("ops:risk-case-list"), reverse("ops:risk-case-detail", args=[case]),
                reverse("ops:risk-hold-list"), reverse("ops:risk-charts"), reverse("ops:risk-rule-edit", args=[rule]),
                reverse("ops:risk-rule-create"), reverse("ops:risk-rule-dry-run", args=[rule]),
                reverse("portal:hold-list"), reverse("audit:risk-rule-list"),
                reverse("audit:risk-rule-detail", args=[rule]), reverse("audit:risk-case-list"),
                reverse("audit:risk-case-detail", args=[case]), reverse("audit:risk-hold-list")],
        "post": [reverse("ops:risk-rule-enable", args=[rule]), reverse("ops:risk-case-take", args=[case]),
                 reverse("ops:risk-case-hold", args=[case]), reverse("ops:risk-hold-approve-release", args=[hold])],
    }


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_everywhere(clients, risk):
    client = clients["anonymous"]
    urls = _urls(risk)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in urls["post"]:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


# (URL name, kwargs key, method) -> the staff roles that may use it; every other staff role gets 403.
READERS = {roles.RISK_ANALYST, roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER}
MATRIX = [
    ("ops:risk-rule-list", None, "get", READERS),
    ("ops:risk-case-list", None, "get", READERS),
    ("ops:risk-hold-list", None, "get", READERS),
    ("ops:risk-charts", None, "get", READERS),
    ("ops:risk-case-detail", "case", "get", READERS),
    ("ops:risk-rule-detail", "rule", "get", READERS),
    ("ops:risk-rule-edit", "rule", "get", {roles.RISK_ANALYST}),
    ("ops:risk-rule-create", None, "get", {roles.RISK_ANALYST}),
    ("ops:risk-rule-dry-run", "rule", "get", {roles.RISK_ANALYST}),
    ("ops:risk-rule-disable", "rule", "post", {roles.RISK_ANALYST}),
    ("ops:risk-case-take", "case", "post", {roles.RISK_ANALYST, roles.OPERATIONS_MANAGER}),
    ("ops:risk-case-note", "case", "post", {roles.RISK_ANALYST, roles.OPERATIONS_MANAGER}),
    ("ops:risk-case-reported", "case", "post", {roles.RISK_ANALYST, roles.COMPLIANCE_OFFICER}),
    ("ops:risk-case-hold", "case", "post", {roles.RISK_ANALYST, roles.OPERATIONS_MANAGER}),
    ("ops:risk-hold-approve-release", "hold_a", "post", {roles.RISK_ANALYST, roles.OPERATIONS_MANAGER}),
    ("ops:risk-hold-reject-release", "hold_a", "post", {roles.RISK_ANALYST, roles.OPERATIONS_MANAGER}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "key", "method", "allowed"), MATRIX, ids=[row[0] for row in MATRIX])
def test_each_staff_role_as_roles_grant(clients, users, risk, name, key, method, allowed):
    url = reverse(name, kwargs={"pk": risk[key].pk} if key else {})
    for role in roles.ROLES:
        response = getattr(clients[role], method)(url)
        expected = {200, 302} if role in allowed else {403}
        assert response.status_code in expected, (role, response.status_code)
    for outsider in ("merchant_a", "auditor"):
        assert getattr(clients[outsider], method)(url).status_code in {403, 405}, outsider


@pytest.mark.django_db
def test_a_merchant_sees_only_its_own_holds_in_its_own_words(clients, risk):
    page_a = clients["merchant_a"].get(reverse("portal:hold-list")).content.decode()
    assert MERCHANT_REASON in page_a and f'data-hold="{risk["hold_a"].pk}"' in page_a
    assert "All payouts" in page_a
    for secret in (INTERNAL_REASON, risk["rule"].name, NOTE, "Wording for merchant B", "Internal reason about B",
                   "1,234.56", f"#{risk['case'].pk}"):
        assert secret not in page_a, secret
    page_b = clients["merchant_b"].get(reverse("portal:hold-list")).content.decode()
    assert "Wording for merchant B" in page_b and "1,234.56" in page_b
    assert MERCHANT_REASON not in page_b and f'data-hold="{risk["hold_a"].pk}"' not in page_b


@pytest.mark.django_db
def test_merchants_reach_no_staff_or_auditor_risk_page(clients, risk):
    client = clients["merchant_b"]
    for url in _urls(risk)["get"]:
        if url.startswith("/portal/") or "/portal/" in url:
            continue
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("ops:risk-hold-approve-release", args=[risk["hold_a"].pk])).status_code == 403
    risk["hold_a"].refresh_from_db()
    assert risk["hold_a"].status == "active"


@pytest.mark.django_db
def test_released_holds_leave_the_portal_after_a_while(clients, merchant_a):
    from datetime import timedelta

    from django.utils import timezone

    recent = make_hold(merchant=merchant_a, status="released", released_at=timezone.now() - timedelta(days=2))
    old = make_hold(merchant=merchant_a, status="released", released_at=timezone.now() - timedelta(days=90))
    page = clients["merchant_a"].get(reverse("portal:hold-list")).content.decode()
    assert f'data-hold="{recent.pk}"' in page and f'data-hold="{old.pk}"' not in page


@pytest.mark.django_db
def test_auditors_read_rules_cases_and_holds_but_change_nothing(clients, risk):
    client = clients["auditor"]
    for name, args in (("audit:risk-rule-list", []), ("audit:risk-rule-detail", [risk["rule"].pk]),
                       ("audit:risk-case-list", []), ("audit:risk-case-detail", [risk["case"].pk]),
                       ("audit:risk-hold-list", [])):
        url = reverse(name, args=args)
        page = client.get(url).content.decode()
        content = page[page.index("<main"):]  # the page's own content (the header has sign-out and language forms)
        assert 'method="post"' not in content and "/ops/" not in content, name
        assert client.post(url).status_code == 405, name
    case_page = client.get(reverse("audit:risk-case-detail", args=[risk["case"].pk])).content.decode()
    assert NOTE in case_page  # the evidence index
    holds = client.get(reverse("audit:risk-hold-list")).content.decode()
    assert INTERNAL_REASON in holds


@pytest.mark.django_db
def test_auditors_download_reports_of_decided_cases(clients, risk):
    from django.utils import timezone

    case = risk["case"]
    client = clients["auditor"]
    undecided = client.get(reverse("audit:risk-case-report", args=[case.pk, "pdf"]))
    assert undecided.status_code == 302
    case.status, case.decided_at = "confirmed", timezone.now()
    case.save(update_fields=["status", "decided_at"])
    page = client.get(reverse("audit:risk-case-detail", args=[case.pk])).content.decode()
    assert 'id="risk-case-reports"' in page
    response = client.get(reverse("audit:risk-case-report", args=[case.pk, "xlsx"]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("zh-hans", 'lang="zh-hans"'), ("en", 'lang="en"')])
def test_risk_pages_render_in_both_languages(clients, risk, language, shown):
    for actor, url in ((roles.RISK_ANALYST, reverse("ops:risk-case-list")),
                       (roles.RISK_ANALYST, reverse("ops:risk-case-detail", args=[risk["case"].pk])),
                       (roles.RISK_ANALYST, reverse("ops:risk-rule-edit", args=[risk["rule"].pk])),
                       (roles.RISK_ANALYST, reverse("ops:risk-charts")),
                       ("merchant_a", reverse("portal:hold-list")),
                       ("auditor", reverse("audit:risk-hold-list"))):
        client = clients[actor]
        client.cookies["django_language"] = language
        response = client.get(url)
        assert response.status_code == 200 and shown in response.content.decode(), (actor, url)
