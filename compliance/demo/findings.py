"""Demo findings and a regulator inspection, built through the services (so the history, audit trail and
notifications are real): a finding in every state (identified, confirmed, being rectified, rectified with evidence
and awaiting verification, verified, closed, risk accepted), one overdue, one raised from the inspection; the
inspection is a PBOC branch on-site inspection with two documents requested (one provided) and its rectification
report due. Idempotent: what exists already (found by title) is left as it is.

Call ``seed_findings(staff=...)`` with the demo's staff users by login: at least ``"compliance"`` (raises, confirms,
verifies) and ``"ops"`` (accepts risks); ``"risk"`` and ``"engineer"`` own findings when given (else
``"ops"``)."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance.models import Finding, Inspection, Requirement
from compliance.services import findings as svc
from compliance.services import inspections as inspections_svc
from compliance.services.evidence import evidence_add

INSPECTION_TITLE = ("中国人民银行上海分行收单业务现场检查 / PBOC Shanghai branch on-site inspection of the acquiring "
                    "business")


def _pdf() -> bytes:
    """A real (blank) one-page PDF: uploads are parsed, so a bare header is refused."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _requirement(reference: str):
    return Requirement.objects.filter(reference=reference).order_by("id").first()


def _inspection(officer) -> Inspection:
    inspection = Inspection.objects.filter(title=INSPECTION_TITLE).first()
    if inspection is not None:
        return inspection
    today = timezone.localdate()
    inspection = inspections_svc.inspection_record(
        actor=officer, authority="中国人民银行上海分行 / PBOC Shanghai Head Office", title=INSPECTION_TITLE,
        reference="上海银检〔2026〕18号", starts_on=today - timedelta(days=21), ends_on=today - timedelta(days=17),
        scope="特约商户管理、受理终端管理、收单业务风险管理 / Merchant management, terminal management and risk "
              "management of the acquiring business")
    inspections_svc.inspection_start(actor=officer, inspection=inspection)
    requested = today - timedelta(days=20)
    provided = inspections_svc.inspection_document_request(
        actor=officer, inspection=inspection,
        title="特约商户清单及准入档案（抽样 20 户）/ Merchant list and onboarding files (sample of 20)",
        requested_on=requested, due_on=requested + timedelta(days=3))
    inspections_svc.inspection_document_provide(actor=officer, document=provided,
                                                upload=SimpleUploadedFile("商户档案抽样.pdf", _pdf()))
    inspections_svc.inspection_document_request(
        actor=officer, inspection=inspection, title="受理终端巡检记录（2026 年）/ Terminal inspection records (2026)",
        requested_on=requested, due_on=today + timedelta(days=3))
    inspections_svc.inspection_await_report(actor=officer, inspection=Inspection.objects.get(pk=inspection.pk),
                                            report_due_on=today + timedelta(days=10))
    return Inspection.objects.get(pk=inspection.pk)


def _raise(officer, owner, title: str, *, days: int, severity: str = "medium", source: str = "internal_audit",
           reference: str = "", inspection=None, description: str = "") -> Finding:
    return svc.finding_raise(
        actor=officer, title=title, description=description or title, source=source, severity=severity, owner=owner,
        due_on=timezone.localdate() + timedelta(days=days), requirement=_requirement(reference) if reference else None,
        inspection=inspection)


def _rectify(owner, finding: Finding, what: str) -> Finding:
    svc.finding_start(actor=owner, finding=finding)
    evidence_add(actor=owner, target=finding, title="整改说明及截图 / Rectification note and screenshots",
                 upload=SimpleUploadedFile("整改说明.pdf", _pdf()))
    return svc.finding_remediate(actor=owner, finding=Finding.objects.get(pk=finding.pk), remediation=what)


def seed_findings(*, staff: dict) -> list[Finding]:
    officer, manager = staff["compliance"], staff["ops"]
    risk, engineer = staff.get("risk") or manager, staff.get("engineer") or manager
    inspection = _inspection(officer)
    plans = [
        ("商户档案缺少法定代表人身份证复印件 / A merchant file lacks the legal representative's ID copy", "identified",
         risk, 25, "medium", ""),
        ("审计日志仅保留 6 个月 / Audit logs are kept for 6 months only", "confirmed", engineer, 40, "high",
         "PCI DSS 10.5.1"),
        ("运维人员共用管理员账号 / Operators share an administrator account", "in_progress", engineer, 15, "critical",
         "PCI DSS 8.2.2"),
        ("终端主密钥未按期轮换 / Terminal master keys were not rotated on time", "remediated", engineer, 10, "high",
         ""),
        ("高风险商户年度复核缺失 / Annual review of high-risk merchants missing", "verified", risk, 20, "medium", ""),
        ("离职员工账号未及时停用 / Leavers' accounts not disabled in time", "closed", engineer, 5, "high",
         "PCI DSS 8.2.6"),
        ("旧型号终端不支持 TLS 1.2 / An old terminal model cannot do TLS 1.2", "risk_accepted", engineer, 60, "low",
         ""),
        ("可疑交易报告超期提交 / Suspicious transaction reports filed late", "overdue", risk, 30, "high", ""),
    ]
    made = []
    for title, state, owner, days, severity, reference in plans:
        existing = Finding.objects.filter(title=title).first()
        if existing is not None:
            made.append(existing)
            continue
        finding = _raise(officer, owner, title, days=days, severity=severity, reference=reference)
        if state != "identified":
            finding = svc.finding_confirm(actor=officer, finding=finding)
        if state in ("remediated", "verified", "closed"):
            finding = _rectify(owner, finding, "已完成整改并留存证据。/ Rectified; the evidence is attached.")
        if state in ("verified", "closed"):
            finding = svc.finding_verify(actor=officer if owner != officer else manager, finding=finding,
                                         note="已抽查确认。/ Spot-checked and confirmed.")
        if state == "closed":
            finding = svc.finding_close(actor=officer, finding=finding)
        if state in ("in_progress", "overdue"):
            finding = svc.finding_start(actor=owner, finding=finding)
        if state == "risk_accepted":
            finding = svc.finding_accept_risk(actor=manager, finding=finding,
                                              reason="该型号将于明年一季度全部替换。/ The model is replaced in Q1.",
                                              until=timezone.localdate() + timedelta(days=120))
        if state == "overdue":
            # demo history: the finding was raised six weeks ago and fell due a week ago
            past = timezone.localdate() - timedelta(days=7)
            Finding.objects.filter(pk=finding.pk).update(due_on=past, raised_at=timezone.now() - timedelta(days=42))
        made.append(Finding.objects.get(pk=finding.pk))
    from_inspection = "特约商户巡检记录不完整 / Merchant on-site inspection records are incomplete"
    found = Finding.objects.filter(title=from_inspection).first()
    if found is None:
        found = _raise(officer, risk, from_inspection, days=30, severity="high", source="inspection",
                       inspection=inspection,
                       description="检查组抽查 20 户商户，其中 3 户无年度巡检记录。/ Of 20 merchants sampled, 3 had "
                                   "no on-site inspection record this year.")
    made.append(found)
    return made
