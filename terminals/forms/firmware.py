"""Forms of firmware versions and upgrade campaigns."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from terminals.models import CampaignTarget

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SERIAL_SEPARATORS = re.compile(r"[\s,;，；]+")


class FirmwareVersionForm(forms.Form):
    model = forms.ModelChoiceField(label=_("Terminal model"), queryset=None)
    version = forms.RegexField(label=_("Version"), max_length=30, regex=r"^\d+(\.\d+)*$",
                               error_messages={"invalid": _("Use digits separated by dots, e.g. 2.1.0.")})
    released_on = forms.DateField(label=_("Released on"), widget=DATE)
    release_notes = forms.CharField(label=_("Release notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    firmware = forms.ModelChoiceField(label=_("Firmware version"), queryset=None)
    window_start = forms.DateTimeField(label=_("Window from"), widget=DATETIME)
    window_end = forms.DateTimeField(label=_("Window until"), widget=DATETIME)
    serial_numbers = forms.CharField(
        label=_("Serial numbers"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line (or separated by commas)."))
    all_below = forms.BooleanField(
        label=_("Add every terminal of the model that runs an older version"), required=False)

    def __init__(self, *args, firmware_versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firmware"].queryset = firmware_versions

    def clean_serial_numbers(self) -> list[str]:
        text = self.cleaned_data.get("serial_numbers") or ""
        return list(dict.fromkeys(s for s in SERIAL_SEPARATORS.split(text.strip()) if s))

    def clean(self):
        data = super().clean()
        if not data.get("serial_numbers") and not data.get("all_below"):
            raise forms.ValidationError(_("List the serial numbers or add every terminal below this version."))
        if data.get("window_start") and data.get("window_end") and data["window_end"] <= data["window_start"]:
            self.add_error("window_end", _("The upgrade window must end after it starts."))
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(CampaignTarget.Outcome.SUCCEEDED.value,
                                                               CampaignTarget.Outcome.SUCCEEDED.label),
                                                              (CampaignTarget.Outcome.FAILED.value,
                                                               CampaignTarget.Outcome.FAILED.label)])
    detail = forms.CharField(label=_("Detail"), max_length=300, required=False)


class ReportImportForm(forms.Form):
    report = forms.FileField(label=_("Report of the terminal-management system (CSV)"),
                             help_text=_("Columns: serial_number, outcome (succeeded or failed), detail."))
