"""Forms of the regulator inspection pages; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.models import Inspection

DATE = forms.DateInput(attrs={"type": "date"})
BLANK = [("", _("All"))]


class InspectionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[*BLANK, *Inspection.Status.choices])
    report_due = forms.ChoiceField(label=_("Rectification report"), required=False,
                                   choices=[*BLANK, ("1", _("Due within 14 days or late"))])

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        found = {"status": self.cleaned_data["status"]} if self.cleaned_data.get("status") else {}
        if self.cleaned_data.get("report_due") == "1":
            found["report_due"] = True
        return found


class InspectionForm(forms.Form):
    authority = forms.CharField(label=_("Authority"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=200)
    reference = forms.CharField(label=_("Authority's reference"), max_length=100, required=False)
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DATE)
    report_due_on = forms.DateField(label=_("Rectification report due"), required=False, widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The inspection cannot end before it starts."))
        return data


class ReportDueForm(forms.Form):
    report_due_on = forms.DateField(label=_("Rectification report due"), required=False, widget=DATE)


class ReportSubmittedForm(forms.Form):
    submitted_on = forms.DateField(label=_("Report submitted on"), widget=DATE)


class DocumentRequestForm(forms.Form):
    title = forms.CharField(label=_("Document requested"), max_length=200)
    requested_on = forms.DateField(label=_("Requested"), widget=DATE)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)


class DocumentProvideForm(forms.Form):
    upload = forms.FileField(label=_("File provided (PDF, JPEG or PNG)"),
                             widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png",
                                                                    "class": "form-control form-control-sm"}))
