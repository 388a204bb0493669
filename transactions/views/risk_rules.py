"""Risk rule pages that read: the rules with their version in force and recent alerts, a rule's page with every
version (who, when, why, parameters as labelled values). Staff who manage rules edit them
(``risk_rule_actions``); auditors read."""

from django.shortcuts import render
from django.urls import path
from django.utils.text import capfirst
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.lists import page_count, page_from_request, query_without_position
from transactions import roles
from transactions.selectors.risk import RULE_ORDER, risk_rule_get, risk_rule_list, risk_rule_versions

VIEW_RISK = roles.VIEW_RISK


def labelled_params(kind: str, params: dict) -> list[tuple[str, str]]:
    """A version's parameters as (label, value) pairs in the order its kind declares them, money in yuan."""
    from transactions.services.risk_rules import PARAMETERS

    shown = []
    specs = PARAMETERS.get(kind, {})
    for name, param in specs.items():
        value = params.get(name, param.default)
        if param.kind == "money" and value is not None:
            value = f"{int(value) // 100:,}.{int(value) % 100:02d}"
        shown.append((capfirst(param.label), str(value)))
    shown.extend((name, str(value)) for name, value in params.items() if name not in specs)
    return shown


class _RuleListMixin:
    template_name = "transactions/shared/risk/rule_list.html"
    area = "ops"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        rows = risk_rule_list(actor=user)
        page = page_from_request(self.request, rows, RULE_ORDER)
        ctx.update(area=self.area, page=page, count=page_count(rows, page, RULE_ORDER), rules=page.object_list,
                   query=query_without_position(self.request),
                   may_manage=self.area == "ops" and user.has_perm(roles.MANAGE_RULES))
        return ctx


class OpsRiskRuleListView(OpsView, _RuleListMixin, TemplateView):
    permission_required = (VIEW_RISK,)


class AuditRiskRuleListView(AuditorView, _RuleListMixin, TemplateView):
    area = "audit"


def rule_context(request, rule, area: str) -> dict:
    versions = list(risk_rule_versions(actor=request.user, rule=rule))
    for version in versions:
        version.shown_params = labelled_params(rule.kind, version.params)
    return {"rule": rule, "area": area, "versions": versions,
            "may_manage": area == "ops" and request.user.has_perm(roles.MANAGE_RULES)}


class OpsRiskRuleDetailView(OpsView):
    permission_required = (VIEW_RISK,)

    def get(self, request, pk):
        rule = risk_rule_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/risk/rule_detail.html", rule_context(request, rule, "ops"))


class AuditRiskRuleDetailView(AuditorView):
    def get(self, request, pk):
        rule = risk_rule_get(actor=request.user, pk=pk)
        return render(request, "transactions/shared/risk/rule_detail.html", rule_context(request, rule, "audit"))


ops_patterns = [
    path("risk/rules/", OpsRiskRuleListView.as_view(), name="risk-rule-list"),
    path("risk/rules/<int:pk>/", OpsRiskRuleDetailView.as_view(), name="risk-rule-detail"),
]
portal_patterns = []
audit_patterns = [
    path("risk/rules/", AuditRiskRuleListView.as_view(), name="risk-rule-list"),
    path("risk/rules/<int:pk>/", AuditRiskRuleDetailView.as_view(), name="risk-rule-detail"),
]
