"""pytest settings: same database engine as production, faster hashing, mail kept in memory."""

import os

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
os.environ.setdefault("ACQUIRER_TESTING", "1")
