"""Forms of KYC document uploads and decisions, and of on-site inspection records.

The forms check what they can show next to a field (file type by content, size, dates); the
services check everything again, since forms can be bypassed.
"""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer import files
from acquirer.forms import MultipleFileField
from merchants.models import Inspection, MerchantDocument
from merchants.services.documents import DECISIONS, NEEDS_EXPIRY, NEEDS_REASON
from merchants.services.inspections import CHECKLIST, MAX_PHOTOS, PHOTO_TYPES

DATE = forms.DateInput(attrs={"type": "date"})


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=MerchantDocument.Kind.choices)
    file = forms.FileField(label=_("File"),
                           widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DATE,
                                 help_text=_("Required for ID cards and business licences: the date printed on "
                                             "the document."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG or PNG, at most %(limit)s.") % {
            "limit": filesizeformat(files.max_bytes())}

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        files.check_upload(uploaded)
        return uploaded

    def clean(self):
        data = super().clean()
        kind, expires_on = data.get("kind"), data.get("expires_on")
        if kind in NEEDS_EXPIRY:
            if expires_on is None:
                self.add_error("expires_on", _("Give the date until which this document is valid."))
            elif expires_on <= timezone.localdate():
                self.add_error("expires_on", _("This document has expired; upload a valid one."))
        return data


class DocumentDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[(v, label) for v, label in MerchantDocument.Decision.choices
                                          if v in DECISIONS],
                                 widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    reason = forms.CharField(label=_("Reason (shown to the merchant)"), required=False, max_length=2000,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                           "placeholder": _("Reason (shown to the merchant)")}))

    def clean(self):
        data = super().clean()
        if data.get("decision") in NEEDS_REASON and len((data.get("reason") or "").strip()) < 5:
            self.add_error("reason", _("Tell the merchant why (at least 5 characters)."))
        return data


class InspectionForm(forms.Form):
    performed_on = forms.DateField(label=_("Inspection date"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Inspection.Outcome.choices)
    findings = forms.CharField(label=_("Findings"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("Required unless the inspection passed without findings."))
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("JPEG or PNG, up to %(count)d photos of %(limit)s each.") % {
            "count": MAX_PHOTOS, "limit": filesizeformat(files.max_bytes())}
        for key, question in CHECKLIST.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=question, required=False)
        order = ["performed_on", *[f"check_{key}" for key in CHECKLIST], "outcome", "findings", "photos"]
        self.order_fields(order)

    def clean_performed_on(self):
        day = self.cleaned_data["performed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The inspection date cannot be in the future."))
        return day

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(count)d photos per inspection.") % {"count": MAX_PHOTOS})
        for photo in photos:
            files.check_upload(photo, allowed=PHOTO_TYPES)
        return photos

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in CHECKLIST}
