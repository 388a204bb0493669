"""Forms of risk monitoring: filters of the case queue and holds, a rule's editor built from its kind's parameters,
the moves of a case and of a hold. The services check everything again (forms can be bypassed)."""

import re
from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from transactions.models import RiskCase, RiskRule, RuleKind, SettlementHold, Severity

BLANK = [("", _("All"))]
DATE = forms.DateInput(attrs={"type": "date"})
REASON = forms.Textarea(attrs={"rows": 2})
RISK_LEVELS = [("low", _("Low")), ("medium", _("Medium")), ("high", _("High"))]
MCC = re.compile(r"^\d{4}$")


def _reason(label=None):
    return forms.CharField(label=label or _("Reason"), min_length=5, max_length=2000, widget=REASON)


# --- filters ----------------------------------------------------------------------------------------------------

class RiskCaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        *BLANK, ("open_all", _("All still open")), *RiskCase.Status.choices])
    rule = forms.ModelChoiceField(label=_("Rule"), required=False, queryset=RiskRule.objects.none())
    merchant = forms.IntegerField(label=_("Merchant number"), required=False, min_value=1)
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[*BLANK, *Severity.choices])
    age = forms.ChoiceField(label=_("Age"), required=False, choices=[
        *BLANK, ("1", _("Older than a day")), ("3", _("Older than 3 days")), ("7", _("Older than a week")),
        ("30", _("Older than 30 days"))])
    report = forms.ChoiceField(label=_("Regulator report"), required=False, choices=[
        *BLANK, ("due", _("Not reported, past or within 3 days of its deadline"))])

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = rules


class HoldFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        *BLANK, ("in_force", _("Active or release requested")), *SettlementHold.Status.choices])
    merchant = forms.IntegerField(label=_("Merchant number"), required=False, min_value=1)


# --- rules ------------------------------------------------------------------------------------------------------

def _param_field(param):
    """A form field for one parameter of a rule kind (``risk_rules.Param``): money in yuan (the service takes
    fen), decimals and distances, times of day, and whole numbers (counts, minutes, days)."""
    common = {"label": capfirst(param.label), "help_text": param.help, "initial": param.default}
    if param.kind == "time":
        return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)
    if param.kind in ("decimal", "km"):
        return forms.DecimalField(min_value=Decimal(param.minimum), max_value=Decimal(param.maximum),
                                  max_digits=14, decimal_places=4, **common)
    if param.kind == "money":
        common["initial"] = Decimal(param.default) / 100
        return forms.DecimalField(min_value=Decimal(param.minimum) / 100, max_value=Decimal(param.maximum) / 100,
                                  max_digits=14, decimal_places=2, **common)
    return forms.IntegerField(min_value=param.minimum, max_value=param.maximum, **common)


def _param_value(param, value):
    """A cleaned form value as the service takes it: fen, "HH:MM", a decimal as a string, or an integer."""
    if param.kind == "money":
        return int(value * 100)
    if param.kind == "time":
        return value.strftime("%H:%M")
    if param.kind in ("decimal", "km"):
        return format(value.normalize(), "f")
    return value


def _initial_value(param, value):
    if param.kind == "money" and value is not None:
        return Decimal(int(value)) / 100
    return value


class RiskRuleForm(forms.Form):
    """A rule's version: one field per parameter of its kind, severity, scope and why. ``kind`` fixes the
    parameters; a new rule also asks its name and kind (``RiskRuleCreateForm``)."""

    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    scope_mccs = forms.CharField(label=_("Only these MCCs"), required=False, max_length=500,
                                 help_text=_("Four-digit codes separated by commas; empty for every MCC."))
    scope_risk_levels = forms.MultipleChoiceField(label=_("Only these risk ratings"), required=False,
                                                  choices=RISK_LEVELS, widget=forms.CheckboxSelectMultiple)
    scope_merchant = forms.IntegerField(label=_("Only this merchant (number)"), required=False, min_value=1)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    reason = _reason(_("Why"))

    def __init__(self, *args, kind: str, parameters: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_kind = kind
        self.param_specs = parameters.get(kind, {})
        self.param_names = []
        for name, param in self.param_specs.items():
            self.fields[f"p_{name}"] = _param_field(param)
            self.param_names.append(name)

    def clean_scope_mccs(self):
        text = self.cleaned_data.get("scope_mccs", "")
        codes = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
        wrong = [code for code in codes if not MCC.match(code)]
        if wrong:
            raise forms.ValidationError(_("Not four-digit MCCs: %(codes)s") % {"codes": ", ".join(wrong)})
        return list(dict.fromkeys(codes))

    def params(self) -> dict:
        """The parameters as the service takes them: money in fen, times as "HH:MM", ratios as strings."""
        return {name: _param_value(param, self.cleaned_data[f"p_{name}"])
                for name, param in self.param_specs.items() if self.cleaned_data.get(f"p_{name}") is not None}

    def param_fields(self):
        return [self[f"p_{name}"] for name in self.param_names]

    def other_fields(self):
        return [self[name] for name in self.fields if not name.startswith("p_") and name not in ("name", "kind")]

    @staticmethod
    def initial_for(version, parameters: dict, kind: str) -> dict:
        """The form's initial values from a version (money shown in yuan)."""
        initial = {"severity": version.severity, "scope_mccs": ", ".join(version.scope_mccs),
                   "scope_risk_levels": list(version.scope_risk_levels), "scope_merchant": version.scope_merchant_id,
                   "enabled": version.enabled}
        for name, param in parameters.get(kind, {}).items():
            initial[f"p_{name}"] = _initial_value(param, version.params.get(name, param.default))
        return initial


class RiskRuleCreateForm(RiskRuleForm):
    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args, kind: str, parameters: dict, **kwargs):
        super().__init__(*args, kind=kind, parameters=parameters, **kwargs)
        self.fields["kind"] = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices, initial=kind,
                                                widget=forms.HiddenInput)
        self.order_fields(["name", "kind"])


class RiskDryRunForm(RiskRuleForm):
    days = forms.IntegerField(label=_("Days to look back"), min_value=1, max_value=90, initial=7)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False
        self.fields.pop("enabled")


class RiskRuleEnableForm(forms.Form):
    reason = _reason()


# --- cases ------------------------------------------------------------------------------------------------------

class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{obj.get_username()} ({name})" if name else obj.get_username()


class RiskCaseAssignForm(forms.Form):
    assignee = UserChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class RiskCaseNoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), min_length=2, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RiskCaseFileForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class RiskCaseLinkForm(forms.Form):
    local_date = forms.DateField(label=_("Transaction date"), widget=DATE)
    transaction_id = forms.IntegerField(label=_("Transaction id"), min_value=1)


OUTCOMES = [(RiskCase.Status.CONFIRMED, _("Confirmed")), (RiskCase.Status.FALSE_POSITIVE, _("False positive")),
            (RiskCase.Status.ESCALATED, _("Escalated"))]


class RiskCaseDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES)
    reason = _reason()
    major = forms.BooleanField(label=_("Major risk event (report to the regulator)"), required=False)


class RiskCaseReasonForm(forms.Form):
    reason = _reason()


class RiskCaseSuspendTerminalForm(forms.Form):
    terminal = forms.ModelChoiceField(label=_("Terminal"), queryset=None)
    reason = _reason()

    def __init__(self, *args, terminals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terminal"].queryset = terminals
        self.fields["terminal"].label_from_instance = lambda t: f"{t.tid} ({t.get_status_display()})"


class HoldPlaceForm(forms.Form):
    everything = forms.BooleanField(label=_("Hold all payouts"), required=False)
    amount = forms.DecimalField(label=_("Amount to hold (yuan)"), required=False, max_digits=14, decimal_places=2,
                                min_value=0.01)
    reason = _reason(_("Reason (internal)"))
    merchant_reason = forms.CharField(label=_("Reason the merchant sees"), min_length=5, max_length=300,
                                      widget=REASON)
    review_date = forms.DateField(label=_("Expected review date"), widget=DATE)

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        data["amount_minor"] = None if data.get("everything") or amount is None else int(amount * 100)
        if not data.get("everything") and amount is None:
            self.add_error("amount", _("Give an amount, or hold all payouts."))
        return data


class HoldReasonForm(forms.Form):
    reason = _reason()
