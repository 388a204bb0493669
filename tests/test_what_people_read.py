"""People read sentences, labels and local times — never action codes, Python dicts or ISO stamps.

The demo is seeded and every page with a history, the audit trail, the merchant's activity page, the jobs
console, the health flags and the backups page is rendered in both languages and searched for raw codes."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from acquirer import audit
from acquirer.audit_text import catalogue, describe
from acquirer.models import AuditEvent, User

ROOT = Path(__file__).resolve().parent.parent
APPS = ("acquirer", "merchants", "terminals", "transactions", "complaints", "compliance")
_CODE = re.compile(r"\"([a-z_]+\.[a-z_]+)\"")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DEMO_PASSWORD = "Demo-pass-2026x-Lantern"


def _action_codes_in_source() -> set[str]:
    """String literals written as audit actions: ``record("x.y"``, ``action="x.y"``, ``ACTION = "x.y"``."""
    codes = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "audit_actions.py":
                continue
            for line in path.read_text().splitlines():
                line = re.sub(r'"kind":\s*"[a-z_.]+"', "", line)  # a notification's kind is not an audit action
                if re.search(r"record\(|action\s*=|ACTION\s*=|_ACTIONS?\s*=|: \"[a-z_]+\.[a-z_]+\"[,}]", line):
                    codes.update(match for match in _CODE.findall(line)
                                 if match.split(".")[0] in _PREFIXES)
    return codes


_PREFIXES = {"user", "email", "job", "backup", "audit", "secrets", "merchant", "kyc", "blacklist", "document",
             "contract", "settlement_account", "inspection", "terminal", "terminal_model", "parameter_change",
             "work_order", "ticket", "firmware", "campaign", "deposit", "rent", "health"}


def test_every_action_written_in_the_source_has_a_sentence():
    missing = _action_codes_in_source() - set(catalogue().actions)
    assert not missing, f"audit actions without a sentence in an app's audit_actions.py: {sorted(missing)}"


@pytest.mark.django_db
def test_an_event_reads_as_a_sentence_with_labelled_changes_in_both_languages(users, merchant_a):
    reviewer = users["onboarding_reviewer"]
    reviewer.first_name, reviewer.last_name = "芳", "王"
    reviewer.save()
    event = audit.record("merchant.approved", actor=reviewer, target=merchant_a,
                         before={"status": "under_review"}, after={"status": "approved"})
    event = AuditEvent.objects.select_related("actor").get(pk=event.pk)
    with override("en"):
        view = describe(event)
        assert view.sentence == f"王芳 approved merchant {merchant_a}"
        assert view.changes == [("Status", "Under review", "Approved")]
        assert view.role == "Onboarding reviewer"
    with override("zh-hans"):
        view = describe(event)
        assert "批准了商户" in view.sentence and "approved" not in view.sentence
        assert view.changes[0][2] != "approved"


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<details.*?</details>", " ", html)  # the auditors' raw record, on request only
    html = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return html


def _problems(text: str, codes: set[str]) -> list[str]:
    found = []
    for marker in ("{'", "': '", "{&#x27;", "&#x27;: &#x27;"):
        if marker in text:
            index = text.index(marker)
            found.append(f"dict {text[max(index - 60, 0):index + 60]!r}")
    for match in _ISO.finditer(text):
        found.append(f"ISO time {text[max(match.start() - 40, 0):match.end() + 20]!r}")
    for code in codes:
        if re.search(rf"(?<![\w./-]){re.escape(code)}(?![\w/-])", text):
            found.append(f"action code {code}")
    return found


@pytest.mark.django_db(transaction=True)
def test_demo_history_audit_activity_jobs_and_backup_pages_show_no_raw_codes():
    from merchants.models import Contract, Merchant
    from terminals.models import FirmwareCampaign, Terminal, Ticket, WorkOrder

    call_command("seed_demo", "--password", DEMO_PASSWORD)
    codes = set(catalogue().actions) | {e for e in AuditEvent.objects.values_list("action", flat=True).distinct()}
    unknown = {e for e in AuditEvent.objects.values_list("action", flat=True).distinct()} - set(catalogue().actions)
    assert not unknown, f"the demo wrote actions without a sentence: {sorted(unknown)}"
    pages = {"ops": [reverse("ops:job-list"), reverse("ops:backup-list"), reverse("ops:health-list")],
             "auditor": [reverse("audit:event-list"), reverse("audit:home")],
             "merchant": [reverse("portal:activity")]}
    for merchant in Merchant.objects.order_by("pk")[:4]:
        pages["ops"].append(reverse("ops:merchant-detail", kwargs={"pk": merchant.pk}))
    for contract in Contract.objects.order_by("pk")[:2]:
        pages["ops"].append(reverse("ops:contract-detail", kwargs={"pk": contract.pk}))
    for terminal in Terminal.objects.exclude(merchant=None).order_by("-pk")[:3]:
        pages["ops"].append(reverse("ops:terminal-detail", kwargs={"pk": terminal.pk}))
    for ticket in Ticket.objects.order_by("pk")[:2]:
        pages["ops"].append(reverse("ops:ticket-detail", kwargs={"pk": ticket.pk}))
    for work_order in WorkOrder.objects.order_by("pk")[:2]:
        pages["ops"].append(reverse("ops:workorder-detail", kwargs={"pk": work_order.pk}))
    for campaign in FirmwareCampaign.objects.order_by("pk")[:1]:
        pages["ops"].append(reverse("ops:campaign-detail", kwargs={"pk": campaign.pk}))
    problems = []
    for username, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for language in ("zh-hans", "en"):
            client.cookies["django_language"] = language
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, (username, url, response.status_code)
                problems += [f"{username} {language} {url}: {p}"
                             for p in _problems(_visible_text(response.content.decode()), codes)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.django_db
def test_merchant_activity_shows_only_what_a_merchant_should_read_with_keyset_pages(clients, users, merchant_a):
    owner = users["merchant_a"]
    audit.record("kyc.secret_revealed", actor=users["risk_analyst"], target=merchant_a, data={"field": "id"})
    for number in range(35):
        audit.record("document.uploaded", actor=owner, target=merchant_a, data={"n": number})
    first = clients["merchant_a"].get(reverse("portal:activity"))
    body = first.content.decode()
    assert "revealed" not in body and "查看了" not in body
    assert len(first.context["events"]) == 30 and first.context["older"]
    second = clients["merchant_a"].get(reverse("portal:activity"), {"before": first.context["older"]})
    assert 0 < len(second.context["events"]) <= 30
    assert not {e.id for e in first.context["events"]} & {e.id for e in second.context["events"]}


@pytest.mark.django_db
def test_the_origin_column_is_ip_or_source_not_a_start_date(clients, merchant_a):
    with override("zh-hans"):
        response = clients["operations_manager"].get(reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk}),
                                                    HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert "起始日期" not in body.split('id="panel-history"')[-1]


@pytest.mark.django_db
def test_a_contract_whose_term_has_not_started_reads_signed_starts_on(clients, users, merchant_a):
    from datetime import date, timedelta

    from django.utils import timezone

    from tests.terminals.factories import make_live_merchant

    start = timezone.localdate() + timedelta(days=1)
    make_live_merchant(merchant_a, users["operations_manager"], start_date=start)
    contract = merchant_a.contracts.get()
    with override("en"):
        assert contract.status_label == f"Signed — starts on {start:%Y-%m-%d}"
    clients["merchant_a"].cookies["django_language"] = "en"
    page = clients["merchant_a"].get(reverse("portal:home")).content.decode()
    assert f"Signed — starts on {start:%Y-%m-%d}" in page and "Countersigned (in force)" not in page
    contract.start_date = date(2024, 1, 1)
    with override("en"):
        assert contract.status_label == "Countersigned (in force)"


def test_docs_list_every_audit_action_of_every_catalogue():
    from acquirer.management.commands.audit_catalogue import catalogue_markdown

    documented = (ROOT / "docs" / "audit-actions.md").read_text()
    assert documented == catalogue_markdown(), "run: python manage.py audit_catalogue > docs/audit-actions.md"


@pytest.mark.django_db
def test_role_names_read_as_words_on_the_ops_home_and_user_list(clients):
    client = clients["operations_manager"]
    client.cookies["django_language"] = "en"
    for url in (reverse("ops:home"), reverse("ops:user-list")):
        body = _visible_text(client.get(url).content.decode())
        assert "operations_manager" not in body and "Operations manager" in body, url
