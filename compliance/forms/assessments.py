"""Forms of the assessment pages: checklist templates, starting an assessment, answering and assigning an item,
sign-off and evidence. Choices come from the selectors (the view passes them in); the services check again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import AssessmentItem, ChecklistTemplate
from compliance.models.common import Frequency


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class TemplateForm(forms.Form):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChecklistTemplate.Kind.choices)
    framework = forms.ModelChoiceField(label=_("Framework"), queryset=None, required=False,
                                       empty_label=_("— several frameworks —"))
    requirements = forms.ModelMultipleChoiceField(label=_("Requirements"), queryset=None,
                                                  widget=forms.SelectMultiple(attrs={"size": 14}))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    scope = forms.CharField(label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    default_assignee = forms.ModelChoiceField(label=_("Default assignee"), queryset=None, required=False)
    days_to_complete = forms.IntegerField(label=_("Working days to complete"), min_value=1, max_value=250,
                                          initial=20)

    def __init__(self, *args, frameworks=None, requirements=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks
        self.fields["requirements"].queryset = requirements
        self.fields["requirements"].label_from_instance = lambda r: f"{r.framework.code} · {r.reference} {r.title}"
        self.fields["default_assignee"].queryset = staff

    def values(self) -> dict:
        return dict(self.cleaned_data)


class AssessmentStartForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scope = forms.CharField(label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    period_start = _date(_("Period from"))
    period_end = _date(_("Period to"))
    due_on = _date(_("Due"))
    reviewer = forms.ModelChoiceField(label=_("Reviewer (signs off; must answer no item)"), queryset=None)
    assignee = forms.ModelChoiceField(label=_("Assignee of every item (change per item later)"), queryset=None,
                                      required=False)

    def __init__(self, *args, reviewers=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers
        self.fields["assignee"].queryset = staff

    def clean(self):
        data = super().clean()
        start, end, due = data.get("period_start"), data.get("period_end"), data.get("due_on")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        if due and due < timezone.localdate() and not self.errors:
            self.add_error("due_on", _("The due date is in the past."))
        return data

    def values(self) -> dict:
        return dict(self.cleaned_data)


class ItemAnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AssessmentItem.Status.choices)
    result = forms.ChoiceField(label=_("Result"), required=False,
                               choices=[("", "—"), *AssessmentItem.Result.choices])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("status") == AssessmentItem.Status.DONE and not data.get("result"):
            self.add_error("result", _("Give the result before marking the item done."))
        if data.get("result") in (AssessmentItem.Result.PARTIAL, AssessmentItem.Result.NON_COMPLIANT) and not (
                data.get("comment") or "").strip():
            self.add_error("comment", _("Explain in the comment what is missing when the result is partial or "
                                        "non-compliant."))
        return data


class ItemAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    upload = forms.FileField(label=_("File (PDF, JPEG or PNG)"), required=False)
    url = forms.URLField(label=_("or a link"), required=False, max_length=500, assume_scheme="https")
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False,
                                   help_text=_("Who keeps it current; you when empty."))
    expires_on = _date(_("Valid until"), required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff

    def clean(self):
        data = super().clean()
        if bool(data.get("upload")) == bool(data.get("url")) and not self.errors:
            raise forms.ValidationError(_("Attach either a file or a link."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is it withdrawn?"), max_length=500)
