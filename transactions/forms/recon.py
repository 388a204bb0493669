"""Forms of reconciliation: start a run, filter runs and breaks, and the moves of a break. The services check
everything again (forms can be bypassed)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from transactions.models import ReconException, ReconRun
from transactions.models.recon import Category

BLANK = [("", _("All"))]
DATE = forms.DateInput(attrs={"type": "date"})
SIDES = [("both", _("Both")), *ReconRun.Side.choices]


class ReconStartForm(forms.Form):
    business_date = forms.DateField(label=_("Business date"), widget=DATE)
    side = forms.ChoiceField(label=_("Sources"), choices=SIDES, initial="both")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_date"].initial = timezone.localdate() - timezone.timedelta(days=1)

    def clean_business_date(self):
        day = self.cleaned_data["business_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A business date in the future cannot be reconciled."))
        return day


class ReconRunFilterForm(forms.Form):
    side = forms.ChoiceField(label=_("Sources"), required=False, choices=[*BLANK, *ReconRun.Side.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[*BLANK, *ReconRun.Status.choices])
    business_date = forms.DateField(label=_("Business date"), required=False, widget=DATE)


class ReconExceptionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        *BLANK, ("unresolved", _("All unresolved")), *ReconException.Status.choices])
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[
        *BLANK, *[(value, label) for value, label in Category.choices if value != Category.MATCHED]])
    merchant = forms.IntegerField(label=_("Merchant number"), required=False, min_value=1)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=[
        *BLANK, ("1", _("Older than a day")), ("3", _("Older than 3 days")), ("7", _("Older than a week")),
        ("30", _("Older than 30 days"))])
    run = forms.IntegerField(label=_("Run"), required=False, min_value=1, widget=forms.HiddenInput)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{obj.get_username()} ({name})" if name else obj.get_username()


class ReconAssignForm(forms.Form):
    assignee = UserChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class ReconProposeForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=ReconException.Resolution.choices)
    amount = forms.DecimalField(label=_("Adjustment amount (yuan)"), required=False, max_digits=14,
                                decimal_places=2, help_text=_("Only for an adjustment; negative to take back."))
    note = forms.CharField(label=_("Note"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        data["amount_minor"] = int(amount * 100) if amount is not None else None
        if data.get("resolution") == ReconException.Resolution.ADJUSTMENT and not data["amount_minor"]:
            self.add_error("amount", _("An adjustment needs its amount."))
        return data


class ReconRejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=5, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
