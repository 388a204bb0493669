"""pytest settings: same database engine as production, faster hashing, mail kept in memory."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env_bool

SECRET_KEY = "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACQUIRER_REQUIRE_MFA = env_bool("ACQUIRER_REQUIRE_MFA", False)  # MFA tests switch it on themselves
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ACQUIRER_FIELD_KEYS = "f2:" + "C" * 43 + "=," + "f1:" + "D" * 43 + "="
ACQUIRER_HASH_KEY = "E" * 43 + "="
ACQUIRER_BACKUP_KEYS = "test2:" + "B" * 43 + "=," + "test1:" + "A" * 43 + "="
from acquirer.signing import derive_seed  # noqa: E402

ACQUIRER_EXPORT_SIGNING_KEY = derive_seed("exports" + SECRET_KEY)  # a stable key (Ed25519 seed) for the tests
ACQUIRER_AUDIT_KEYS = "a2:" + "F" * 43 + "=," + "a1:" + "G" * 43 + "="
# Each process (pytest, a worker it starts) keeps its audit checkpoints apart; tests/conftest.py gives every
# test its own folder.
ACQUIRER_AUDIT_CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="acquirer-audit-"))
# The test-settings-only way past the audit trail's TRUNCATE guard: transactional tests end with a flush
# (TRUNCATE of every table). Production settings never set this (docs/security.md).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c acquirer.audit_truncate=allow"  # noqa: F405
# Every recorded audit action must be in an app's catalogue (acquirer/audit.py refuses others).
ACQUIRER_AUDIT_STRICT = True
os.environ.setdefault("ACQUIRER_TESTING", "1")
