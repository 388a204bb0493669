"""Gate matrix samples of the library and assessment URLs: the starter library, one open assessment with an item
and a file as evidence."""

from datetime import date

from compliance.models import Control, Framework
from compliance.services.assessments import assessment_start
from compliance.services.evidence import evidence_add
from tests.compliance.fixtures_library import load_starter_library
from tests.merchants.kyc_data import pdf_file


def build(ctx) -> None:
    from compliance.models import ChecklistTemplate

    load_starter_library()
    users = ctx["users"]
    officer = users["compliance_officer"]
    template = ChecklistTemplate.objects.get(name_en="Quarterly self-assessment")
    assessment = assessment_start(actor=officer, template=template, title="Gate sample assessment", scope="",
                                  period_start=date(2020, 1, 1), period_end=date(2020, 3, 31),
                                  due_on=date(2020, 4, 30), reviewer=users["operations_manager"], assignee=officer)
    item = assessment.items.order_by("id").first()
    ctx["gate_framework"] = Framework.objects.get(code="pci-dss")
    ctx["gate_requirement"] = ctx["gate_framework"].requirements.order_by("id").first()
    ctx["gate_control"] = Control.objects.order_by("id").first()
    ctx["gate_template"] = template
    ctx["gate_assessment"] = assessment
    ctx["gate_item"] = item
    ctx["gate_evidence"] = evidence_add(actor=officer, target=item, title="Policy", upload=pdf_file("policy.pdf"))


def samples(ctx) -> dict:
    framework = {"pk": ctx["gate_framework"].pk}
    control = {"pk": ctx["gate_control"].pk}
    assessment = {"pk": ctx["gate_assessment"].pk}
    item = {"pk": ctx["gate_item"].pk}
    evidence = {"pk": ctx["gate_evidence"].pk}
    template = {"pk": ctx["gate_template"].pk}
    return {
        **{f"{area}:framework-detail": framework for area in ("ops", "audit")},
        "ops:framework-edit": framework, "ops:requirement-create": framework, "ops:requirement-import": framework,
        "ops:requirement-edit": {"pk": ctx["gate_requirement"].pk},
        **{f"{area}:control-detail": control for area in ("ops", "audit")},
        "ops:control-edit": control, "ops:control-evidence": control,
        **{f"{area}:checklist-detail": template for area in ("ops", "audit")},
        "ops:assessment-start": template,
        **{f"{area}:assessment-detail": assessment for area in ("ops", "audit")},
        **{f"ops:assessment-{move}": assessment for move in ("submit", "sign-off", "send-back")},
        **{f"{area}:assessment-item": item for area in ("ops", "audit")},
        **{f"ops:assessment-item-{move}": item for move in ("answer", "assign", "evidence")},
        "ops:assessment-evidence-withdraw": evidence,
        **{f"{area}:assessment-evidence-download": evidence for area in ("ops", "audit")},
    }
