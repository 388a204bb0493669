"""Form fields for KYC identifiers; the checks live in :mod:`merchants.identifiers`.

Each field's ``clean`` returns the normalised value ("" when left empty and not required) and puts
the precise message next to the field.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from merchants.identifiers import validate_bank_account, validate_resident_id, validate_uscc
from merchants.models import BlacklistEntry

_PLAIN = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "class": "mono"}


class _IdentifierField(forms.CharField):
    def __init__(self, *, max_length: int = 40, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={**_PLAIN, "maxlength": str(max_length)}))
        super().__init__(max_length=max_length, **kwargs)

    def check(self, value: str) -> str:
        raise NotImplementedError

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return self.empty_value
        return self.check(value)


class USCCField(_IdentifierField):
    """Unified social credit code: 18 characters with a check character."""

    def check(self, value: str) -> str:
        return validate_uscc(value)


class ResidentIDField(_IdentifierField):
    """Resident ID number. After ``clean``, ``self.warnings`` lists what the form may show without
    refusing the number (e.g. an unknown birthplace code)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.warnings: list[str] = []

    def check(self, value: str) -> str:
        self.warnings = []
        result = validate_resident_id(value)
        self.warnings = list(result.warnings)
        return result.number


class BankAccountField(_IdentifierField):
    """Settlement account number, spaces removed. With ``kind`` ("personal" or "corporate") it is
    checked fully here; a form whose account type is chosen by the user leaves ``kind`` empty and
    calls ``merchants.identifiers.validate_bank_account(value, kind=...)`` in its ``clean``."""

    def __init__(self, *, kind: str | None = None, **kwargs):
        kwargs.setdefault("max_length", 48)
        super().__init__(**kwargs)
        self.kind = kind

    def check(self, value: str) -> str:
        if self.kind:
            return validate_bank_account(value, kind=self.kind)
        # Without a kind: the widest rule (digits, 8 to 32 of them); the form checks the rest.
        return validate_bank_account(value, kind="corporate")


class BlacklistEntryForm(forms.Form):
    uscc = USCCField(label=_("Unified social credit code"), required=False)
    person_id = ResidentIDField(label=_("Resident ID number"), required=False,
                                help_text=_("Stored only as a keyed hash and a masked form."))
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           help_text=_("Entity or person, as known to the source."))
    source = forms.ChoiceField(label=_("Source"), choices=BlacklistEntry.Source.choices,
                               initial=BlacklistEntry.Source.INTERNAL)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             error_messages={"required": _("Give the reason for blacklisting.")})

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("uscc") and not data.get("person_id"):
            raise forms.ValidationError(_("Give a unified social credit code, a resident ID number, or both."))
        return data


class BlacklistSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All")), ("active", _("Active")), ("removed", _("Removed"))])
