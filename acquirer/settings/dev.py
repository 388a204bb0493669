"""The demo and local development: `make run`."""

import os

from acquirer.backups.crypto import Keyring
from acquirer.signing import derive_seed

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

# The demo serves like production (no debug pages, static files through WhiteNoise); DJANGO_DEBUG=1 for development.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-not-secret-5b0c1f9d7e2a4c8e9f13a6b7d2e4f8a1"
ACQUIRER_REQUIRE_MFA = env_bool("ACQUIRER_REQUIRE_MFA", False)  # the demo turns MFA off
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
WHITENOISE_USE_FINDERS = True
# Demo keys for KYC secrets, derived from the demo secret key (production sets them in the environment).
ACQUIRER_FIELD_KEYS = os.environ.get("ACQUIRER_FIELD_KEYS") or Keyring.derive_spec("demo", "fields" + SECRET_KEY)
ACQUIRER_HASH_KEY = os.environ.get("ACQUIRER_HASH_KEY") or Keyring.derive_spec("h", "hash" + SECRET_KEY)[2:]
# The demo derives its backup key from its secret key: no key file lies next to var/backups.
ACQUIRER_BACKUP_KEYS = os.environ.get("ACQUIRER_BACKUP_KEYS") or Keyring.derive_spec("demo", SECRET_KEY)
ACQUIRER_AUDIT_KEYS = os.environ.get("ACQUIRER_AUDIT_KEYS") or Keyring.derive_spec("demo", "audit" + SECRET_KEY)
# The demo's export-signing key (Ed25519 seed), derived from its secret key with HKDF.
ACQUIRER_EXPORT_SIGNING_KEY = os.environ.get("ACQUIRER_EXPORT_SIGNING_KEY") or derive_seed("exports" + SECRET_KEY)
