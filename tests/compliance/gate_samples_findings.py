"""Gate matrix samples of the findings and regulator inspection URLs: one inspection with a provided document, and a
finding raised from it with a file of remediation evidence."""

from datetime import date, timedelta

from django.utils import timezone

from acquirer import roles
from compliance.services.evidence import evidence_add
from compliance.services.findings import finding_raise
from compliance.services.inspections import (
    inspection_document_provide,
    inspection_document_request,
    inspection_record,
)
from tests.merchants.kyc_data import png_file

FINDING_MOVES = ("confirm", "start", "remediate", "verify", "send-back", "close", "dismiss", "accept-risk",
                 "reassign", "change-due", "evidence-add")
INSPECTION_MOVES = ("edit", "start", "await-report", "submit-report", "close", "document-request")


def build(ctx) -> None:
    officer = ctx["users"][roles.COMPLIANCE_OFFICER]
    inspection = inspection_record(actor=officer, authority="PBOC Shanghai", title="Gate inspection",
                                   scope="Acquiring business", starts_on=date(2026, 1, 5))
    document = inspection_document_request(actor=officer, inspection=inspection, title="Merchant list",
                                           requested_on=date(2026, 1, 5))
    inspection_document_provide(actor=officer, document=document, upload=png_file("list.png"))
    finding = finding_raise(actor=officer, title="Gate finding", description="Something was found.",
                            source="inspection", severity="high", owner=ctx["users"][roles.RISK_ANALYST],
                            due_on=timezone.localdate() + timedelta(days=30), inspection=inspection)
    evidence = evidence_add(actor=officer, target=finding, title="Fixed", upload=png_file("fixed.png"))
    ctx.update(regulator_inspection=inspection, regulator_document=document, finding_a=finding,
               finding_evidence=evidence)


def samples(ctx) -> dict:
    finding = {"pk": ctx["finding_a"].pk}
    inspection = {"pk": ctx["regulator_inspection"].pk}
    document = {"pk": ctx["regulator_document"].pk}
    evidence = {"pk": ctx["finding_evidence"].pk}
    return {
        **{name: finding for name in ("ops:finding-detail", "audit:finding-detail",
                                      *(f"ops:finding-{move}" for move in FINDING_MOVES))},
        **{name: inspection for name in ("ops:regulator-inspection-detail", "audit:regulator-inspection-detail",
                                         *(f"ops:regulator-inspection-{move}" for move in INSPECTION_MOVES))},
        **{name: document for name in ("ops:regulator-inspection-document", "audit:regulator-inspection-document",
                                       "ops:regulator-inspection-document-provide")},
        "ops:finding-evidence": evidence, "audit:finding-evidence": evidence,
    }
