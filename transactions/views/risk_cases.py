"""Risk case pages: the queue with its filters and age, a case's page (timeline, alerts as sentences, linked
transactions with masked cards, evidence, the deadline of its report and the actions the actor may take), the
charts of alerts and outcomes. Auditors read cases, their evidence index and reports."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.lists import link_rows, page_count, page_from_request, query_without_position
from transactions import roles
from transactions.forms.risk import RiskCaseFilterForm
from transactions.selectors.risk import (
    CASE_FIELDS,
    CASE_ORDER,
    risk_alerts_trend,
    risk_case_alerts,
    risk_case_evidence,
    risk_case_get,
    risk_case_history,
    risk_case_list,
    risk_case_transactions,
    risk_outcomes_trend,
    risk_rule_list,
)
from transactions.views.recon import trend_chart

VIEW_RISK = roles.VIEW_RISK


def _with_age(rows, now=None):
    now = now or timezone.now()
    for row in rows:
        row.age_days = (now - row.opened_at).days
    return rows


def describe_alerts(alerts) -> list:
    """Each alert with its facts as a sentence (``risk_rules.describe``)."""
    from transactions.services.risk_rules import describe

    for alert in alerts:
        alert.sentence = describe(alert.rule.kind, alert.facts)
    return alerts


# --- the queue --------------------------------------------------------------------------------------------------

class _CaseListMixin:
    template_name = "transactions/shared/risk/case_list.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        data = self.request.GET.copy()
        if not set(RiskCaseFilterForm.base_fields) & set(data):
            data["status"] = "open_all"  # the queue starts from the cases still to work on
        form = RiskCaseFilterForm(data, rules=risk_rule_list(actor=user))
        filters = form.cleaned_data if form.is_valid() else {}
        rows = risk_case_list(actor=user, filters=filters)
        page = page_from_request(self.request, rows, CASE_ORDER, fields=CASE_FIELDS)
        ctx.update(area=self.area, form=form, page=page, count=page_count(rows, page, CASE_ORDER),
                   cases=link_rows(_with_age(list(page.object_list)), f"{self.area}:risk-case-detail"),
                   query=query_without_position(self.request))
        return ctx


class OpsRiskCaseListView(OpsView, _CaseListMixin, TemplateView):
    permission_required = (VIEW_RISK,)


class AuditRiskCaseListView(AuditorView, _CaseListMixin, TemplateView):
    area = "audit"


# --- a case -----------------------------------------------------------------------------------------------------

def case_context(request, case, area: str) -> dict:
    """What a case's page shows in either area; the ops page adds the action forms (``risk_case_actions``)."""
    user = request.user
    alerts = describe_alerts(risk_case_alerts(actor=user, case=case))
    evidence = risk_case_evidence(actor=user, case=case)
    _with_age([case])
    ctx = {"case": case, "area": area, "alerts": alerts, "evidence": evidence,
           "transactions": risk_case_transactions(actor=user, case=case, alerts=alerts, evidence=evidence),
           "history": risk_case_history(actor=user, case=case, evidence=evidence),
           "holds": list(case.holds.order_by("-placed_at")), "deadline": case_deadline(case)}
    return ctx


def case_deadline(case) -> dict | None:
    """The report deadline of a major confirmed case: due date, working days left, overdue."""
    if not case.report_due or case.reported_at:
        return None
    from transactions.services.risk_cases import report_overdue, working_days_left

    return {"due": case.report_due, "left": working_days_left(case=case), "overdue": report_overdue(case=case)}


class AuditRiskCaseDetailView(AuditorView):
    def get(self, request, pk):
        case = risk_case_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/risk/case_detail.html", case_context(request, case, "audit"))


# --- charts -----------------------------------------------------------------------------------------------------

class OpsRiskChartsView(OpsView):
    """Alerts by rule per day and case outcomes over the last 30 days, each an SVG chart with its table."""

    permission_required = (VIEW_RISK,)

    def get(self, request):
        alerts = risk_alerts_trend(actor=request.user)
        outcomes = risk_outcomes_trend(actor=request.user)
        alert_days = [{"day": day, "total": total, "open": 0} for day, total in zip(alerts["days"], alerts["totals"],
                                                                                  strict=True)]
        outcome_days = [{**day, "open": day["confirmed"]} for day in outcomes]
        return render(request, "transactions/ops/risk/charts.html", {
            "area": "ops", "alerts": alerts, "alert_chart": trend_chart(alert_days),
            "outcomes": outcomes, "outcome_chart": trend_chart(outcome_days)})


ops_patterns = [
    path("risk/cases/", OpsRiskCaseListView.as_view(), name="risk-case-list"),
    path("risk/charts/", OpsRiskChartsView.as_view(), name="risk-charts"),
]
portal_patterns = []
audit_patterns = [
    path("risk/cases/", AuditRiskCaseListView.as_view(), name="risk-case-list"),
    path("risk/cases/<int:pk>/", AuditRiskCaseDetailView.as_view(), name="risk-case-detail"),
]
