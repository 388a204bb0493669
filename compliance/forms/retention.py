"""Forms of the retention and legal hold pages. Record types come from the registry (the view passes them in)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RetentionRuleForm(forms.Form):
    years = forms.IntegerField(label=_("Years kept after the relationship ends"), min_value=1, max_value=100)
    note = forms.CharField(label=_("Basis"), max_length=300, required=False,
                           help_text=_("The rule or law that sets the period."))


class HoldForm(forms.Form):
    SCOPES = [("merchant", _("Every record of a merchant")), ("type", _("Every record of a type")),
              ("record", _("One record"))]

    matter = forms.CharField(label=_("Matter"), max_length=200)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))
    scope = forms.ChoiceField(label=_("Covers"), choices=SCOPES, widget=forms.RadioSelect, initial="merchant")
    merchant = forms.CharField(label=_("Merchant number (MID)"), max_length=20, required=False)
    record_type = forms.ChoiceField(label=_("Record type"), choices=(), required=False)
    record_id = forms.CharField(label=_("Record"), max_length=40, required=False,
                                help_text=_("For a merchant's records: its MID."))

    def __init__(self, *args, record_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", _("— any —")), *record_types]

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == "merchant" and not data.get("merchant"):
            self.add_error("merchant", _("Give the merchant's number."))
        if scope in ("type", "record") and not data.get("record_type"):
            self.add_error("record_type", _("Choose the record type."))
        if scope == "record" and not data.get("record_id"):
            self.add_error("record_id", _("Name the record."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        scope = data["scope"]
        return {"matter": data["matter"], "reason": data["reason"],
                "merchant": data["merchant"] if scope == "merchant" else "",
                "record_type": data["record_type"] if scope != "merchant" or data["record_type"] else "",
                "record_id": data["record_id"] if scope == "record" else ""}


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why released"), max_length=2000)


class DisposeForm(forms.Form):
    record_type = forms.ChoiceField(label=_("Record type"), choices=())
    record_id = forms.CharField(label=_("Record"), max_length=40, help_text=_("For a merchant's records: its MID."))
    reason = forms.CharField(label=_("Why"), max_length=2000)

    def __init__(self, *args, record_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = list(record_types)
