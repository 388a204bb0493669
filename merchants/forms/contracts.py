"""Forms of contracts (terms and fee schedule, acceptance) and settlement accounts."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from merchants.models import Contract, ContractFee, SettlementAccount

DATE = forms.DateInput(attrs={"type": "date"})
# Suggested rates for a new contract (the reviewer changes them as negotiated).
DEFAULT_FEES = {"debit": ("0.5500", "20.00"), "credit": ("0.6000", None), "unionpay_qr": ("0.3800", None),
                "contactless": ("0.5500", "20.00"), "other_qr": ("0.3800", None)}


def _below_ten_percent(value) -> None:
    # No params: Django %-formats a message that has params, and "10 %." is not a format string.
    if value is not None and value > Decimal("9.9999"):
        raise ValidationError(_("A rate must be below 10 %."), code="max_value")


def _rate_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=6, decimal_places=4, min_value=Decimal("0"),
        validators=[_below_ten_percent],
        help_text=_("Per cent, up to 4 decimals (e.g. 0.38)."))


def _cap_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=16, decimal_places=2,
                              validators=[MinValueValidator(Decimal("0"))],
                              help_text=_("CNY per transaction; leave empty for no cap."))


class ContractForm(forms.Form):
    """The terms of a contract version: one rate (and optional cap) per channel, money, cycle, dates."""

    deposit = forms.DecimalField(label=_("Terminal deposit (CNY)"), max_digits=16, decimal_places=2,
                                 min_value=Decimal("0"))
    monthly_rent = forms.DecimalField(label=_("Monthly terminal rent (CNY)"), max_digits=16, decimal_places=2,
                                      min_value=Decimal("0"))
    settlement_cycle = forms.ChoiceField(label=_("Settlement cycle"), choices=Contract.Cycle.choices)
    settlement_method = forms.ChoiceField(label=_("Settlement method"), choices=Contract.Method.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for channel, label in ContractFee.Channel.choices:
            self.fields[f"rate_{channel}"] = _rate_field(_("%(channel)s: rate (%%)") % {"channel": label})
            self.fields[f"cap_{channel}"] = _cap_field(_("%(channel)s: cap") % {"channel": label})

    @classmethod
    def initial_for(cls, contract: Contract | None = None, *, today=None) -> dict:
        """Initial values: a contract's terms (for an amendment) or the suggested defaults."""
        if contract is None:
            initial = {"deposit": Decimal("0.00"), "monthly_rent": Decimal("0.00"),
                       "settlement_cycle": Contract.Cycle.T1, "settlement_method": Contract.Method.AUTO}
            if today is not None:
                initial.update(start_date=today, end_date=today + timedelta(days=730))
            for channel, (rate, cap) in DEFAULT_FEES.items():
                initial[f"rate_{channel}"] = Decimal(rate)
                initial[f"cap_{channel}"] = Decimal(cap) if cap else None
            return initial
        initial = {name: getattr(contract, name) for name in ("deposit", "monthly_rent", "settlement_cycle",
                                                              "settlement_method", "start_date", "end_date")}
        for fee in contract.fees.all():
            initial[f"rate_{fee.channel}"] = fee.rate_percent
            initial[f"cap_{fee.channel}"] = fee.cap
        return initial

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] <= data["start_date"]:
            self.add_error("end_date", _("The end date must be after the start date."))
        return data

    def terms(self) -> dict:
        data = self.cleaned_data
        return {
            "fees": [{"channel": channel, "rate_percent": data[f"rate_{channel}"], "cap": data.get(f"cap_{channel}")}
                     for channel in ContractFee.Channel.values],
            **{name: data[name] for name in ("deposit", "monthly_rent", "settlement_cycle", "settlement_method",
                                             "start_date", "end_date")},
        }


class ContractAcceptForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-fA-F]{64}$", widget=forms.HiddenInput,
                              error_messages={"required": _("The contract fingerprint is missing; reload the page."),
                                              "invalid": _("The contract fingerprint is invalid; reload the page.")})
    accept = forms.BooleanField(label=_("I have read and accept this contract"),
                                error_messages={"required": _("Tick “I have read and accept” to accept the "
                                                              "contract.")})


class NoEchoInput(forms.TextInput):
    """A text input that never writes the value back into the page (the clear account number)."""

    def format_value(self, value):
        return None


class SettlementAccountForm(forms.Form):
    kind = forms.ChoiceField(label=_("Account type"), choices=SettlementAccount.Kind.choices)
    account_name = forms.CharField(label=_("Account name"), max_length=200,
                                   help_text=_("Must be the merchant's own name: the company's legal name for an "
                                               "enterprise, the owner's name otherwise."))
    bank_name = forms.CharField(label=_("Bank"), max_length=100)
    branch_name = forms.CharField(label=_("Branch"), max_length=200, required=False)
    account_number = forms.CharField(label=_("Account number"), max_length=40,
                                     widget=NoEchoInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))

    def clean(self):
        from merchants.identifiers import validate_bank_account

        data = super().clean()
        if data.get("kind") and data.get("account_number"):
            try:
                data["account_number"] = validate_bank_account(data["account_number"], kind=data["kind"])
            except ValidationError as error:
                self.add_error("account_number", error)
        return data
