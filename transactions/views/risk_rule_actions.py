"""Changing risk rules: a new rule, a new version of a rule (the editor built from its kind's parameters),
enabling and disabling, and the dry run that shows what proposed parameters would find next to what the version
in force finds. Each calls one service of ``transactions/services/risk_rules.py``."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import OpsView
from acquirer.exceptions import DomainError
from acquirer.views.actions import PAGE_METHODS, ActionView, show_refusal
from transactions import roles
from transactions.forms.risk import RiskDryRunForm, RiskRuleCreateForm, RiskRuleEnableForm, RiskRuleForm
from transactions.models import RuleKind
from transactions.selectors.risk import risk_rule_get, risk_scope_merchant
from transactions.services import risk_rules as svc


def _scope_merchant(request, form):
    number = form.cleaned_data.get("scope_merchant")
    merchant = risk_scope_merchant(actor=request.user, pk=number)
    if number and merchant is None:
        raise ValidationError({"scope_merchant": _("No merchant has number %(n)s.") % {"n": number}})
    return merchant


def _version_args(request, form) -> dict:
    data = form.cleaned_data
    return {"params": form.params(), "severity": data["severity"], "scope_mccs": data["scope_mccs"],
            "scope_risk_levels": data["scope_risk_levels"], "scope_merchant": _scope_merchant(request, form)}


class _RuleActionView(ActionView):
    def get_object(self, pk):
        return risk_rule_get(actor=self.request.user, pk=pk)

    def get_success_url(self, rule):
        return reverse("ops:risk-rule-detail", kwargs={"pk": rule.pk})


class OpsRiskRuleEditView(_RuleActionView, OpsView):
    """A new version of a rule: its parameters, severity, scope, enabled and why."""

    permission_required = (roles.MANAGE_RULES,)
    http_method_names = PAGE_METHODS
    template_name = "transactions/ops/risk/rule_edit.html"
    form_class = RiskRuleForm

    def get_form_kwargs(self):
        kwargs = {"kind": self.object.kind, "parameters": svc.PARAMETERS}
        if self.object.current is not None:
            kwargs["initial"] = RiskRuleForm.initial_for(self.object.current, svc.PARAMETERS, self.object.kind)
        return kwargs

    def perform(self, form, rule):
        svc.rule_change(actor=self.request.user, rule=rule, enabled=form.cleaned_data["enabled"],
                        reason=form.cleaned_data["reason"], **_version_args(self.request, form))
        return _("Rule changed: a new version is in force.")


class OpsRiskRuleCreateView(ActionView, OpsView):
    permission_required = (roles.MANAGE_RULES,)
    http_method_names = PAGE_METHODS
    template_name = "transactions/ops/risk/rule_edit.html"
    form_class = RiskRuleCreateForm

    def get_form_kwargs(self):
        kind = self.request.POST.get("kind") or self.request.GET.get("kind") or RuleKind.LARGE_TICKET
        if kind not in RuleKind.values:
            kind = RuleKind.LARGE_TICKET
        return {"kind": kind, "parameters": svc.PARAMETERS}

    def perform(self, form, obj):
        data = form.cleaned_data
        self.object = svc.rule_create(actor=self.request.user, kind=data["kind"], name=data["name"],
                                      enabled=data["enabled"], reason=data["reason"],
                                      **_version_args(self.request, form))
        return _("Rule created.")

    def get_success_url(self, rule):
        return reverse("ops:risk-rule-detail", kwargs={"pk": rule.pk})


class _RuleSetEnabledView(_RuleActionView, OpsView):
    permission_required = (roles.MANAGE_RULES,)
    form_class = RiskRuleEnableForm
    enabled = True

    def perform(self, form, rule):
        svc.rule_set_enabled(actor=self.request.user, rule=rule, enabled=self.enabled,
                             reason=form.cleaned_data["reason"])
        return _("Rule enabled.") if self.enabled else _("Rule disabled.")


class OpsRiskRuleEnableView(_RuleSetEnabledView):
    enabled = True


class OpsRiskRuleDisableView(_RuleSetEnabledView):
    enabled = False


class OpsRiskRuleDryRunView(OpsView):
    """What proposed parameters would find over the last days, next to what the version in force finds; nothing
    is written."""

    permission_required = (roles.MANAGE_RULES,)
    template = "transactions/ops/risk/rule_dry_run.html"

    def _form(self, rule, data=None):
        initial = (RiskRuleForm.initial_for(rule.current, svc.PARAMETERS, rule.kind) if rule.current else {})
        return RiskDryRunForm(data, kind=rule.kind, parameters=svc.PARAMETERS, initial=initial)

    def get(self, request, pk):
        rule = risk_rule_get(actor=request.user, pk=pk)
        return render(request, self.template, {"rule": rule, "form": self._form(rule), "area": "ops"})

    def post(self, request, pk):
        rule = risk_rule_get(actor=request.user, pk=pk)
        form = self._form(rule, request.POST)
        ctx = {"rule": rule, "form": form, "area": "ops"}
        if form.is_valid():
            try:
                result = svc.dry_run(actor=request.user, rule=rule, days=form.cleaned_data["days"],
                                     **_version_args(request, form))
            except ValidationError as error:
                form.add_error(None, error)
            except DomainError as error:
                show_refusal(form, error)
            else:
                ctx["result"] = _dry_run_tables(rule.kind, result)
        return render(request, self.template, ctx)


def _dry_run_tables(kind: str, result: dict) -> dict:
    """Both sides of a dry run with each finding's sentence, its count and whether the list was cut short."""
    sides = {}
    cut = result.get("truncated_lists", {})
    for side in ("proposed", "current"):
        findings = list(result.get(side) or [])
        for finding in findings:
            finding.sentence = svc.describe(kind, finding.facts)
        sides[side] = {"findings": findings, "count": len(findings), "truncated": bool(cut.get(side))}
    return {"days": result.get("days"), **sides}


ops_patterns = [
    path("risk/rules/new/", OpsRiskRuleCreateView.as_view(), name="risk-rule-create"),
    path("risk/rules/<int:pk>/edit/", OpsRiskRuleEditView.as_view(), name="risk-rule-edit"),
    path("risk/rules/<int:pk>/enable/", OpsRiskRuleEnableView.as_view(), name="risk-rule-enable"),
    path("risk/rules/<int:pk>/disable/", OpsRiskRuleDisableView.as_view(), name="risk-rule-disable"),
    path("risk/rules/<int:pk>/dry-run/", OpsRiskRuleDryRunView.as_view(), name="risk-rule-dry-run"),
]
portal_patterns = []
audit_patterns = []
