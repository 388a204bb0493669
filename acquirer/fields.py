"""``EncryptedTextField``: stored as an AES-GCM token (see :mod:`acquirer.secrets`), read back as text."""

from django.db import models

from acquirer import secrets


class EncryptedTextField(models.TextField):
    """Encrypted at rest. Not searchable: pair it with a keyed-hash column for look-ups."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return secrets.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if value.startswith(secrets.PREFIX + ":"):
            raise secrets.SecretError("refusing to encrypt a value that is already a token")
        return secrets.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(f"encrypted fields cannot be filtered with {lookup_name!r}; use the hash column")
        return super().get_lookup(lookup_name)
