from django import forms
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=3,
                             error_messages={"required": _("Please give a reason."),
                                             "min_length": _("Please give a reason of at least 3 characters.")})


class AuditSearchForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    target = forms.CharField(label=_("Target"), required=False, max_length=200, help_text=_(
        "Part of its name, or a kind of object such as terminals.terminal (terminals.terminal:42 for one)."))
    merchant = forms.IntegerField(label=_("Merchant id"), required=False, min_value=1)
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("“From” must not be after “To”."))
        return data

    def filters(self) -> dict | None:
        """The filters to apply: {} for an empty search, None for an invalid one (which must list nothing, never
        the whole trail as if it were unfiltered)."""
        if not self.is_bound:
            return {}
        return self.cleaned_data if self.is_valid() else None


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos of an inspection, a terminal visit, a work order, a ticket); cleans to
    a list, empty when none was chosen. The content of each file is checked by ``acquirer.files.check_upload``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [cleaned for cleaned in (super(MultipleFileField, self).clean(item, initial) for item in items if item)
                if cleaned]
