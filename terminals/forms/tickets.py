"""Forms of maintenance tickets. Choice querysets come from the selectors (scoped to the actor); the
services check everything again, since forms can be bypassed."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer import files
from acquirer.forms import MultipleFileField
from terminals.models import Ticket
from terminals.services.tickets import MAX_PHOTOS, MAX_QUANTITY, RESOLUTION_CODES

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BLANK = [("", _("All"))]


class TerminalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parts = [obj.serial_number, f"TID {obj.tid}" if obj.tid else "", str(obj.model), obj.install_address]
        return " · ".join(part for part in parts if part)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{obj.get_username()} ({name})" if name else obj.get_username()


class TicketFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[*BLANK, ("unresolved", _("All unresolved")), *Ticket.Status.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[*BLANK, *Ticket.Severity.choices])
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[*BLANK, *Ticket.Category.choices])
    breached = forms.ChoiceField(label=_("SLA"), required=False, choices=[
        *BLANK, ("any", _("Breached (any clock)")), ("response", _("Response breached")),
        ("resolution", _("Resolution breached")), ("escalated", _("Escalated"))])
    q = forms.CharField(label=_("Ticket, serial number or TID"), required=False, max_length=40,
                        widget=forms.SearchInput)


class _FaultFields(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Ticket.Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Ticket.Severity.choices, initial="medium")
    description = forms.CharField(label=_("What is wrong?"), min_length=5, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("Up to %(count)d JPEG or PNG photos, at most %(limit)s each.") % {
            "count": MAX_PHOTOS, "limit": filesizeformat(files.max_bytes())}

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(count)d photos.") % {"count": MAX_PHOTOS})
        for photo in photos:
            files.check_upload(photo, allowed=("jpeg", "png"))
        return photos


class PortalTicketForm(_FaultFields):
    """A merchant reports a fault on one of its terminals."""

    field_order = ["terminal", "category", "severity", "description", "photos"]

    def __init__(self, *args, terminals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terminal"] = TerminalChoiceField(label=_("Terminal"), queryset=terminals,
                                                      empty_label=_("Choose the terminal"))
        self.order_fields(self.field_order)


class OpsTicketForm(_FaultFields):
    """Customer service records a fault reported by phone."""

    field_order = ["terminal", "raised_at", "category", "severity", "description", "photos"]

    terminal = forms.CharField(label=_("Terminal serial number or TID"), max_length=40)
    raised_at = forms.DateTimeField(label=_("Call received at"), required=False, widget=DATETIME,
                                    help_text=_("Leave empty for now. The SLA clocks start at this time."))

    def clean_raised_at(self):
        value = self.cleaned_data.get("raised_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(_("The call cannot be in the future."))
        return value


class AssignForm(forms.Form):
    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = UserChoiceField(label=_("Assign to"), queryset=assignees)


class DiagnoseForm(forms.Form):
    note = forms.CharField(label=_("Remote diagnosis: what was checked"), min_length=5, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    window_start = forms.DateTimeField(label=_("Visit window from"), widget=DATETIME)
    window_end = forms.DateTimeField(label=_("Visit window until"), widget=DATETIME)

    def __init__(self, *args, engineers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engineer"] = UserChoiceField(label=_("Field engineer"), queryset=engineers)
        self.order_fields(["engineer", "window_start", "window_end"])

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", _("The visit window must end after it starts."))
        return data


class PartForm(forms.Form):
    part = forms.CharField(label=_("Spare part"), min_length=2, max_length=100)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)


class ResolveForm(forms.Form):
    resolution_code = forms.ChoiceField(label=_("Resolution"), choices=list(RESOLUTION_CODES.items()))
    notes = forms.CharField(label=_("Notes for the merchant"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class SwapForm(forms.Form):
    installed_on = forms.DateField(label=_("Installed on"), widget=DATE)

    def __init__(self, *args, replacements, engineers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"] = TerminalChoiceField(label=_("Replacement terminal (in stock)"),
                                                         queryset=replacements)
        self.fields["engineer"] = UserChoiceField(label=_("Field engineer"), queryset=engineers)
        self.order_fields(["replacement", "engineer", "installed_on"])
        if not self.is_bound:
            self.initial.setdefault("installed_on", timezone.localdate())
