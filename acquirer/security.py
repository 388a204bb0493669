"""Password rules beyond Django's own: a letter and a digit, and none of the last N passwords."""

import re

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with messages from our catalogue (Django 5.2's zh_Hans lacks the new wording)."""

    def get_error_message(self):
        return ngettext("This password is too short. It must contain at least %(min_length)d character.",
                        "This password is too short. It must contain at least %(min_length)d characters.",
                        self.min_length) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext("Your password must contain at least %(min_length)d character.",
                        "Your password must contain at least %(min_length)d characters.",
                        self.min_length) % {"min_length": self.min_length}


class LetterAndDigitValidator:
    def validate(self, password, user=None):
        if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
            raise ValidationError(_("The password must contain at least one letter and one digit."),
                                  code="password_letter_digit")

    def get_help_text(self):
        return _("Your password must contain at least one letter and one digit.")


class PasswordHistoryValidator:
    """Refuses the current password and the previous ``history - 1`` ones; remembers new ones."""

    def __init__(self, history: int = 4):
        self.history = history

    def _recent_hashes(self, user) -> list[str]:
        hashes = list(user.password_history.values_list("password", flat=True)[: self.history])
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        return hashes[: self.history]

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                _("You cannot reuse any of your last %(count)d passwords.") % {"count": self.history},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from django.utils import timezone

        from acquirer.models import PasswordHistory, User

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(user.password_history.values_list("id", flat=True)[: self.history])
        user.password_history.exclude(id__in=keep).delete()
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())

    def get_help_text(self):
        return _("Your password cannot be one of your last %(count)d passwords.") % {"count": self.history}


class GuessabilityValidator:
    """zxcvbn's estimate of how fast an attacker guesses the password (django-zxcvbn-password-validator):
    below ``PASSWORD_MINIMAL_STRENGTH`` (3 of 4) it is refused with zxcvbn's advice (translated by that
    package's catalogue). ``Password123!`` passes the length, letter-and-digit and common-list rules but
    not this one."""

    ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses to score longer input; the first 72 characters decide

    def __init__(self):
        from django_zxcvbn_password_validator import ZxcvbnPasswordValidator

        self.zxcvbn = ZxcvbnPasswordValidator()

    def validate(self, password, user=None):
        try:
            self.zxcvbn.validate(password[: self.ZXCVBN_MAX_LENGTH], user)
        except ValidationError as error:
            messages = [_("This password is too easy to guess."), *error.messages[1:]]
            raise ValidationError([ValidationError(message, code="password_too_guessable") for message in messages])

    def get_help_text(self):
        return _("Your password must not be easy to guess: a few unusual words together work well.")
