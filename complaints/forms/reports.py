"""Forms of the complaint reports and the regulator statistics pages."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models.common import Channel
from complaints.selectors.reports import Period


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=None, required=False,
                                      empty_label=gettext_lazy("every category"),
                                      widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False,
                                choices=[("", gettext_lazy("every channel")), *Channel.choices],
                                widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("“From” must not be after “To”."))
        return data

    def period(self) -> Period:
        """The chosen period; this month so far when nothing (or something invalid) was chosen."""
        default = Period.this_month()
        if not self.is_bound or not self.is_valid():
            return default
        first = self.cleaned_data.get("date_from") or default.first
        last = self.cleaned_data.get("date_to") or max(first, default.last)
        return Period(first, last)

    def filters(self) -> dict:
        """Category (id) and channel to narrow every figure to; none when the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        category = self.cleaned_data.get("category")
        return {"category": category.pk if category else None, "channel": self.cleaned_data.get("channel") or ""}


class RegulatorMonthForm(forms.Form):
    month = forms.DateField(label=gettext_lazy("Month"), input_formats=["%Y-%m", "%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "month", "class": "form-control form-control-sm"},
                                                   format="%Y-%m"),
                            error_messages={"required": gettext_lazy("Choose the month to report."),
                                            "invalid": gettext_lazy("Give the month as YYYY-MM.")})
