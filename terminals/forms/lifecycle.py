"""Forms of the terminal page, one per lifecycle move. They check what a person can get wrong and say so
next to the field; the services check everything again (forms can be bypassed)."""

from decimal import Decimal

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer import files
from acquirer.forms import MultipleFileField
from merchants.models import Contract
from terminals.models import Communication, SiteSurvey, Terminal
from terminals.services import lifecycle as svc
from terminals.services.lifecycle import (
    ADMIN_PASSWORD_MAX,
    ADMIN_PASSWORD_MIN,
    MAX_PHOTOS,
    MAX_TEST_AMOUNT,
    TRACKING_PATTERN,
)
from terminals.services.parameters import TID_PATTERN
from terminals.services.photos import PHOTO_TYPES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


YES, NO = _("Yes"), _("No")


def _yes_no(label, yes=YES, no=NO) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=[("yes", yes), ("no", no)], widget=forms.RadioSelect,
                                  coerce=lambda value: value == "yes",
                                  error_messages={"required": _("Choose one of the answers.")})


def _not_future(day, what):
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("The %(what)s cannot be in the future.") % {"what": what})
    return day


class _PhotosMixin:
    def _photos_field(self):
        field = MultipleFileField(label=_("Photos"), required=False)
        field.help_text = _("JPEG or PNG, up to %(count)d photos of %(limit)s each.") % {
            "count": MAX_PHOTOS, "limit": filesizeformat(files.max_bytes())}
        return field

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(count)d photos at a time.") % {"count": MAX_PHOTOS})
        for photo in photos:
            files.check_upload(photo, allowed=PHOTO_TYPES)
        return photos


class AllocateForm(forms.Form):
    merchant = forms.ModelChoiceField(
        label=_("Merchant"), queryset=None, empty_label=_("Choose a merchant"),
        error_messages={"required": _("Choose the merchant that receives the terminal."),
                        "invalid_choice": _("Allocating to an unapproved merchant is refused: choose an approved or "
                                            "active merchant.")},
        help_text=_("Only approved or active merchants with a countersigned contract receive terminals."))

    def __init__(self, *args, merchants=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = merchants
        self.fields["merchant"].label_from_instance = lambda m: f"{m.legal_name} ({m.mid or _('no MID yet')})"


class SurveyForm(_PhotosMixin, forms.Form):
    surveyed_on = forms.DateField(label=_("Survey date"), widget=DATE)
    power_ok = _yes_no(_("Power available at the counter"))
    network_type = forms.ChoiceField(label=_("Network available"), choices=SiteSurvey.Network.choices)
    signal_bars = forms.IntegerField(label=_("Signal (0–5 bars)"), min_value=0, max_value=5, required=False)
    counter_position = forms.CharField(label=_("Counter position"), max_length=200, required=False)
    feasible = _yes_no(_("Installation feasible"), _("Yes, feasible"), _("No, not feasible"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Required when the installation is not feasible: say why."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"] = self._photos_field()

    def clean_surveyed_on(self):
        return _not_future(self.cleaned_data["surveyed_on"], _("survey date"))

    def clean(self):
        data = super().clean()
        if data.get("feasible") is True:
            if data.get("power_ok") is False:
                self.add_error("feasible", _("A site without power cannot be feasible."))
            if data.get("network_type") == SiteSurvey.Network.NONE:
                self.add_error("feasible", _("A site without any network cannot be feasible."))
        if data.get("feasible") is False and len((data.get("notes") or "").strip()) < 5:
            self.add_error("notes", _("Say why the installation is not feasible (at least 5 characters)."))
        return data

    def values(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("surveyed_on", "power_ok", "network_type", "signal_bars",
                                                        "counter_position", "feasible", "notes", "photos")}


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60, min_length=2,
                              widget=forms.TextInput(attrs={"placeholder": "SF Express"}))
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)

    def clean_tracking_number(self):
        value = self.cleaned_data["tracking_number"].strip()
        if not TRACKING_PATTERN.match(value):
            raise forms.ValidationError(_("The tracking number is 4 to 60 letters, digits or dashes."))
        return value


class DeliverForm(_PhotosMixin, forms.Form):
    arrival_ok = _yes_no(_("Arrival inspection"), _("Arrived undamaged"), _("Damaged: return it to stock"))
    arrival_notes = forms.CharField(label=_("Inspection notes"), required=False, max_length=5000,
                                    widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"] = self._photos_field()

    def clean(self):
        data = super().clean()
        if data.get("arrival_ok") is False and len((data.get("arrival_notes") or "").strip()) < 5:
            self.add_error("arrival_notes", _("Describe the damage found at arrival (at least 5 characters)."))
        return data


class _ParametersMixin:
    """TID, settlement method, communication settings and installation address."""

    def _add_parameter_fields(self, terminal: Terminal, *, method_required: bool):
        networks = terminal.model.communications or Communication.values
        methods = list(Contract.Method.choices)
        if not method_required:
            methods = [("", _("As in the contract")), *methods]
        comm = terminal.comm_settings or {}
        self.fields["tid"] = forms.CharField(label=_("Terminal ID (TID)"), max_length=8, min_length=8,
                                             initial=terminal.tid,
                                             help_text=_("8 characters: digits and capital letters."))
        self.fields["settlement_method"] = forms.ChoiceField(label=_("Settlement method"), choices=methods,
                                                             required=method_required,
                                                             initial=terminal.settlement_method)
        self.fields["comm_network"] = forms.ChoiceField(
            label=_("Connection"), choices=[(n, Communication(n).label) for n in networks],
            initial=comm.get("network"))
        self.fields["comm_host"] = forms.CharField(label=_("Payment host"), max_length=100,
                                                   initial=comm.get("host"),
                                                   help_text=_("Host name or IP address."))
        self.fields["comm_port"] = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535,
                                                      initial=comm.get("port"))
        self.fields["comm_apn"] = forms.CharField(label=_("APN (4G only)"), max_length=60, required=False,
                                                  initial=comm.get("apn"))
        self.fields["install_address"] = forms.CharField(label=_("Installation address"), max_length=300,
                                                         min_length=5, initial=terminal.install_address)

    def clean_tid(self):
        value = self.cleaned_data["tid"].strip().upper()
        if not TID_PATTERN.match(value):
            raise forms.ValidationError(_("The terminal ID (TID) is exactly 8 characters: digits and capital "
                                          "letters (e.g. 29005812)."))
        return value

    def clean_comm_apn(self):
        apn = self.cleaned_data["comm_apn"].strip()
        if apn and self.cleaned_data.get("comm_network") != Communication.CELLULAR:
            raise forms.ValidationError(_("An APN is set only for a 4G connection."))
        return apn

    def comm_settings(self) -> dict:
        data = self.cleaned_data
        comm = {"network": data["comm_network"], "host": data["comm_host"].strip(), "port": data["comm_port"]}
        if data.get("comm_apn"):
            comm["apn"] = data["comm_apn"]
        return comm

    def changes(self) -> dict:
        return {"tid": self.cleaned_data["tid"], "settlement_method": self.cleaned_data["settlement_method"],
                "comm_settings": self.comm_settings(), "install_address": self.cleaned_data["install_address"]}


# The service's installation check (terminals.services.lifecycle.INSTALL_CHECKS) that covers each form field.
INSTALL_CHECK_OF_FIELD = {
    "installed_on": "installed_on", "tid": "tid", "settlement_method": "settlement_method",
    "comm_network": "comm_settings", "comm_host": "comm_settings", "comm_port": "comm_settings",
    "comm_apn": "comm_settings", "install_address": "install_address", "admin_password": "admin_password",
    "admin_password_again": "admin_password", "latitude": "coordinates", "longitude": "coordinates",
    "photos": "photos",
}


class InstallForm(_PhotosMixin, _ParametersMixin, forms.Form):
    """Every field and every rule is checked in one pass: the form's own rules, then the service's checks of the
    fields the form accepted (TID already used, payment host, the merchant's MID and contract), so that one
    submission shows every problem."""

    installed_on = forms.DateField(label=_("Installation date"), widget=DATE)

    def __init__(self, *args, terminal: Terminal, **kwargs):
        super().__init__(*args, **kwargs)
        self.terminal = terminal
        self._add_parameter_fields(terminal, method_required=False)
        self.fields["tid"].initial = None
        self.fields["admin_password"] = forms.CharField(
            label=_("Terminal admin password"), min_length=ADMIN_PASSWORD_MIN, max_length=ADMIN_PASSWORD_MAX,
            strip=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=_("Stored only as a hash; nobody can read it back."))
        self.fields["admin_password_again"] = forms.CharField(
            label=_("Admin password again"), strip=False,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
        self.fields["latitude"] = forms.DecimalField(
            label=_("Latitude"), required=False, min_value=-90, max_value=90, max_digits=9, decimal_places=6,
            help_text=_("Where the terminal stands (from the engineer's phone); used to flag use far from it."))
        self.fields["longitude"] = forms.DecimalField(
            label=_("Longitude"), required=False, min_value=-180, max_value=180, max_digits=9, decimal_places=6)
        self.fields["photos"] = self._photos_field()

    def clean_installed_on(self):
        return _not_future(self.cleaned_data["installed_on"], _("installation date"))

    def clean(self):
        data = super().clean()
        if data.get("admin_password") and data.get("admin_password") != data.get("admin_password_again"):
            self.add_error("admin_password_again", _("The two passwords differ."))
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not (
                {"latitude", "longitude"} & set(self.errors)):
            self.add_error("longitude", _("Give both coordinates or neither."))
        self._service_checks(data)
        return data

    def _service_checks(self, data) -> None:
        """Add the service's refusals of what the form accepted, each once and next to its field."""
        refused = set(self.errors)
        # the communication settings are checked together, each setting next to its own field
        skip = {check for field, check in INSTALL_CHECK_OF_FIELD.items()
                if field in refused and check != "comm_settings"} | {"photos"}  # photos: clean_photos
        comm = {"network": data.get("comm_network"), "host": data.get("comm_host"), "port": data.get("comm_port"),
                "apn": data.get("comm_apn")}
        values = {"installed_on": data.get("installed_on"), "tid": data.get("tid"),
                  "settlement_method": data.get("settlement_method") or None,
                  "comm_settings": {key: value for key, value in comm.items() if value not in (None, "")},
                  "install_address": data.get("install_address"), "admin_password": data.get("admin_password"),
                  "latitude": data.get("latitude"), "longitude": data.get("longitude")}
        for problem in svc.terminal_install_problems(terminal=self.terminal, values=values, skip=skip):
            field = problem.field if problem.field in self.fields else None
            if field not in refused:
                self.add_error(field, str(problem))

    def values(self) -> dict:
        data = self.cleaned_data
        return {"installed_on": data["installed_on"], "tid": data["tid"],
                "settlement_method": data["settlement_method"] or None, "comm_settings": self.comm_settings(),
                "admin_password": data["admin_password"], "install_address": data["install_address"],
                "latitude": data.get("latitude"), "longitude": data.get("longitude"), "photos": data["photos"]}


class GoLiveTestForm(forms.Form):
    sign_in_ok = _yes_no(_("Sign-in"), _("Succeeded"), _("Failed"))
    sale_amount = forms.DecimalField(label=_("Test sale amount (CNY)"), min_value=Decimal("0.01"),
                                     max_value=MAX_TEST_AMOUNT, decimal_places=2, max_digits=12,
                                     initial=Decimal("0.01"))
    sale_ok = _yes_no(_("Test sale"), _("Approved"), _("Declined or failed"))
    sale_reference = forms.CharField(label=_("Sale reference"), max_length=40, required=False)
    void_ok = _yes_no(_("Void of the test sale"), _("Succeeded"), _("Failed"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Required when a step failed."))

    def clean(self):
        data = super().clean()
        if data.get("sale_ok") is True and not (data.get("sale_reference") or "").strip():
            self.add_error("sale_reference", _("Give the reference of the approved test sale."))
        if data.get("void_ok") is True and data.get("sale_ok") is False:
            self.add_error("void_ok", _("A void can only succeed after an approved sale."))
        passed = all(data.get(key) is True for key in ("sign_in_ok", "sale_ok", "void_ok"))
        if not passed and len((data.get("notes") or "").strip()) < 5 and not self.errors:
            self.add_error("notes", _("Describe what failed (at least 5 characters)."))
        return data


class ConfirmForm(forms.Form):
    """A move without input (go live, reactivate)."""


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *Terminal.SuspendReason.choices],
                               error_messages={"required": _("Choose why the terminal is suspended.")})
    note = forms.CharField(label=_("Note"), max_length=2000, min_length=3,
                           error_messages={"required": _("Please give a note of at least 3 characters."),
                                           "min_length": _("Please give a note of at least 3 characters.")})


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, min_length=3, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Please give a note of at least 3 characters."),
                                           "min_length": _("Please give a note of at least 3 characters.")})


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, delete this terminal entered by mistake"),
                                 error_messages={"required": _("Tick the box to confirm the deletion.")})


class ParametersForm(_ParametersMixin, forms.Form):
    """Direct edit before go-live."""

    def __init__(self, *args, terminal: Terminal, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_parameter_fields(terminal, method_required=True)


class ParameterChangeForm(_ParametersMixin, forms.Form):
    """A change request of a live terminal (approved by another person)."""

    def __init__(self, *args, terminal: Terminal, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_parameter_fields(terminal, method_required=True)
        self.fields["reason"] = forms.CharField(
            label=_("Reason for the change"), max_length=2000, min_length=5, widget=forms.Textarea(attrs={"rows": 2}),
            error_messages={"required": _("Give the reason for the change (at least 5 characters)."),
                            "min_length": _("Give the reason for the change (at least 5 characters).")})


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("optional when approving")}))


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why is it rejected?"), max_length=2000, min_length=3,
                           error_messages={"required": _("Please give a note of at least 3 characters."),
                                           "min_length": _("Please give a note of at least 3 characters.")})
