"""Gate matrix samples of the reports, regulator statistics and settings URLs: a generated regulator report (its
files written under the test's MEDIA_ROOT) and one entry of each settings list."""

import importlib
from datetime import date

from django.apps import apps as django_apps

from complaints.models import CannedResponse, Category, RootCause, SlaPolicy
from complaints.services.regulator import regulator_report_generate


def build(ctx) -> None:
    importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(django_apps, None)
    ctx["regulator_report"] = regulator_report_generate(actor=None, month=date(2026, 1, 1))
    ctx["gate_category"] = Category.objects.get(code="fees")
    ctx["gate_root_cause"] = RootCause.objects.get(code="process")
    ctx["gate_sla_policy"] = SlaPolicy.objects.filter(active=True).order_by("id").first()
    ctx["gate_canned"] = CannedResponse.objects.create(title="Gate sample", body_zh="您好", body_en="Hello")


def samples(ctx) -> dict:
    return {
        "ops:regulator-report-download": {"pk": ctx["regulator_report"].pk, "fmt": "pdf"},
        "audit:regulator-report-download": {"pk": ctx["regulator_report"].pk, "fmt": "xlsx"},
        "ops:complaint-category-edit": {"pk": ctx["gate_category"].pk},
        "ops:root-cause-edit": {"pk": ctx["gate_root_cause"].pk},
        "ops:sla-policy-edit": {"pk": ctx["gate_sla_policy"].pk},
        "ops:canned-response-edit": {"pk": ctx["gate_canned"].pk},
    }
