"""Findings and their rectification: the journey through the pages, every move allowed and refused by role and
status, the database's own guard that the owner never verifies, and the list's constant queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent, Notification
from compliance.models import Evidence, Finding
from compliance.services import findings as svc
from compliance.services.evidence import evidence_add
from tests.merchants.kyc_data import png_file

OFFICER, MANAGER, ANALYST = roles.COMPLIANCE_OFFICER, roles.OPERATIONS_MANAGER, roles.RISK_ANALYST


def _due(days: int = 20):
    return timezone.localdate() + timedelta(days=days)


def raise_finding(users, *, owner=ANALYST, title="Passwords not rotated", status=None, **extra) -> Finding:
    finding = svc.finding_raise(actor=users[OFFICER], title=title, description="Service accounts keep passwords.",
                                source=extra.pop("source", "internal_audit"), severity=extra.pop("severity", "high"),
                                owner=users[owner], due_on=extra.pop("due_on", _due()), **extra)
    if status:
        move_to(users, finding, status)
    return Finding.objects.get(pk=finding.pk)


def move_to(users, finding, status):
    """Walk a finding the ordinary way to ``status``."""
    officer, owner = users[OFFICER], finding.owner
    path = {"confirmed": ["confirm"], "in_progress": ["confirm", "start"],
            "remediated": ["confirm", "start", "remediate"], "verified": ["confirm", "start", "remediate", "verify"],
            "closed": ["confirm", "start", "remediate", "verify", "close"],
            "risk_accepted": ["confirm", "accept"]}[status]
    for step in path:
        finding = Finding.objects.get(pk=finding.pk)
        if step == "confirm":
            svc.finding_confirm(actor=officer, finding=finding)
        elif step == "start":
            svc.finding_start(actor=owner, finding=finding)
        elif step == "remediate":
            evidence_add(actor=owner, target=finding, title="New policy", url="https://intranet.example/policy")
            svc.finding_remediate(actor=owner, finding=finding, remediation="Rotated every password.")
        elif step == "verify":
            svc.finding_verify(actor=officer, finding=finding, note="Checked the vault.")
        elif step == "close":
            svc.finding_close(actor=officer, finding=finding)
        elif step == "accept":
            svc.finding_accept_risk(actor=users[MANAGER], finding=finding, reason="Replaced next quarter.",
                                    until=_due(90))


# --- the journey --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_officer_raises_owner_rectifies_with_evidence_someone_else_verifies_owner_verifying_is_refused(
        users, clients, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer, owner = clients[OFFICER], clients[ANALYST]
    response = officer.post(reverse("ops:finding-create"), {
        "title": "Lockout after 10 failures missing", "description": "The portal never locks an account.",
        "source": "internal_audit", "severity": "high", "owner": users[ANALYST].pk,
        "due_on": _due().isoformat()})
    finding = Finding.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ops:finding-detail", args=[finding.pk])
    assert finding.reference == f"F-{timezone.localdate().year}-0001" and finding.status == "identified"
    assert Notification.objects.filter(recipient=users[ANALYST], kind="finding.assigned").exists()
    detail = reverse("ops:finding-detail", args=[finding.pk])
    assert officer.post(reverse("ops:finding-confirm", args=[finding.pk])).status_code == 302
    assert owner.post(reverse("ops:finding-start", args=[finding.pk])).status_code == 302

    # marking it rectified without evidence is refused, clearly, and what was typed stays
    page = owner.post(reverse("ops:finding-remediate", args=[finding.pk]), {"remediation": "Lockout switched on."})
    assert page.status_code == 200 and "Attach at least one piece of evidence" in page.content.decode()
    assert "Lockout switched on." in page.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == "in_progress"

    owner.post(reverse("ops:finding-evidence-add", args=[finding.pk]),
               {"title": "Settings screenshot", "upload": png_file("settings.png")})
    evidence = Evidence.objects.get(finding=finding)
    owner.post(reverse("ops:finding-remediate", args=[finding.pk]), {"remediation": "Lockout switched on."})
    finding.refresh_from_db()
    assert finding.status == "remediated" and finding.remediation == "Lockout switched on."

    # the owner may not verify: no button, and the service refuses
    body = owner.get(detail).content.decode()
    assert "finding-finding_verify-form" not in body and "Settings screenshot" in body
    refused = owner.post(reverse("ops:finding-verify", args=[finding.pk]), {"note": "me"})
    assert refused.status_code == 403  # the owner's role cannot verify at all
    with pytest.raises(NotPermitted):
        svc.finding_verify(actor=users[ANALYST], finding=finding)

    assert "finding-finding_verify-form" in officer.get(detail).content.decode()
    officer.post(reverse("ops:finding-verify", args=[finding.pk]), {"note": "Tried 10 wrong passwords."})
    officer.post(reverse("ops:finding-close", args=[finding.pk]))
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.verified_by == users[OFFICER] and finding.closed_at
    actions = list(AuditEvent.objects.filter(target_type="compliance.finding", target_id=str(finding.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["finding.raised", "finding.confirmed", "finding.rectification_started",
                       "finding.remediated", "finding.verified", "finding.closed"]
    history = officer.get(detail).content.decode()
    assert "reported the rectification" in history and "verified the rectification" in history
    assert "added the evidence Settings screenshot" in history
    download = clients["auditor"].get(reverse("audit:finding-evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(action="evidence.downloaded", actor=users["auditor"]).count() == 1
    audit_page = clients["auditor"].get(reverse("audit:finding-detail", args=[finding.pk])).content.decode()
    assert finding.reference in audit_page and "finding-finding_" not in audit_page
    assert "finding-evidence-form" not in audit_page


@pytest.mark.django_db
def test_the_database_refuses_a_verifier_who_owns_the_finding(users):
    finding = raise_finding(users, status="remediated")
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).update(status="verified", verified_by=finding.owner)


@pytest.mark.django_db
def test_owner_with_manage_rights_still_cannot_verify_their_own_finding(users):
    finding = raise_finding(users, owner=MANAGER, status="remediated")
    with pytest.raises(DomainError, match="cannot verify"):
        svc.finding_verify(actor=users[MANAGER], finding=finding)
    svc.finding_verify(actor=users[OFFICER], finding=finding)
    assert Finding.objects.get(pk=finding.pk).status == "verified"


# --- every move: who and from where -------------------------------------------------------------------------------

def _call(name, actor, finding, users):
    calls = {
        "confirm": lambda: svc.finding_confirm(actor=actor, finding=finding),
        "start": lambda: svc.finding_start(actor=actor, finding=finding),
        "remediate": lambda: svc.finding_remediate(actor=actor, finding=finding, remediation="Done."),
        "verify": lambda: svc.finding_verify(actor=actor, finding=finding),
        "send_back": lambda: svc.finding_send_back(actor=actor, finding=finding, reason="Not enough."),
        "close": lambda: svc.finding_close(actor=actor, finding=finding),
        "dismiss": lambda: svc.finding_dismiss(actor=actor, finding=finding, reason="Duplicate."),
        "accept_risk": lambda: svc.finding_accept_risk(actor=actor, finding=finding, reason="Low impact.",
                                                       until=_due(100)),
        "reassign": lambda: svc.finding_reassign(actor=actor, finding=finding, owner=users[roles.FIELD_ENGINEER],
                                                 reason="Moved teams."),
        "change_due": lambda: svc.finding_change_due(actor=actor, finding=finding, due_on=_due(40),
                                                     reason="Vendor delay."),
    }
    return calls[name]()


# (move, the status it starts from, who may, who may not): "owner" is the risk analyst who owns it
MATRIX = [
    ("confirm", "identified", [OFFICER, MANAGER], [ANALYST, "owner", "auditor"]),
    ("start", "confirmed", ["owner", OFFICER, MANAGER], [roles.FIELD_ENGINEER, "auditor"]),
    ("remediate", "in_progress", ["owner"], [OFFICER, MANAGER, roles.FIELD_ENGINEER]),
    ("verify", "remediated", [OFFICER, MANAGER], ["owner", roles.FIELD_ENGINEER, "auditor"]),
    ("send_back", "remediated", [OFFICER, MANAGER], ["owner", roles.FIELD_ENGINEER]),
    ("close", "verified", [OFFICER, MANAGER], ["owner", roles.FIELD_ENGINEER]),
    ("dismiss", "identified", [OFFICER, MANAGER], ["owner", roles.FIELD_ENGINEER]),
    ("accept_risk", "in_progress", [MANAGER], [OFFICER, "owner", roles.FIELD_ENGINEER]),
    ("reassign", "in_progress", [OFFICER, MANAGER], ["owner", roles.FIELD_ENGINEER]),
    ("change_due", "confirmed", [OFFICER, MANAGER], ["owner", roles.FIELD_ENGINEER]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("move", "status", "allowed", "refused"), MATRIX, ids=[row[0] for row in MATRIX])
def test_each_move_is_allowed_to_its_roles_and_refused_to_others(users, move, status, allowed, refused):
    for who in refused:
        finding = raise_finding(users, status=None if status == "identified" else status)
        if move == "remediate":
            evidence_add(actor=finding.owner, target=finding, title="Proof", url="https://x.example/proof")
        actor = finding.owner if who == "owner" else users[who]
        with pytest.raises(DomainError):
            _call(move, actor, finding, users)
        assert Finding.objects.get(pk=finding.pk).status == status, (move, who)
    for who in allowed:
        finding = raise_finding(users, status=None if status == "identified" else status)
        if move == "remediate":
            evidence_add(actor=finding.owner, target=finding, title="Proof", url="https://x.example/proof")
        actor = finding.owner if who == "owner" else users[who]
        _call(move, actor, finding, users)
        event = AuditEvent.objects.filter(target_type="compliance.finding", target_id=str(finding.pk)).latest("id")
        assert event.actor == actor, (move, who)


@pytest.mark.django_db
def test_every_other_status_refuses_each_move(users):
    from compliance.policy import ACTIONS

    statuses = ["identified", "confirmed", "in_progress", "remediated", "verified", "closed", "risk_accepted"]
    for move, _start, _allowed, _refused in MATRIX:
        action = ACTIONS[f"finding_{move}"]
        for status in statuses:
            if status in action.from_statuses:
                continue
            finding = raise_finding(users, status=None if status == "identified" else status)
            actor = finding.owner if move == "remediate" else users[MANAGER] if move == "accept_risk" else \
                users[OFFICER]
            if move == "start":
                actor = users[OFFICER]
            with pytest.raises(TransitionNotAllowed):
                _call(move, actor, finding, users)


@pytest.mark.django_db
def test_accepting_a_risk_needs_an_approver_other_than_the_owner_and_at_most_a_year(users):
    finding = raise_finding(users, owner=MANAGER, status="confirmed")
    with pytest.raises(DomainError, match="owner"):
        svc.finding_accept_risk(actor=users[MANAGER], finding=finding, reason="x", until=_due(30))
    other = raise_finding(users, status="confirmed")
    with pytest.raises(DomainError, match="at most a year"):
        svc.finding_accept_risk(actor=users[MANAGER], finding=other, reason="x", until=_due(400))
    with pytest.raises(DomainError, match="after today"):
        svc.finding_accept_risk(actor=users[MANAGER], finding=other, reason="x", until=timezone.localdate())
    svc.finding_accept_risk(actor=users[MANAGER], finding=other, reason="Legacy terminal retired soon.",
                            until=_due(200))
    other.refresh_from_db()
    assert other.status == "risk_accepted" and other.risk_approver == users[MANAGER]


@pytest.mark.django_db
def test_reassign_and_due_date_changes_are_audited_with_before_and_after(users):
    finding = raise_finding(users, status="in_progress")
    svc.finding_reassign(actor=users[OFFICER], finding=finding, owner=users[roles.FIELD_ENGINEER], reason="Moved")
    svc.finding_change_due(actor=users[OFFICER], finding=finding, due_on=_due(45), reason="Vendor")
    reassigned = AuditEvent.objects.get(action="finding.reassigned")
    assert reassigned.before == {"owner": users[ANALYST].username} and reassigned.after == {
        "owner": users[roles.FIELD_ENGINEER].username} and reassigned.data == {"reason": "Moved"}
    moved = AuditEvent.objects.get(action="finding.due_changed")
    assert moved.before == {"due_on": _due().isoformat()} and moved.after == {"due_on": _due(45).isoformat()}
    with pytest.raises(DomainError, match="Say why"):
        svc.finding_change_due(actor=users[OFFICER], finding=finding, due_on=_due(50), reason=" ")


@pytest.mark.django_db
def test_dismissing_an_identified_finding_closes_it_with_the_reason(users):
    finding = raise_finding(users)
    svc.finding_dismiss(actor=users[OFFICER], finding=finding, reason="Already covered by F-2026-0003.")
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.verified_by == users[OFFICER]
    assert AuditEvent.objects.get(action="finding.dismissed").data == {"reason": "Already covered by F-2026-0003."}


@pytest.mark.django_db
def test_raising_refuses_bad_input_and_the_page_keeps_what_was_typed(users, clients):
    with pytest.raises(NotPermitted):
        raise_finding({**users, OFFICER: users[ANALYST]})
    page = clients[OFFICER].post(reverse("ops:finding-create"), {
        "title": "Kept title", "description": "", "source": "incident", "severity": "low",
        "owner": users[ANALYST].pk, "due_on": (timezone.localdate() - timedelta(days=1)).isoformat()})
    assert page.status_code == 200 and "Kept title" in page.content.decode() and not Finding.objects.exists()
    page = clients[OFFICER].post(reverse("ops:finding-create"), {
        "title": "Kept title", "description": "Seen", "source": "incident", "severity": "low",
        "owner": users[ANALYST].pk, "due_on": (timezone.localdate() - timedelta(days=1)).isoformat()})
    assert "The due date cannot be in the past." in page.content.decode() and not Finding.objects.exists()


@pytest.mark.django_db
def test_raising_from_an_inspection_links_it_and_sets_the_source(users, clients):
    from compliance.services.inspections import inspection_record

    inspection = inspection_record(actor=users[OFFICER], authority="PBOC", title="On-site 2026",
                                   scope="Acquiring", starts_on=timezone.localdate())
    url = reverse("ops:finding-create") + f"?inspection={inspection.pk}"
    assert "On-site 2026" in clients[OFFICER].get(url).content.decode()
    clients[OFFICER].post(url, {"title": "Merchant files incomplete", "description": "3 of 20 lacked a licence.",
                                "severity": "medium", "owner": users[ANALYST].pk, "due_on": _due().isoformat()})
    finding = Finding.objects.get()
    assert finding.inspection == inspection and finding.source == "inspection"
    page = clients[OFFICER].get(reverse("ops:regulator-inspection-detail", args=[inspection.pk])).content.decode()
    assert finding.reference in page and "inspection-raise-finding" in page


# --- lists --------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_list_filters_and_my_findings(users, clients):
    mine = raise_finding(users, title="Analyst's finding")
    other = raise_finding(users, owner=roles.FIELD_ENGINEER, title="Engineer's finding", severity="low")
    Finding.objects.filter(pk=other.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    page = clients[ANALYST].get(reverse("ops:finding-mine")).content.decode()
    assert mine.reference in page and other.reference not in page
    overdue = clients[OFFICER].get(reverse("ops:finding-list"), {"overdue": "1"}).content.decode()
    assert other.reference in overdue and mine.reference not in overdue
    low = clients[OFFICER].get(reverse("ops:finding-list"), {"severity": "low"}).content.decode()
    assert other.reference in low and mine.reference not in low
    audit_list = clients["auditor"].get(reverse("audit:finding-list")).content.decode()
    assert mine.reference in audit_list and other.reference in audit_list


def _many(users, count):
    for number in range(count):
        raise_finding(users, title=f"Finding {number}",
                      owner=[ANALYST, roles.FIELD_ENGINEER, OFFICER][number % 3])


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 40])
def test_the_list_runs_a_constant_number_of_queries(users, clients, django_assert_max_num_queries, count):
    _many(users, count)
    for area, client in (("ops", clients[OFFICER]), ("audit", clients["auditor"])):
        client.get(reverse(f"{area}:finding-list"))  # warm the session and the caches
        with django_assert_max_num_queries(14):
            response = client.get(reverse(f"{area}:finding-list"), {"status": "open"})
        assert response.status_code == 200 and len(response.context["findings"]) == min(count, 25)


# --- export -------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_formula_title_comes_out_inert_in_csv_and_xlsx(users, settings, tmp_path, fmt):
    from openpyxl import load_workbook

    from acquirer import files
    from acquirer.models import Export
    from acquirer.services.exports import export_request, export_write

    settings.MEDIA_ROOT = tmp_path / "media"
    formula = '=HYPERLINK("http://x","y")'
    finding = raise_finding(users, title=formula)
    raise_finding(users, title="Closed one", status="closed")
    export = export_request(actor=users["auditor"], kind="compliance_findings", fmt=fmt,
                            data={"status": "open", "kind": "compliance_findings", "format": fmt})
    assert AuditEvent.objects.filter(action="findings.exported", target_id=str(export.pk)).exists()
    export_write(export_id=export.pk)
    export = Export.objects.get(pk=export.pk)
    assert export.status == "done", export.error
    assert export.rows_written == 1
    with files.open_stored(export.stored_name) as handle:
        content = handle.read()
    if fmt == "csv":
        text = content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        record = dict(zip(rows[0], rows[1], strict=True))
        assert record["title"] == "'" + formula and record["reference"] == finding.reference
        assert record["severity"] == "High" and record["status"] == "Identified"
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        header = [cell.value for cell in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("title") + 1)
        assert cell.data_type == "s" and cell.value == "'" + formula
        assert not str(cell.value).startswith("=")


@pytest.mark.django_db
def test_export_filters_are_validated_and_only_readers_may_export(users):
    from acquirer.services.exports import export_request

    with pytest.raises(DomainError):
        export_request(actor=users["auditor"], kind="compliance_findings", fmt="csv", data={"status": "nonsense"})
    with pytest.raises(DomainError):
        export_request(actor=users["merchant_a"], kind="compliance_findings", fmt="csv", data={})
    assert export_request(actor=users[ANALYST], kind="compliance_findings", fmt="csv", data={"owner": "me"})


@pytest.mark.django_db
def test_the_overdue_warning_counts_and_links_to_the_list(users):
    from acquirer.registry import registry

    warning = next(w for w in registry().warnings() if w.key == "compliance.findings_overdue")
    assert warning.count(users[OFFICER]).value == 0
    finding = raise_finding(users)
    Finding.objects.filter(pk=finding.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert warning.count(users[OFFICER]).value == 1
    assert warning.url_name == "ops:finding-list" and warning.url_query == "overdue=1"


@pytest.mark.django_db
def test_raising_from_an_assessment_item_takes_its_requirement(users, clients):
    from compliance.models import Assessment, AssessmentItem, Framework, Requirement

    framework = Framework.objects.create(code="pci-test", name_zh="PCI DSS", name_en="PCI DSS", issuer="PCI SSC")
    requirement = Requirement.objects.create(framework=framework, reference="PCI DSS 8.3.4", title_zh="锁定",
                                             title_en="Lock out after repeated failures")
    today = timezone.localdate()
    assessment = Assessment.objects.create(title="Q4 self-assessment", period_start=today, period_end=today,
                                           due_on=_due())
    item = AssessmentItem.objects.create(assessment=assessment, requirement=requirement, assignee=users[ANALYST])
    url = reverse("ops:finding-create") + f"?item={item.pk}"
    form = clients[OFFICER].get(url).context["form"]
    assert form.initial["requirement"] == requirement.pk and form.initial["owner"] == users[ANALYST].pk
    clients[OFFICER].post(url, {"title": "Non-compliant item", "description": "No evidence of reviews.",
                                "severity": "medium", "requirement": requirement.pk, "owner": users[ANALYST].pk,
                                "due_on": _due().isoformat()})
    finding = Finding.objects.get()
    assert finding.assessment_item == item and finding.source == "assessment" and finding.requirement == requirement
    assert clients[OFFICER].get(reverse("ops:finding-create") + "?item=999999").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_finding_and_inspection_pages_read_as_sentences_without_codes(users, clients, settings, tmp_path,
                                                                          language):
    from acquirer.audit_text import catalogue
    from compliance.services.inspections import inspection_record
    from tests.test_what_people_read import _problems, _visible_text

    settings.MEDIA_ROOT = tmp_path / "media"
    inspection = inspection_record(actor=users[OFFICER], authority="PBOC", title="On-site", scope="All",
                                   starts_on=timezone.localdate())
    finding = raise_finding(users, status="in_progress", inspection=inspection, source="inspection")
    svc.finding_reassign(actor=users[OFFICER], finding=finding, owner=users[roles.FIELD_ENGINEER], reason="Moved")
    svc.finding_change_due(actor=users[OFFICER], finding=finding, due_on=_due(50), reason="Vendor")
    svc.finding_accept_risk(actor=users[MANAGER], finding=finding, reason="Low", until=_due(60))
    codes = set(catalogue().actions)
    for area, client in (("ops", clients[OFFICER]), ("audit", clients["auditor"])):
        client.cookies["django_language"] = language
        for url in (reverse(f"{area}:finding-detail", args=[finding.pk]), reverse(f"{area}:finding-list"),
                    reverse(f"{area}:regulator-inspection-detail", args=[inspection.pk])):
            response = client.get(url)
            assert response.status_code == 200
            assert not _problems(_visible_text(response.content.decode()), codes), url


@pytest.mark.django_db
def test_the_auditors_export_button_posts_the_lists_filters_to_the_core(users, clients):
    from acquirer.models import Export

    raise_finding(users)
    page = clients["auditor"].get(reverse("audit:finding-list"), {"severity": "high", "overdue": "1"})
    body = page.content.decode()
    assert 'name="kind" value="compliance_findings"' in body and 'name="severity" value="high"' in body
    response = clients["auditor"].post(reverse("export-create"), {"kind": "compliance_findings", "format": "xlsx",
                                                                  "severity": "high", "overdue": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("export-list")
    export = Export.objects.get(owner=users["auditor"])
    assert export.filters == {"severity": "high", "overdue": True} and export.format == "xlsx"


@pytest.mark.django_db
def test_refusals_on_the_page_keep_what_was_typed_or_say_why(users, clients):
    for name in (ANALYST, MANAGER, OFFICER):
        clients[name].cookies["django_language"] = "en"
    finding = raise_finding(users, status="in_progress")
    page = clients[ANALYST].post(reverse("ops:finding-evidence-add", args=[finding.pk]), {"title": "Nothing"})
    assert page.status_code == 200 and "Attach either a file or a link." in page.content.decode()
    risk = clients[MANAGER].post(reverse("ops:finding-accept-risk", args=[finding.pk]),
                                 {"reason": "Kept reason", "until": _due(500).isoformat()})
    body = risk.content.decode()
    assert risk.status_code == 200 and "at most a year" in body and "Kept reason" in body
    svc.finding_accept_risk(actor=users[MANAGER], finding=finding, reason="Ok", until=_due(100))
    # the move was taken meanwhile: the second attempt says why on the finding's page
    again = clients[OFFICER].post(reverse("ops:finding-reassign", args=[finding.pk]),
                                  {"owner": users[OFFICER].pk, "reason": "Late"}, follow=True)
    assert "only when it is" in again.content.decode()
    closed = raise_finding(users, status="closed")
    late = clients[OFFICER].post(reverse("ops:finding-evidence-add", args=[closed.pk]),
                                 {"title": "Late", "url": "https://x.example/late"})
    assert late.status_code == 200 and "no longer being rectified" in late.content.decode()
