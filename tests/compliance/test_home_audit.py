"""The auditor's home page ("where do we stand?"): posture per framework, open findings by severity and age, the
early-warning figures above zero — real figures from the services, links to the audit area's lists, both languages,
and the same number of queries whatever the data."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from compliance.models import Finding
from compliance.services import assessments as assessment_svc
from compliance.services import findings as finding_svc
from tests.compliance.fixtures_library import library_fixture, quarterly_fixture, start_quarterly  # noqa: F401

pytestmark = pytest.mark.django_db
HOME = "audit:home"


def _home(client, language="en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(HOME))
    assert response.status_code == 200
    return response.content.decode()


def _raise(users, *, severity="high", days_old=0, overdue=False, title="Passwords not rotated"):
    finding = finding_svc.finding_raise(
        actor=users[roles.COMPLIANCE_OFFICER], title=title, description="Service accounts keep passwords.",
        source="internal_audit", severity=severity, owner=users[roles.RISK_ANALYST],
        due_on=timezone.localdate() + timedelta(days=20))
    # time passes: the finding was raised ``days_old`` days ago (and its due date passed when ``overdue``)
    changes = {"raised_at": timezone.now() - timedelta(days=days_old)}
    if overdue:
        changes["due_on"] = timezone.localdate() - timedelta(days=1)
    Finding.objects.filter(pk=finding.pk).update(**changes)
    return finding


def _assessment(quarterly, users):
    assessment = start_quarterly(template=quarterly, officer=users[roles.COMPLIANCE_OFFICER],
                                 reviewer=users[roles.OPERATIONS_MANAGER], assignee=users[roles.RISK_ANALYST])
    items = list(assessment.items.select_related("requirement__framework").order_by("id"))
    assessment_svc.item_answer(actor=users[roles.RISK_ANALYST], item=items[0], status="done", result="compliant",
                               comment="checked")
    assessment_svc.item_answer(actor=users[roles.RISK_ANALYST], item=items[1], status="done",
                               result="non_compliant", comment="missing")
    return assessment, items


def _bar(html: str, chart_id: str, label: str) -> str:
    figure = html.split(f'id="{chart_id}-chart"', 1)[1].split("</figure>", 1)[0]
    found = re.search(rf'data-label="{re.escape(label)}" data-value="([^"]+)"', figure)
    assert found, (chart_id, label)
    return found.group(1)


def test_posture_per_framework_counts_the_latest_assessment_items_by_result_and_links(clients, users, quarterly):
    html = _home(clients["auditor"])
    assert "Posture per framework" in html
    assessment, items = _assessment(quarterly, users)
    framework = items[0].requirement.framework
    html = _home(clients["auditor"])
    chart_id = f"home-posture-{framework.pk}"
    same = [item for item in items if item.requirement.framework_id == framework.pk]
    compliant = 1 if items[0].requirement.framework_id == framework.pk else 0
    non_compliant = 1 if items[1].requirement.framework_id == framework.pk else 0
    assert _bar(html, chart_id, "Compliant") == str(compliant)
    assert _bar(html, chart_id, "Non-compliant") == str(non_compliant)
    assert _bar(html, chart_id, "Not answered") == str(len(same) - compliant - non_compliant)
    assert reverse("audit:framework-detail", args=[framework.pk]) in html
    # a third answer moves the figure
    third = next(item for item in same if item.pk not in (items[0].pk, items[1].pk))
    assessment_svc.item_answer(actor=users[roles.RISK_ANALYST], item=third, status="done", result="not_applicable",
                               comment="no card data here")
    html = _home(clients["auditor"])
    assert _bar(html, chart_id, "Not applicable") == "1"
    assert _bar(html, chart_id, "Not answered") == str(len(same) - compliant - non_compliant - 1)


def test_a_cancelled_assessment_is_not_the_posture(clients, users, quarterly):
    assessment, items = _assessment(quarterly, users)
    framework = items[0].requirement.framework
    type(assessment).objects.filter(pk=assessment.pk).update(status="cancelled")
    html = _home(clients["auditor"])
    section = html.split(f'data-framework="{framework.code}"', 1)[1].split("</div>", 1)[0]
    assert 'data-posture="none"' in section


def test_open_findings_by_severity_and_age_with_links_to_the_list(clients, users):
    _raise(users, severity="high")
    _raise(users, severity="high", days_old=45)
    _raise(users, severity="critical", days_old=120, overdue=True)
    html = _home(clients["auditor"])
    assert "Open findings by severity and age" in html
    table = html.split('id="home-findings-age"', 1)[1].split("</table>", 1)[0]
    high = table.split('data-severity="high"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="text-end mono"[^>]*>(?:<a [^>]*>)?(\d+)', high)
    assert cells == ["1", "1", "0", "0", "2"]
    critical = table.split('data-severity="critical"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="text-end mono"[^>]*>(?:<a [^>]*>)?(\d+)', critical) == ["0", "0", "1", "1", "1"]
    assert _bar(html, "home-findings", "High") == "2"
    base = reverse("audit:finding-list")
    assert f'href="{base}?status=open&amp;severity=high"' in html
    assert f'href="{base}?overdue=1&amp;severity=critical"' in html
    # the links open the list with those filters
    response = clients["auditor"].get(base, {"status": "open", "severity": "high"})
    assert response.status_code == 200
    # a closed finding leaves the open figures
    finding_svc.finding_dismiss(actor=users[roles.COMPLIANCE_OFFICER], finding=Finding.objects.filter(
        severity="high").order_by("id").first(), reason="Not a finding after all.")
    assert _bar(_home(clients["auditor"]), "home-findings", "High") == "1"


def test_early_warning_figures_above_zero_with_a_link_to_the_page(clients, users):
    html = _home(clients["auditor"])
    assert "Early-warning figures" in html
    assert 'data-warning="compliance.findings_overdue"' not in html
    assert reverse("audit:early-warning") in html
    _raise(users, overdue=True)
    html = _home(clients["auditor"])
    item = html.split('data-warning="compliance.findings_overdue"', 1)[1].split("</li>", 1)[0]
    assert 'data-count="1"' in item
    assert reverse("audit:finding-list") in item


@pytest.mark.parametrize("language, words", [("en", "Posture per framework"), ("zh-hans", None)])
def test_the_panels_render_in_both_languages(clients, users, quarterly, language, words):
    _assessment(quarterly, users)
    _raise(users, overdue=True)
    html = _home(clients["auditor"], language)
    assert 'id="home-findings-chart"' in html and 'id="home-warnings"' in html and 'id="home-posture"' in html
    assert f'<html lang="{language}">' in html
    if words:
        assert words in html


def test_staff_homes_do_not_show_the_audit_panels(clients):
    response = clients[roles.COMPLIANCE_OFFICER].get(reverse("ops:home"))
    assert response.status_code == 200
    assert 'id="home-posture"' not in response.content.decode()


def test_the_home_page_runs_the_same_number_of_queries_whatever_the_data(clients, users, quarterly):
    client = clients["auditor"]
    _assessment(quarterly, users)
    _raise(users)
    _home(client)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as small:
        _home(client)
    for number in range(6):
        _raise(users, severity=("low", "medium", "critical")[number % 3], days_old=number * 40,
               overdue=bool(number % 2), title=f"Finding {number}")
    from compliance.models import ChecklistTemplate

    other = ChecklistTemplate.objects.get(name_en="Annual PCI DSS assessment")
    start_quarterly(template=other, officer=users[roles.COMPLIANCE_OFFICER], reviewer=users[roles.OPERATIONS_MANAGER],
                    assignee=users[roles.RISK_ANALYST])
    with CaptureQueriesContext(connection) as large:
        _home(client)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    print("audit:home queries:", len(small))
