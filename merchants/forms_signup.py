"""The extra field of the merchant self-service sign-up (allauth's form calls ``signup``)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name of the business"), max_length=200)

    def signup(self, request, user):
        from merchants.services.applications import merchant_signup

        merchant_signup(user=user, legal_name=self.cleaned_data["legal_name"])
