"""Demo data of the library and assessments: the starter library (migration 0003), last quarter's self-assessment
answered with evidence and signed off, and this quarter's open, partly answered, with one non-compliant item.
Idempotent: an assessment that exists for its template and period is left as it is."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance.models import Assessment, ChecklistTemplate
from compliance.models.common import Frequency


def _pdf(title: str) -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(f"{title}.pdf", out.getvalue(), content_type="application/pdf")


def _png(name: str) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (210, 220, 230)).save(out, format="PNG")
    return SimpleUploadedFile(f"{name}.png", out.getvalue(), content_type="image/png")


def _load_library() -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("compliance.migrations.0003_starter_library").forwards(apps, None)


def seed_library(*, staff: dict) -> None:
    """``staff`` maps demo usernames to users: "compliance" runs the assessments, "ops" reviews and signs off,
    "risk" answers the items (any of them missing: the compliance officer stands in)."""
    from compliance.services import assessments as svc
    from compliance.services.evidence import evidence_add

    _load_library()
    officer = staff["compliance"]
    reviewer = staff.get("ops") or officer
    answerer = staff.get("risk") or officer
    template = ChecklistTemplate.objects.get(name_en="Quarterly self-assessment")
    today = timezone.localdate()
    this_start, this_end = svc.period_of(Frequency.QUARTERLY, today)
    last_start, last_end = svc.period_of(Frequency.QUARTERLY, this_start - timedelta(days=1))
    soon, later = today + timedelta(days=20), today + timedelta(days=330)

    if not Assessment.objects.filter(template=template, period_start=last_start).exists():
        done = svc.assessment_start(
            actor=officer, template=template, title=f"{template} {svc.period_label(Frequency.QUARTERLY, last_start)}",
            scope="全部在网商户 / every merchant under contract", period_start=last_start, period_end=last_end,
            due_on=last_end, reviewer=reviewer, assignee=answerer)
        items = list(done.items.order_by("order", "id"))
        evidence_add(actor=answerer, target=items[0], title="KYC review sample 抽查记录", upload=_pdf("kyc-sample"),
                     expires_on=later)
        evidence_add(actor=answerer, target=items[1], title="Signed contract register 协议台账",
                     upload=_pdf("contract-register"), expires_on=soon)
        evidence_add(actor=answerer, target=items[2], title="Inspection plan screenshot 检查计划",
                     upload=_png("inspection-plan"))
        for index, item in enumerate(items):
            partial = index == 2
            svc.item_answer(actor=answerer, item=item, status="done", result="partial" if partial else "compliant",
                            comment="两户高风险商户现场检查延期至下季度 / two high-risk inspections moved to next "
                                    "quarter" if partial else "")
        svc.assessment_submit(actor=officer, assessment=done)
        svc.assessment_sign_off(actor=reviewer, assessment=done, note="Reviewed with the evidence index.")

    if not Assessment.objects.filter(template=template, period_start=this_start).exists():
        current = svc.assessment_start(
            actor=officer, template=template, title=f"{template} {svc.period_label(Frequency.QUARTERLY, this_start)}",
            scope="全部在网商户 / every merchant under contract", period_start=this_start, period_end=this_end,
            due_on=max(today, this_start) + timedelta(days=28), reviewer=reviewer, assignee=answerer)
        items = list(current.items.order_by("order", "id"))
        evidence_add(actor=answerer, target=items[0], title="Onboarding checklist 准入清单",
                     url="https://intranet.example/compliance/onboarding-checklist", expires_on=later)
        svc.item_answer(actor=answerer, item=items[0], status="done", result="compliant", comment="")
        svc.item_answer(actor=answerer, item=items[1], status="in_progress", result="", comment="")
        svc.item_answer(actor=answerer, item=items[2], status="done", result="non_compliant",
                        comment="三户高风险商户本年度未做现场检查 / three high-risk merchants not inspected this year")
