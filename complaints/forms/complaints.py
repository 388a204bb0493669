"""Forms of the complaint pages (queue filters, intake in the portal and by customer service, one form per move).

Choice querysets come from the selectors (scoped to the actor); the services check everything again, since forms
can be bypassed. Identifiers typed by staff (MID, serial number, ticket number) are looked up by the view through
the selectors; a form only checks that what was typed is well formed."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer import files
from acquirer.forms import MultipleFileField, MultipleFileInput
from complaints.models import Complaint
from complaints.models.common import FORWARDED, Channel, Language, Priority
from terminals.models import Ticket

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BLANK = [("", _("All"))]
MAX_FILES = 5
FILE_TYPES = ("pdf", "jpeg", "png")
STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.PORTAL]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SubcategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parent = getattr(obj, "parent", None)
        return f"{parent.name} › {obj.name}" if parent is not None else obj.name


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{obj.get_username()} ({name})" if name else obj.get_username()


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "name", None) or str(obj)


class FilesField(MultipleFileField):
    """Up to ``MAX_FILES`` PDF, JPEG or PNG files (checked by content by ``acquirer.files``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Files"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if len(uploaded) > MAX_FILES:
            raise forms.ValidationError(_("At most %(count)d files.") % {"count": MAX_FILES})
        for item in uploaded:
            files.check_upload(item, allowed=FILE_TYPES)
        return uploaded


def _files_help() -> str:
    return _("Up to %(count)d PDF, JPEG or PNG files, at most %(limit)s each.") % {
        "count": MAX_FILES, "limit": filesizeformat(files.max_bytes())}


# --- the queue ------------------------------------------------------------------------------------------------

class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[*BLANK, ("open", _("All open")), *Complaint.Status.choices])
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[*BLANK, *Channel.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[*BLANK, *Priority.choices])
    assignee = forms.ChoiceField(label=_("Assignee"), required=False,
                                 choices=[*BLANK, ("me", _("Assigned to me"))])
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=[
        *BLANK, ("breached", _("Breached")), ("due_soon", _("Due soon")), ("paused", _("Paused (waiting)")),
        ("breached_month", _("Breached this month (any status)"))])
    q = forms.CharField(label=_("Complaint number"), required=False, max_length=20, widget=forms.SearchInput)

    def __init__(self, *args, categories, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [*BLANK, *((c.pk, c.name) for c in categories)]
        if not staff:
            for name in ("channel", "priority", "assignee", "sla"):
                del self.fields[name]

    def filters(self) -> dict:
        """The filters to apply, without the empty ones ({} for an invalid search)."""
        if not self.is_valid():
            return {}
        data = {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}
        if "q" in data:
            data["q"] = data["q"].strip().upper()
        return data


# --- intake ---------------------------------------------------------------------------------------------------

class _AboutFields(forms.Form):
    """What the complaint is about: category, subcategory, subject and description."""

    subject = forms.CharField(label=_("Subject"), min_length=3, max_length=150)
    description = forms.CharField(label=_("Description"), min_length=10, max_length=8000,
                                  widget=forms.Textarea(attrs={"rows": 6}))

    def _add_categories(self, categories, subcategories):
        self.fields["category"] = CategoryChoiceField(label=_("Category"), queryset=categories,
                                                      empty_label=_("Choose the category"))
        self.fields["subcategory"] = SubcategoryChoiceField(
            label=_("Subcategory"), queryset=subcategories.select_related("parent"), required=False,
            empty_label=_("None / not sure"))

    def clean(self):
        data = super().clean()
        category, subcategory = data.get("category"), data.get("subcategory")
        if category is not None and subcategory is not None and subcategory.parent_id != category.pk:
            self.add_error("subcategory", _("This subcategory belongs to another category."))
        date, row = data.get("transaction_date"), data.get("transaction_id")
        if row is not None and date is None:
            self.add_error("transaction_date", _("Give the transaction's date with its number."))
        return data


class PortalComplaintForm(_AboutFields):
    """A merchant files a complaint. Two steps without script: the first POST shows suggested help articles and
    open complaints on the same subject; "Send my complaint" (``confirm``) files it, with the files chosen then."""

    field_order = ["category", "subcategory", "subject", "description", "terminal", "transaction_date",
                   "transaction_id", "files"]

    transaction_date = forms.DateField(label=_("Transaction date"), required=False, widget=DATE)
    transaction_id = forms.IntegerField(label=_("Transaction number"), required=False, min_value=1,
                                        help_text=_("As shown in your transaction list, if the complaint is about "
                                                    "one payment."))
    files = FilesField()
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories, subcategories, terminals, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_categories(categories, subcategories)
        self.fields["terminal"] = forms.ModelChoiceField(label=_("Terminal"), queryset=terminals, required=False,
                                                         empty_label=_("Not about a terminal"))
        self.fields["files"].help_text = _files_help()
        self.order_fields(self.field_order)


class OpsComplaintForm(_AboutFields):
    """Customer service records a complaint received by phone, e-mail, in person or forwarded by the regulator or
    the card network."""

    field_order = ["complainant_kind", "complainant_name", "complainant_phone", "complainant_email", "channel",
                   "received_at", "external_reference", "external_deadline", "category", "subcategory", "priority",
                   "language", "subject", "description", "merchant", "terminal", "contract_version",
                   "transaction_date", "transaction_id", "files", "separate_matter"]

    complainant_kind = forms.ChoiceField(label=_("Complainant"), choices=Complaint.ComplainantKind.choices)
    complainant_name = forms.CharField(label=_("Complainant's name"), max_length=100)
    complainant_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    complainant_email = forms.EmailField(label=_("E-mail"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)
    received_at = forms.DateTimeField(label=_("Received at"), required=False, widget=DATETIME,
                                      help_text=_("Leave empty for now. The SLA clocks start at this time."))
    external_reference = forms.CharField(label=_("Reference of the forwarding body"), max_length=60, required=False,
                                         help_text=_("Required when the regulator or the card network forwarded "
                                                     "the complaint."))
    external_deadline = forms.DateTimeField(label=_("Deadline set by the forwarding body"), required=False,
                                            widget=DATETIME)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ZH)
    merchant = forms.CharField(label=_("Merchant (MID or unified social credit code)"), max_length=40,
                               required=False)
    terminal = forms.CharField(label=_("Terminal serial number or TID"), max_length=40, required=False)
    contract_version = forms.IntegerField(label=_("Contract version"), required=False, min_value=1,
                                          help_text=_("Of the merchant above."))
    transaction_date = forms.DateField(label=_("Transaction date"), required=False, widget=DATE)
    transaction_id = forms.IntegerField(label=_("Transaction number (ledger row)"), required=False, min_value=1)
    files = FilesField()
    separate_matter = forms.BooleanField(
        label=_("This is a separate matter, not one of the open complaints above"), required=False)

    def __init__(self, *args, categories, subcategories, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_categories(categories, subcategories)
        self.fields["files"].help_text = _files_help()
        self.order_fields(self.field_order)

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(_("The complaint cannot be received in the future."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("channel") in FORWARDED:
            if not data.get("external_reference"):
                self.add_error("external_reference", _("Give the forwarding body's reference."))
            if not data.get("external_deadline"):
                self.add_error("external_deadline", _("Give the deadline the forwarding body set."))
        kind = data.get("complainant_kind")
        if kind == Complaint.ComplainantKind.MERCHANT and not (data.get("merchant") or data.get("terminal")):
            self.add_error("merchant", _("Give the merchant who complains."))
        elif kind and kind != Complaint.ComplainantKind.MERCHANT and not (
                data.get("complainant_phone") or data.get("complainant_email")):
            self.add_error("complainant_phone", _("Give a phone number or an e-mail address to answer the "
                                                  "complainant."))
        if data.get("contract_version") and not data.get("merchant"):
            self.add_error("merchant", _("Give the merchant whose contract it is."))
        return data


# --- moves ----------------------------------------------------------------------------------------------------

class AssignForm(forms.Form):
    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = UserChoiceField(label=_("Assign to"), queryset=assignees)


class AcknowledgeForm(forms.Form):
    message = forms.CharField(label=_("Message to the complainant (optional)"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class RequestInfoForm(forms.Form):
    message = forms.CharField(label=_("What do you need from the complainant?"), min_length=5, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("The resolution clock pauses until the complainant answers."))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the complainant"), min_length=2, max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    canned = forms.IntegerField(required=False, widget=forms.HiddenInput)
    files = FilesField()


class CannedPickForm(forms.Form):
    """Picks a canned response; a GET re-renders the complaint page with its text in the reply box."""

    def __init__(self, *args, responses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canned"] = forms.TypedChoiceField(
            label=_("Start from a canned response"), required=False, coerce=int, empty_value=None,
            choices=[("", _("Choose a canned response")), *((r.pk, r.title) for r in responses)])


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note (never shown to the complainant)"), min_length=2,
                           max_length=8000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachForm(forms.Form):
    files = FilesField(required=True)


class LinkForm(forms.Form):
    merchant = forms.CharField(label=_("Merchant (MID or unified social credit code)"), max_length=40,
                               required=False)
    terminal = forms.CharField(label=_("Terminal serial number or TID"), max_length=40, required=False)
    contract_version = forms.IntegerField(label=_("Contract version"), required=False, min_value=1)
    transaction_date = forms.DateField(label=_("Transaction date"), required=False, widget=DATE)
    transaction_id = forms.IntegerField(label=_("Transaction number (ledger row)"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError(_("Give at least one thing to link."))
        if data.get("transaction_id") is not None and data.get("transaction_date") is None:
            self.add_error("transaction_date", _("Give the transaction's date with its number."))
        return data


class OpenTicketForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Ticket.Severity.choices, initial="medium")
    description = forms.CharField(label=_("What is wrong with the terminal? (empty: the complaint's description)"),
                                  required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class LinkTicketForm(forms.Form):
    ticket = forms.CharField(label=_("Fault ticket number"), max_length=30)


class ResolveForm(forms.Form):
    remedy = forms.ChoiceField(label=_("Remedy"), choices=Complaint.Remedy.choices)
    remedy_amount = forms.DecimalField(label=_("Amount (CNY)"), required=False, min_value=Decimal("0"),
                                       max_digits=14, decimal_places=2,
                                       help_text=_("For a refund or a fee waiver."))
    summary = forms.CharField(label=_("Resolution (the complainant reads it)"), min_length=5, max_length=8000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, root_causes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root_cause"] = NamedChoiceField(label=_("Root cause"), queryset=root_causes,
                                                     empty_label=_("Choose the root cause"))
        self.order_fields(["root_cause", "remedy", "remedy_amount", "summary"])

    def clean(self):
        data = super().clean()
        amount = data.get("remedy_amount")
        if data.get("remedy") in (Complaint.Remedy.REFUND, Complaint.Remedy.FEE_WAIVER) and amount is None:
            self.add_error("remedy_amount", _("Give the amount refunded or waived."))
        data["remedy_minor"] = (int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
                                if amount is not None else None)
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why is it out of scope?"), min_length=5, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it?"), min_length=3, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Please give a reason.")})


# --- the merchant, in the portal ------------------------------------------------------------------------------

class PortalReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), min_length=2, max_length=8000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    files = FilesField()


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How satisfied are you with the resolution?"), coerce=int,
                                    widget=forms.RadioSelect, choices=[
                                        (5, _("5 – very satisfied")), (4, _("4")), (3, _("3")), (2, _("2")),
                                        (1, _("1 – not satisfied at all"))])
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
