"""Forms of the findings pages: the list's filters, raising a finding, one form per move, evidence. Choice
querysets come from the selectors; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compliance.models import Finding
from compliance.models.common import Severity

DATE = forms.DateInput(attrs={"type": "date"})
BLANK = [("", _("All"))]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{obj.get_username()} ({name})" if name else obj.get_username()


class RequirementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} · {obj.title_en or obj.title_zh}"[:120]


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[*BLANK, ("open", _("All open")), *Finding.Status.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[*BLANK, *Severity.choices])
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[*BLANK, *Finding.Source.choices])
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, empty_value="")
    overdue = forms.ChoiceField(label=_("Due date"), required=False, choices=[*BLANK, ("1", _("Overdue only"))])

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [*BLANK, ("me", _("Me")), *((str(u.pk), u.get_username()) for u in owners)]

    def filters(self) -> dict:
        """The valid filters ({} for the fields that are not)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        found = {name: data[name] for name in ("status", "severity", "source", "owner") if data.get(name)}
        if data.get("overdue") == "1":
            found["overdue"] = True
        return found


class FindingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=pgettext_lazy("finding", "What was found"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label=_("Source"), choices=Finding.Source.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    requirement = RequirementChoiceField(label=_("Requirement"), required=False, queryset=None)
    owner = UserChoiceField(label=_("Owner (rectifies it)"), queryset=None)
    due_on = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args, owners=None, requirements=None, fixed_source: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["requirement"].queryset = requirements
        if fixed_source:
            self.fields["source"].disabled = True
            self.fields["source"].initial = fixed_source


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class RemediateForm(forms.Form):
    remediation = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    note = forms.CharField(label=_("Verification note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AcceptRiskForm(forms.Form):
    reason = forms.CharField(label=_("Why the risk is accepted"), widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(label=_("Accepted until (at most a year)"), widget=DATE)


class ReassignForm(forms.Form):
    owner = UserChoiceField(label=_("New owner"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class DueDateForm(forms.Form):
    due_on = forms.DateField(label=_("New due date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Evidence title"), max_length=200)
    upload = forms.FileField(label=_("File (PDF, JPEG or PNG)"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
    url = forms.URLField(label=_("or a link"), required=False, max_length=500, assume_scheme="https")
    expires_on = forms.DateField(label=_("Expires"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if bool(data.get("upload")) == bool(data.get("url")):
            raise forms.ValidationError(_("Attach either a file or a link."))
        return data
