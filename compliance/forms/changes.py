"""Forms of the regulatory change pages. Choices come from the selectors (the view passes them in); the services
check again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from acquirer import roles
from compliance.models.common import Severity


class _Date(forms.DateInput):
    input_type = "date"


class ChangeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    source = forms.CharField(label=_("Issued by"), max_length=200)
    reference = forms.CharField(label=_("Document number"), max_length=100, required=False)
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    published_on = forms.DateField(label=_("Published"), widget=_Date)
    effective_on = forms.DateField(label=_("Takes effect"), widget=_Date)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    impact = forms.CharField(label=_("Impact assessment"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    impact_level = forms.ChoiceField(label=_("Impact"), choices=Severity.choices, initial=Severity.MEDIUM)
    affected_processes = forms.CharField(label=_("Processes affected"), widget=forms.Textarea(attrs={"rows": 3}),
                                         required=False)
    requirements = forms.ModelMultipleChoiceField(label=_("Requirements affected"), queryset=None, required=False,
                                                  widget=forms.SelectMultiple(attrs={"size": 8}))
    reading_due_on = forms.DateField(label=_("Read by"), widget=_Date, required=False)

    def __init__(self, *args, requirements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirements"].queryset = requirements

    def clean(self):
        data = super().clean()
        published, effective = data.get("published_on"), data.get("effective_on")
        if published and effective and effective < published:
            self.add_error("effective_on", _("A rule cannot take effect before it is published."))
        return data

    def values(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(change) -> dict:
        names = ("title", "source", "reference", "link", "published_on", "effective_on", "summary", "impact",
                 "impact_level", "affected_processes", "reading_due_on")
        return {**{name: getattr(change, name) for name in names},
                "requirements": list(change.affected_requirements.values_list("pk", flat=True))}


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due"), widget=_Date)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff


class TaskDoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReadingAssignForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Everyone with the role"), choices=(), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    people = forms.ModelMultipleChoiceField(label=_("These people"), queryset=None, required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 6}))

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(code, label) for code, label in roles.ROLES.items()]
        self.fields["people"].queryset = staff

    def clean(self):
        data = super().clean()
        if not data.get("roles") and not data.get("people"):
            raise forms.ValidationError(_("Choose at least one role or person."))
        return data
