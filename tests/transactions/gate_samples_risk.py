"""Gate matrix samples of the risk URLs: a rule, a case of merchant A and a hold of merchant A."""

from django.utils import timezone

from tests.transactions.risk_view_factories import make_case, make_hold, make_rule


def build(ctx) -> None:
    rule = make_rule(name="Gate sample rule")
    ctx["risk_rule"] = rule
    # decided, so that its report downloads (200) for those who may read it
    ctx["risk_case_a"] = make_case(rule=rule, merchant=ctx["merchant_a"], status="confirmed",
                                   decided_at=timezone.now())
    ctx["risk_hold_a"] = make_hold(merchant=ctx["merchant_a"], case=ctx["risk_case_a"])
    ctx["risk_evidence_a"] = _evidence_file(ctx["risk_case_a"])


def _evidence_file(case):
    """A stored evidence file of the case (through the core upload service, as an attachment is kept)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from acquirer import files
    from transactions.models import RiskEvidence

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 10, 200)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("gate.png", buffer.getvalue(), content_type="image/png")
    stored = files.store_upload(upload, folder="risk-evidence")
    return RiskEvidence.objects.create(case=case, kind="file", stored_name=stored, original_name="gate.png",
                                       content_type="image/png", size=len(buffer.getvalue()))


def samples(ctx) -> dict:
    rule = {"pk": ctx["risk_rule"].pk}
    case = {"pk": ctx["risk_case_a"].pk}
    hold = {"pk": ctx["risk_hold_a"].pk}
    return {
        **{name: rule for name in ("ops:risk-rule-detail", "ops:risk-rule-edit", "ops:risk-rule-enable",
                                   "ops:risk-rule-disable", "ops:risk-rule-dry-run", "audit:risk-rule-detail")},
        **{name: case for name in ("ops:risk-case-detail", "ops:risk-case-take", "ops:risk-case-assign",
                                   "ops:risk-case-note", "ops:risk-case-attach", "ops:risk-case-link",
                                   "ops:risk-case-decide", "ops:risk-case-close", "ops:risk-case-reported",
                                   "ops:risk-case-suspend-terminal", "ops:risk-case-suspend-merchant",
                                   "ops:risk-case-hold", "audit:risk-case-detail")},
        **{name: {**case, "fmt": "pdf"} for name in ("ops:risk-case-report", "audit:risk-case-report")},
        **{name: {**case, "evidence_pk": ctx["risk_evidence_a"].pk}
           for name in ("ops:risk-case-evidence", "audit:risk-case-evidence")},
        **{name: hold for name in ("ops:risk-hold-request-release", "ops:risk-hold-approve-release",
                                   "ops:risk-hold-reject-release")},
    }
