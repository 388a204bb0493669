"""Password rules beyond Django's own: a letter and a digit, and none of the last N passwords."""

import re

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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
