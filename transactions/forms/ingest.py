"""Forms of the ingest pages: the upload (kind and file) and the history's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from transactions.models import IngestFile


class IngestUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=IngestFile.Kind.choices)
    file = forms.FileField(label=_("File"), help_text=_(
        "The host journal (ISO 8583 or CSV), the network's clearing file (CSV) or the bank's MT940 statement, "
        "as documented. A journal's card numbers are masked before the file is stored."))


class IngestFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *IngestFile.Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *IngestFile.Status.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
