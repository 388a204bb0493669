"""Gate matrix samples of the complaint URLs: one complaint of merchant A with a file, filed in the portal."""

import importlib

from django.apps import apps

from complaints.models import Category
from complaints.services.complaints import complaint_file
from tests.merchants.kyc_data import png_file

OPS_MOVES = ("take", "assign", "acknowledge", "investigate", "request-info", "resume", "reply", "note", "attach",
             "link", "open-ticket", "link-ticket", "resolve", "reject", "close", "reopen")


def build(ctx) -> None:
    if not Category.objects.exists():  # a transactional test's flush emptied the taxonomy migration 0003 seeds
        importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(apps, None)
    category = Category.objects.filter(parent__isnull=True, active=True).order_by("order", "code").first()
    complaint = complaint_file(actor=ctx["users"]["merchant_a"], category=category, subject="Settlement is late",
                               description="Yesterday's takings have not reached our account.", channel="portal",
                               complainant_kind="merchant", complainant_name="Merchant A owner",
                               files=[png_file("statement.png")])
    ctx["complaint_a"] = complaint
    ctx["complaint_attachment_a"] = complaint.attachments.get()


def samples(ctx) -> dict:
    complaint = {"pk": ctx["complaint_a"].pk}
    attachment = {"pk": ctx["complaint_attachment_a"].pk}
    return {
        **{name: complaint for name in (
            "ops:complaint-detail", *(f"ops:complaint-{move}" for move in OPS_MOVES), "portal:complaint-detail",
            "portal:complaint-reply", "portal:complaint-reopen", "portal:complaint-rate", "audit:complaint-detail")},
        **{f"{area}:complaint-attachment": attachment for area in ("ops", "portal", "audit")},
    }
