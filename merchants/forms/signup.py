"""The merchant self-service sign-up form (``ACCOUNT_FORMS["signup"]``).

The login name of a self-signed-up merchant is its e-mail address (``AccountAdapter.populate_username``),
so there is no user-chosen username that could already be taken. An e-mail address (or login name) that
already has an account is not refused on the form: allauth's enumeration prevention creates nothing, mails
the owner of the address that someone tried to sign up with it, and answers exactly like a fresh sign-up
("verify your e-mail address"), whose account can be used only once the mailed link is opened.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.utils import filter_users_by_email, filter_users_by_username
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from acquirer.models import User


class SignupForm(AllauthSignupForm):
    legal_name = forms.CharField(label=_("Legal name of the business"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        # The address becomes the login name, so it must fit the username column.
        email.validators.append(MaxLengthValidator(User._meta.get_field("username").max_length))
        email.help_text = _("You sign in with this address. We send a link to it, and the account can be "
                            "used once you have opened that link.")

    def validate_unique_email(self, value) -> str:
        # allauth refuses a taken address on the form unless verification is mandatory everywhere; here it
        # is only mandatory for self sign-up (acquirer.auth), so the check is made here, without a word.
        email = get_adapter().validate_unique_email(value)
        self.account_already_exists = (bool(filter_users_by_email(email))
                                       or filter_users_by_username(email).exists())
        return email

    def try_save(self, request):
        if self.account_already_exists:
            # Hash the password as a fresh sign-up does, so that the time to answer tells nothing either.
            make_password(self.cleaned_data.get("password1") or None)
        return super().try_save(request)

    def signup(self, request, user):
        from merchants.services.applications import merchant_signup

        merchant_signup(user=user, legal_name=self.cleaned_data["legal_name"])
