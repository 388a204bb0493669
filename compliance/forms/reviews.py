"""Forms of the access review pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
