"""Forms of the merchant application (portal and staff on behalf) and of the review actions."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from merchants import data as codes
from merchants.forms.kyc import ResidentIDField, USCCField
from merchants.models import Merchant

DATE = forms.DateInput(attrs={"type": "date"})


class CompanyForm(forms.ModelForm):
    uscc = USCCField(label=_("Unified social credit code"), required=False)

    class Meta:
        model = Merchant
        fields = ["legal_name", "trading_name", "merchant_type", "uscc", "business_scope", "business_started_on"]
        widgets = {"business_started_on": DATE, "business_scope": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("merchant_type") in (Merchant.Type.ENTERPRISE, Merchant.Type.INDIVIDUAL_BUSINESS) and not data.get(
                "uscc"):
            self.add_error("uscc", _("Enterprises and individual businesses must give their unified social credit "
                                     "code."))
        return data


class RepresentativeForm(forms.Form):
    legal_rep_name = forms.CharField(label=_("Legal representative / owner name"), max_length=100)
    legal_rep_id = ResidentIDField(label=_("Resident ID number"), required=False,
                                   help_text=_("Leave empty to keep the number already given."))

    def __init__(self, *args, merchant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchant = merchant
        if merchant is not None and merchant.legal_rep_id_masked:
            self.fields["legal_rep_id"].help_text = _("On file: %(masked)s. Leave empty to keep it.") % {
                "masked": merchant.legal_rep_id_masked}

    def clean(self):
        data = super().clean()
        if not data.get("legal_rep_id") and not (self.merchant and self.merchant.legal_rep_id_hash):
            self.add_error("legal_rep_id", _("Enter the resident ID number."))
        return data


def _blank(choices) -> list:
    return [("", "—"), *choices()]


class BusinessForm(forms.ModelForm):
    # Both codes go into the merchant number (MID = institution 3 + region 4 + MCC 4 + sequence 4): a list of the
    # valid codes with their meaning, searchable by code or words (static/js/select-filter.js; a plain <select>
    # without JavaScript).
    mcc = forms.ChoiceField(
        label=_("Merchant category (MCC)"), choices=lambda: _blank(codes.mcc_choices),
        widget=forms.Select(attrs={"data-filter": "mcc", "data-filter-label": _("Search the categories")}),
        help_text=_("The ISO 18245 merchant category code of your main business, e.g. 5812 restaurants or 5411 "
                    "supermarkets: type a code or a word to narrow the list."),
        error_messages={"required": _("Choose the merchant category (MCC) of your main business."),
                        "invalid_choice": _("%(value)s is not an ISO 18245 merchant category code that we accept: "
                                            "choose the category from the list.")})
    region_code = forms.ChoiceField(
        label=_("Region (province and city)"), choices=lambda: _blank(codes.region_choices),
        widget=forms.Select(attrs={"data-filter": "region", "data-filter-label": _("Search the regions")}),
        help_text=_("Where the business is: the four-digit area code of the city, e.g. 2900 Shanghai. It becomes "
                    "part of your merchant number."),
        error_messages={"required": _("Choose the province and city of the business."),
                        "invalid_choice": _("%(value)s is not a region code of the merchant number: choose the "
                                            "province and city from the list.")})
    expected_monthly_volume = forms.DecimalField(label=_("Expected monthly volume (CNY)"), min_value=Decimal("0"),
                                                 max_digits=14, decimal_places=2)
    average_ticket = forms.DecimalField(label=_("Average ticket (CNY)"), min_value=Decimal("0.01"), max_digits=12,
                                        decimal_places=2)

    class Meta:
        model = Merchant
        fields = ["mcc", "industry", "region_code", "address", "premises", "expected_monthly_volume",
                  "average_ticket"]

    def clean(self):
        data = super().clean()
        volume, ticket = data.get("expected_monthly_volume"), data.get("average_ticket")
        if volume is not None and ticket is not None and ticket > volume > 0:
            self.add_error("average_ticket", _("The average ticket cannot exceed the monthly volume."))
        return data


class ContactForm(forms.ModelForm):
    contact_phone = PhoneNumberField(label=_("Contact phone"), region="CN")

    class Meta:
        model = Merchant
        fields = ["contact_name", "contact_phone", "contact_email", "language"]


STEPS = {
    "company": (CompanyForm, _("Company")),
    "representative": (RepresentativeForm, _("Legal representative")),
    "business": (BusinessForm, _("Business")),
    "contact": (ContactForm, _("Contact")),
}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), min_length=5,
                             max_length=2000, error_messages={"required": _("Please give a reason.")})


class RiskOverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk rating"), choices=Merchant.Risk.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), min_length=10,
                             max_length=2000)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Open applications")), *Merchant.Status.choices])
    risk = forms.ChoiceField(label=_("Risk"), required=False, choices=[("", _("Any")), *Merchant.Risk.choices])
    reviewer = forms.ChoiceField(label=_("Reviewer"), required=False,
                                 choices=[("", _("Anyone")), ("me", _("Assigned to me")),
                                          ("none", _("Unassigned"))])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
