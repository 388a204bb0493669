"""Forms of field work orders: the board's filters, creation, assignment and completion (checklist of the
work order's kind, sign-off, time spent, photos). The services check everything again."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer import files
from acquirer.forms import MultipleFileField
from terminals.models import WorkOrder
from terminals.services.photos import PHOTO_TYPES
from terminals.services.workorders import CHECKLISTS, MAX_MINUTES, MAX_PHOTOS

DATE = forms.DateInput(attrs={"type": "date"})
WINDOW_FORMAT = "%Y-%m-%dT%H:%M"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _window_field(label):
    return forms.DateTimeField(label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                       format=WINDOW_FORMAT))


def window_after_deadline(ticket, window_end) -> str | None:
    """A warning when the visit ends after the resolution deadline of the (unresolved) ticket it works on."""
    if ticket is None or window_end is None or ticket.resolved_at is not None or window_end <= ticket.resolution_due:
        return None
    return _("The visit window ends at %(end)s, after the resolution deadline of ticket %(ticket)s (%(due)s): the "
             "ticket will miss its SLA unless the visit is earlier.") % {
        "end": timezone.localtime(window_end).strftime("%Y-%m-%d %H:%M"), "ticket": ticket.number,
        "due": timezone.localtime(ticket.resolution_due).strftime("%Y-%m-%d %H:%M")}


class _WindowMixin:
    ticket = None

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end <= start:
            raise forms.ValidationError(_("The time window must end after it starts."))
        return data

    def warnings(self) -> list[str]:
        """What the dispatcher should know about a valid window (it is saved all the same)."""
        ticket = self.cleaned_data.get("ticket") or self.ticket
        warning = window_after_deadline(ticket, self.cleaned_data.get("window_end"))
        return [warning] if warning else []


class WorkOrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")),
                                                                           *WorkOrder.Status.choices])
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any type")), *WorkOrder.Kind.choices])
    engineer = forms.ChoiceField(label=_("Engineer"), required=False)
    day = forms.DateField(label=_("Day of the visit"), required=False, widget=DATE)
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"placeholder": _("Number, merchant, MID, serial, TID")}))

    def __init__(self, *args, engineers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engineer"].choices = [("", _("Anyone")), ("none", _("Not assigned")),
                                           *[(str(user.pk), user.get_username()) for user in engineers]]

    def filters(self) -> dict:
        """The valid filters (an invalid one is ignored and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value}


class MerchantSearchForm(forms.Form):
    q = forms.CharField(label=_("Merchant id, MID or name"), max_length=100)


class WorkOrderCreateForm(_WindowMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=WorkOrder.Kind.choices)
    terminal = forms.ModelChoiceField(label=_("Terminal"), required=False, queryset=None,
                                      empty_label=_("No terminal (e.g. a site survey before allocation)"))
    ticket = forms.ModelChoiceField(label=_("Maintenance ticket"), required=False, queryset=None,
                                    empty_label=_("No ticket"))
    address = forms.CharField(label=_("Address"), required=False, max_length=300,
                              help_text=_("Leave empty to use the terminal's installation address or the merchant's "
                                          "business address."))
    window_start = _window_field(_("Window from"))
    window_end = _window_field(_("Window until"))
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, terminals, tickets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terminal"].queryset = terminals
        self.fields["terminal"].label_from_instance = lambda t: f"{t.serial_number} · {t.tid or '—'} · {t.model}"
        self.fields["ticket"].queryset = tickets
        self.fields["ticket"].label_from_instance = lambda t: f"{t.number} · {t.get_severity_display()}"
        self.fields["window_start"].required = self.fields["window_end"].required = False

    def clean(self):
        data = super().clean()
        if bool(data.get("window_start")) != bool(data.get("window_end")):
            raise forms.ValidationError(_("Give both ends of the time window, or neither."))
        return data


class WorkOrderAssignForm(_WindowMixin, forms.Form):
    engineer = forms.ModelChoiceField(label=_("Engineer"), queryset=None, empty_label=None)
    window_start = _window_field(_("Window from"))
    window_end = _window_field(_("Window until"))

    def __init__(self, *args, engineers, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket = ticket  # the work order's ticket, whose resolution deadline the window is compared with
        self.fields["engineer"].queryset = engineers
        self.fields["engineer"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class WorkOrderStartForm(forms.Form):
    """Starting before the visit window needs an explicit confirmation (the second step)."""

    confirm_early = forms.BooleanField(label=_("Yes, I am on site and start before the window"), required=False)

    def early(self, work_order) -> bool:
        return bool(work_order.window_start and timezone.now() < work_order.window_start)

    def needs_confirmation(self, work_order) -> bool:
        return self.early(work_order) and not (self.is_valid() and self.cleaned_data["confirm_early"])


class WorkOrderCompleteForm(forms.Form):
    """The checklist of the work order's kind (each item answered yes or no), then the evidence."""

    signed_off_by = forms.CharField(label=_("Signed off by (merchant's name)"), max_length=100,
                                    error_messages={"required": _("Enter the name of the merchant's person who "
                                                                  "signed off the visit.")})
    minutes_spent = forms.IntegerField(label=_("Time spent (minutes)"), min_value=1, max_value=MAX_MINUTES,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    completion_notes = forms.CharField(label=_("Completion notes"), required=False, max_length=5000,
                                       widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("Required when a checklist item is not met."))
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["photos"].help_text = _("JPEG or PNG, up to %(count)d photos of %(limit)s each.") % {
            "count": MAX_PHOTOS, "limit": filesizeformat(files.max_bytes())}
        for key, question in CHECKLISTS.get(kind, {}).items():
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=question, choices=YES_NO, widget=forms.RadioSelect,
                error_messages={"required": _("Answer this checklist item.")})
        self.order_fields([*[f"check_{key}" for key in CHECKLISTS.get(kind, {})], "signed_off_by", "minutes_spent",
                           "completion_notes", "photos"])

    def checklist_fields(self):
        return [self[f"check_{key}"] for key in CHECKLISTS.get(self.kind, {})]

    def evidence_fields(self):
        return [self[name] for name in ("signed_off_by", "minutes_spent", "completion_notes", "photos")]

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(count)d photos per work order.") % {"count": MAX_PHOTOS})
        for photo in photos:
            files.check_upload(photo, allowed=PHOTO_TYPES)
        return photos

    def clean(self):
        data = super().clean()
        unmet = [key for key in CHECKLISTS.get(self.kind, {}) if data.get(f"check_{key}") == "no"]
        if unmet and len((data.get("completion_notes") or "").strip()) < 5:
            self.add_error("completion_notes", _("Some checklist items are not met: explain why."))
        return data

    def checklist(self) -> dict[str, bool]:
        return {key: self.cleaned_data[f"check_{key}"] == "yes" for key in CHECKLISTS.get(self.kind, {})}
