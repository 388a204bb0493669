"""Forms of the catalog, of receiving terminals into stock and of the registry filters. They only parse input;
the rules live in ``terminals.services.intake``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from terminals.models import Capability, Communication, FormFactor, Terminal

DATE = forms.DateInput(attrs={"type": "date"})


class TerminalModelForm(forms.Form):
    brand = forms.CharField(label=_("Brand"), max_length=60)
    name = forms.CharField(label=_("Model"), max_length=60)
    form_factor = forms.ChoiceField(label=_("Form factor"), choices=FormFactor.choices)
    communications = forms.MultipleChoiceField(label=_("Communication"), choices=Communication.choices,
                                               widget=forms.CheckboxSelectMultiple)
    capabilities = forms.MultipleChoiceField(label=_("Capabilities"), choices=Capability.choices,
                                             widget=forms.CheckboxSelectMultiple)
    min_firmware = forms.CharField(label=_("Minimum supported firmware"), max_length=30, required=False)

    def values(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("brand", "name", "form_factor", "communications", "capabilities",
                                           "min_firmware")}

    @classmethod
    def initial_for(cls, model) -> dict:
        return {"brand": model.brand, "name": model.name, "form_factor": model.form_factor,
                "communications": model.communications, "capabilities": model.capabilities,
                "min_firmware": model.min_firmware, "active": model.active}


class TerminalModelEditForm(TerminalModelForm):
    active = forms.BooleanField(label=_("In the catalog (new terminals may be received)"), required=False)

    def values(self) -> dict:
        return {**super().values(), "active": self.cleaned_data["active"]}


class TerminalReceiveForm(forms.Form):
    model = forms.ModelChoiceField(label=_("Model"), queryset=None, empty_label=None)
    serial_number = forms.CharField(label=_("Serial number"), max_length=40)
    firmware_version = forms.CharField(label=_("Firmware version"), max_length=30)
    key_check_value = forms.CharField(label=_("Key check value (KCV)"), max_length=6, required=False,
                                      help_text=_("6 hexadecimal characters. Never enter a key."))
    key_injected_on = forms.DateField(label=_("Key injected on"), required=False, widget=DATE)

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models


class IntakeUploadForm(forms.Form):
    supplier = forms.CharField(label=_("Supplier"), max_length=100)
    delivery_note = forms.CharField(label=_("Delivery note number"), max_length=60, required=False)
    file = forms.FileField(label=_("Delivery file (CSV or XLSX)"),
                           help_text=_("First row: serial_number, brand, model, firmware_version and optionally "
                                       "key_check_value, key_injected_on (YYYY-MM-DD)."))


class _SmallWidgetsForm(forms.Form):
    """A filter form drawn small: every select and text box gets Bootstrap's small classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not field.widget.is_hidden:
                field.widget.attrs["class"] = "form-control form-control-sm"


class PortalTerminalFilterForm(_SmallWidgetsForm):
    """The merchant's filters of its own terminals: a search by serial number or TID and the status."""

    q = forms.CharField(label=_("Serial number or TID"), required=False, max_length=40)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")),
                                                                            *Terminal.Status.choices])


class TerminalFilterForm(PortalTerminalFilterForm):
    model = forms.ModelChoiceField(label=_("Model"), required=False, queryset=None, empty_label=_("Any model"))
    merchant = forms.CharField(label=_("Merchant (name or MID)"), required=False, max_length=200)
    region = forms.CharField(label=_("Region code"), required=False, max_length=4)
    firmware = forms.CharField(label=_("Firmware version"), required=False, max_length=30)
    custodian = forms.ChoiceField(label=_("Custodian"), required=False,
                                  choices=[("", _("Any custodian")), *Terminal.Custodian.choices])
    batch = forms.IntegerField(label=_("Intake batch"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models
