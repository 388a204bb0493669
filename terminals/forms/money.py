"""Forms of deposits, rent charges and terminal health flags."""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from terminals.models import HealthFlag, RentCharge

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class RentFilterForm(forms.Form):
    month = forms.CharField(label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *RentCharge.Status.choices])
    merchant = forms.CharField(label=_("Merchant"), required=False, max_length=100,
                               help_text=_("Name, MID or id"))

    def clean_month(self) -> date | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        return date(int(match.group(1)), int(match.group(2)), 1)


class RentPaidForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=60,
                                error_messages={"required": _("Give the payment reference (bank transfer or receipt "
                                                              "number).")})


class DepositTakeForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received"), max_digits=12, decimal_places=2, min_value=Decimal("0"))
    reference = forms.CharField(label=_("Receipt or transfer reference"), max_length=60, required=False)


class DepositRefundForm(forms.Form):
    condition_ok = forms.TypedChoiceField(
        label=_("Condition of the returned terminal"), widget=forms.RadioSelect,
        coerce=lambda value: value == "good",
        choices=[("good", _("Good condition: refund the deposit")), ("damaged", _("Damaged or incomplete: forfeit "
                                                                                  "the deposit"))])
    reference = forms.CharField(label=_("Refund or decision reference"), max_length=60, required=False)


class HealthClearForm(forms.Form):
    note = forms.CharField(label=_("Follow-up note"), min_length=3, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Say how the flag was followed up."),
                                           "min_length": _("Say how the flag was followed up (at least 3 "
                                                           "characters).")})


class HealthFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *HealthFlag.Kind.choices])
    open_days = forms.IntegerField(label=_("Open for more than (days)"), required=False, min_value=1, max_value=3650)
