"""The transaction search form (ops, portal, audit) and the settlement forms. They only parse input; what a search
may ask for (date range, indexes) is explained in ``transactions.selectors.ledger``."""

from datetime import timedelta

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from transactions.models import SettlementBatch, Transaction
from transactions.selectors.ledger import DEFAULT_DAYS, MAX_DAYS

DATE = forms.DateInput(attrs={"type": "date"})
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class _SmallWidgetsForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not field.widget.is_hidden:
                field.widget.attrs["class"] = "form-control form-control-sm"


def _any(label, choices):
    return [("", label), *choices]


class TransactionSearchForm(_SmallWidgetsForm):
    """Every filter of the ledger search. Without dates (and without an RRN) the last 31 days are searched."""

    mid = forms.CharField(label=_("MID"), required=False, max_length=15)
    tid = forms.CharField(label=_("TID"), required=False, max_length=8)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    amount_min = forms.DecimalField(label=_("Amount from (yuan)"), required=False, max_digits=14, decimal_places=2)
    amount_max = forms.DecimalField(label=_("Amount to (yuan)"), required=False, max_digits=14, decimal_places=2)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=_any(_("Any channel"), Transaction.Channel.choices))
    type = forms.ChoiceField(label=_("Type"), required=False, choices=_any(_("Any type"), Transaction.Type.choices))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_any(_("Any status"), Transaction.Status.choices))
    rrn = forms.CharField(label=_("RRN"), required=False, max_length=12, validators=[
        RegexValidator(r"^[0-9A-Za-z]{1,12}$", _("An RRN has up to 12 letters or digits."))])
    last4 = forms.CharField(label=_("Card last four"), required=False, max_length=4,
                            validators=[RegexValidator(r"^[0-9]{4}$", _("Enter the card's last four digits."))])

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (last - first).days >= MAX_DAYS:
                raise forms.ValidationError(_("Search at most %(days)s days at a time.") % {"days": MAX_DAYS})
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and high < low:
            raise forms.ValidationError(_("The upper amount is below the lower amount."))
        return data

    def range_note(self) -> str:
        """What the list covers when no date was given."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("date_from") or data.get("date_to") or data.get("rrn"):
            return ""
        today = timezone.localdate()
        return _("Showing the last %(days)s days (%(first)s to %(last)s); choose dates to search further back.") % {
            "days": DEFAULT_DAYS, "first": today - timedelta(days=DEFAULT_DAYS - 1), "last": today}

    def json_filters(self) -> dict | None:
        """The filled-in fields, JSON-safe (for an export job); None when the search is invalid."""
        if not self.is_valid():
            return None
        encoder = DjangoJSONEncoder()
        return {name: value if isinstance(value, str | int) else encoder.default(value)
                for name, value in self.cleaned_data.items() if value not in (None, "")}


class PortalTransactionSearchForm(TransactionSearchForm):
    """The merchant's own transactions: the same filters but the MID (it is the merchant's own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mid"]


class BatchFilterForm(_SmallWidgetsForm):
    mid = forms.CharField(label=_("MID"), required=False, max_length=15)
    date_from = forms.DateField(label=_("Transaction date from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Transaction date to"), required=False, widget=DATE)
    payout_date = forms.DateField(label=_("Payout date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_any(_("Any status"), SettlementBatch.Status.choices))


class SettlementBuildForm(forms.Form):
    day = forms.DateField(label=_("Transaction date"), widget=DATE)


class PayoutFileForm(forms.Form):
    payout_date = forms.DateField(label=_("Payout date"), widget=DATE)


class StatementForm(_SmallWidgetsForm):
    """A month, or a day range (both dates), for a statement."""

    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if (first is None) != (last is None):
            raise forms.ValidationError(_("Give both dates of the range, or a month."))
        if first and last and (last < first or (last - first).days > 92):
            raise forms.ValidationError(_("A statement covers at most 93 days, the end after the start."))
        return data


class OpsStatementForm(StatementForm):
    mid = forms.CharField(label=_("MID"), max_length=15)
