"""Settings shared by every environment. Everything that differs comes from environment variables."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ACQUIRER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "acquirer.apps.AcquirerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_zxcvbn_password_validator",  # its zh-Hans catalogue of zxcvbn's advice
    "acquirer.apps.AcquirerConfig",
    "merchants",
    "terminals",
    "transactions",
    "complaints",
    "compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "acquirer.middleware.RejectNulMiddleware",  # before anything reads the database
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "acquirer.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "acquirer.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "acquirer.middleware.SessionLifetimeMiddleware",
    "acquirer.middleware.UserLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "acquirer.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "acquirer.urls"
WSGI_APPLICATION = "acquirer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "acquirer.context_processors.shell",
            ],
        },
    },
]

# --- Database: PostgreSQL only --------------------------------------------------------------
# DATABASE_URL points at a real server. `make run`, `make test` and `python -m acquirer.embedded`
# set it to the embedded PostgreSQL (pgserver wheel, data under var/) when it is not set.
_database_url = os.environ.get("DATABASE_URL", "")
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, or prefix the command with "
        "`python -m acquirer.embedded` to start the embedded PostgreSQL."
    )
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
# Behind PgBouncer in transaction mode a named cursor cannot live across statements (docs/runbook.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = os.environ.get("ACQUIRER_PGBOUNCER", "") == "1"
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Only PostgreSQL is supported: DATABASE_URL must start with postgres://")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Falls back to per-process memory while Redis is down, so sign-in keeps working (acquirer/cache.py).
    CACHES = {"default": {"BACKEND": "acquirer.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "acquirer_cache"}
    }

# /healthz details (database, broker, cache, outbox, jobs, backups) for monitoring: "Authorization: Bearer <token>".
# Empty: only signed-in staff see them; everyone else gets {"status": ...} alone.
ACQUIRER_HEALTHZ_TOKEN = os.environ.get("ACQUIRER_HEALTHZ_TOKEN", "")

# The embedded broker: kombu's filesystem transport, folders under var/celery/.
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "acquirer.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "acquirer.security.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "acquirer.security.LetterAndDigitValidator"},
    {"NAME": "acquirer.security.GuessabilityValidator"},  # zxcvbn score >= PASSWORD_MINIMAL_STRENGTH
    {"NAME": "acquirer.security.PasswordHistoryValidator", "OPTIONS": {"history": 4}},
]
# zxcvbn (django-zxcvbn-password-validator): 3 = "safely unguessable", about 10^10 guesses.
PASSWORD_MINIMAL_STRENGTH = 3
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Lockout: 10 failed attempts on one login name lock it for 30 minutes (PCI DSS 8.3.4).
ACQUIRER_LOCKOUT_ATTEMPTS = 10
ACQUIRER_LOCKOUT_MINUTES = 30
ACQUIRER_INACTIVE_DAYS = 90
ACQUIRER_REQUIRE_MFA = env_bool("ACQUIRER_REQUIRE_MFA", True)

ACCOUNT_ADAPTER = "acquirer.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
# Self sign-up asks no username: a merchant's login name is its e-mail address, so a taken name cannot be
# told from a free one (enumeration). The account is usable once the mailed link is opened; a taken address
# gets the same answer and its owner an e-mail (merchants/forms/signup.py, acquirer.auth).
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "merchants.forms.signup.SignupForm"}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# account.W001: login is by username, sign-up has none; the username is the e-mail (AccountAdapter).
SILENCED_SYSTEM_CHECKS = ["account.W001"]
ACQUIRER_MERCHANT_SIGNUP = env_bool("ACQUIRER_MERCHANT_SIGNUP", True)
# Addresses are confirmed by a mailed link (sign-up and /accounts/email/), without blocking the login; only a
# confirmed address receives password resets (acquirer.services.emails). Changing addresses needs a fresh login.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # Per-IP throttles: a password hash costs ~0.3 s, so the login form must not become a DoS.
    "login": "30/m/ip",
    "login_failed": "20/m/ip",
    "reset_password": "10/m/ip,3/m/key",
}
MFA_ADAPTER = "acquirer.auth.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Acquirer Back Office"

# --- Sessions ---------------------------------------------------------------------------------
SESSION_ENGINE = "acquirer.sessions"
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute lifetime (also enforced server-side)
ACQUIRER_SESSION_IDLE_SECONDS = 15 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security headers -------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- I18N -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("ACQUIRER_MEDIA_ROOT", VAR_DIR / "media"))  # never served directly

# --- Secrets at rest (acquirer/secrets.py) ------------------------------------------------------
ACQUIRER_FIELD_KEYS = os.environ.get("ACQUIRER_FIELD_KEYS", "")
ACQUIRER_HASH_KEY = os.environ.get("ACQUIRER_HASH_KEY", "")

# --- Audit trail (acquirer/audit.py, docs/security.md) -----------------------------------------
# Keys of the audit hash chain (HMAC): "id:base64-32-bytes,old-id:…" — the first chains new events, all
# verify. The database never holds them. Checkpoints of the chain's head are written outside the database.
ACQUIRER_AUDIT_KEYS = os.environ.get("ACQUIRER_AUDIT_KEYS", "")
ACQUIRER_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("ACQUIRER_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit"))

# --- Signed export manifests (acquirer/signing.py, docs/security.md) ---------------------------------
# Ed25519 private key that signs every export's manifest.json: the base64 of the 32-byte private seed, or a PEM
# (PKCS#8, unencrypted). Production refuses to start without it; the demo and the tests derive one.
ACQUIRER_EXPORT_SIGNING_KEY = os.environ.get("ACQUIRER_EXPORT_SIGNING_KEY", "")

# --- Backups (docs/runbook.md) ------------------------------------------------------------------
# Keys: "id:base64-32-bytes,old-id:…" — the first encrypts, all decrypt. Never store them with the backups.
ACQUIRER_BACKUP_KEYS = os.environ.get("ACQUIRER_BACKUP_KEYS", "")
ACQUIRER_BACKUP_DIR = Path(os.environ.get("ACQUIRER_BACKUP_DIR", VAR_DIR / "backups"))
ACQUIRER_BACKUP_STAGING_DIR = Path(os.environ.get("ACQUIRER_BACKUP_STAGING_DIR", VAR_DIR / "backup-staging"))
ACQUIRER_BACKUP_RETENTION = {
    "daily": int(os.environ.get("ACQUIRER_BACKUP_KEEP_DAILY", "7")),
    "weekly": int(os.environ.get("ACQUIRER_BACKUP_KEEP_WEEKLY", "5")),
    "monthly": int(os.environ.get("ACQUIRER_BACKUP_KEEP_MONTHLY", "12")),
}
if os.environ.get("ACQUIRER_BACKUP_S3_BUCKET"):
    _backup_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": os.environ["ACQUIRER_BACKUP_S3_BUCKET"],
                    "location": os.environ.get("ACQUIRER_BACKUP_S3_PREFIX", "backups"),
                    "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                    "default_acl": "private", "file_overwrite": False},
    }
else:
    _backup_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                       "OPTIONS": {"location": str(ACQUIRER_BACKUP_DIR)}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "backups": _backup_storage,
}

PHONENUMBER_DEFAULT_REGION = "CN"

# Merchant numbers (MID, 15 digits) = institution code (3) + region code (4) + MCC (4) + sequence (4).
ACQUIRER_INSTITUTION_CODE = os.environ.get("ACQUIRER_INSTITUTION_CODE", "898")
# Inspection frequency in months per risk rating.
ACQUIRER_INSPECTION_MONTHS = {"high": 3, "medium": 6, "low": 12}
# Uploads: KYC documents and inspection photos.
ACQUIRER_UPLOAD_MAX_BYTES = int(os.environ.get("ACQUIRER_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# Largest image accepted, in pixels (width × height), checked before decoding (decompression bombs).
ACQUIRER_UPLOAD_MAX_PIXELS = int(os.environ.get("ACQUIRER_UPLOAD_MAX_PIXELS", "40000000"))

# Rows per batch of the scheduled jobs that walk large tables (acquirer/batches.py): each batch commits on its own.
ACQUIRER_BATCH_SIZE = int(os.environ.get("ACQUIRER_BATCH_SIZE", "1000"))
ACQUIRER_JOB_WORKERS = int(os.environ.get("ACQUIRER_JOB_WORKERS", "2"))  # threads writing a job's batches
# Exports up to this many rows stream in the request; larger ones are prepared in the background (My downloads).
ACQUIRER_EXPORT_SYNC_ROWS = int(os.environ.get("ACQUIRER_EXPORT_SYNC_ROWS", "10000"))
ACQUIRER_EXPORT_KEEP_DAYS = int(os.environ.get("ACQUIRER_EXPORT_KEEP_DAYS", "7"))

# --- Terminals (docs/terminals.md) --------------------------------------------------------------
# Maintenance ticket SLA per severity, in business hours: (first response, resolution).
ACQUIRER_TICKET_SLA_HOURS = {"critical": (1, 8), "high": (2, 16), "medium": (4, 24), "low": (8, 40)}
# Business hours of the service desk (Asia/Shanghai): weekdays, start and end hour.
ACQUIRER_BUSINESS_HOURS = (9, 18)
# A terminal with no sign-in or transaction for this many days is flagged for follow-up.
ACQUIRER_TERMINAL_STALE_DAYS = int(os.environ.get("ACQUIRER_TERMINAL_STALE_DAYS", "7"))
# A terminal transacting farther than this from its installation address is flagged.
ACQUIRER_TERMINAL_MAX_DISTANCE_KM = int(os.environ.get("ACQUIRER_TERMINAL_MAX_DISTANCE_KM", "5"))
# Preventive maintenance interval (days) and rent: due date (day of month) and suspension after unpaid days.
ACQUIRER_MAINTENANCE_INTERVAL_DAYS = int(os.environ.get("ACQUIRER_MAINTENANCE_INTERVAL_DAYS", "180"))
ACQUIRER_RENT_DUE_DAY = 10
# A rent charge is never due in the past: created after its month's due day, it is due this many days later.
ACQUIRER_RENT_DUE_AFTER_DAYS = int(os.environ.get("ACQUIRER_RENT_DUE_AFTER_DAYS", "10"))
ACQUIRER_RENT_SUSPEND_AFTER_DAYS = int(os.environ.get("ACQUIRER_RENT_SUSPEND_AFTER_DAYS", "30"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "back-office@acquirer.example")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

# --- Celery -----------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request logs never keep what was searched for: query-string values and ID-like numbers are masked
    # (acquirer/logging.py) on every logger that writes a URL.
    "filters": {"mask_query_strings": {"()": "acquirer.logging.MaskQueryStringFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ACQUIRER_LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False,
                          "filters": ["mask_query_strings"]},
        "django.request": {"filters": ["mask_query_strings"]},
        # gunicorn's access log (only written when gunicorn runs with --access-logfile): to the console.
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False,
                            "filters": ["mask_query_strings"]},
    },
}

# --- Complaints and help centre (docs/complaints.md) ----------------------------------------------
# A resolved or closed complaint may be reopened (by the complainant or staff) within this many days.
ACQUIRER_COMPLAINT_REOPEN_DAYS = int(os.environ.get("ACQUIRER_COMPLAINT_REOPEN_DAYS", "14"))
# The assignee is warned this many working hours before an SLA clock runs out.
ACQUIRER_COMPLAINT_WARN_HOURS = int(os.environ.get("ACQUIRER_COMPLAINT_WARN_HOURS", "2"))
# A breach goes to the team lead at once, and to the operations managers when it is still open this many
# working hours later.
ACQUIRER_COMPLAINT_MANAGER_AFTER_HOURS = int(os.environ.get("ACQUIRER_COMPLAINT_MANAGER_AFTER_HOURS", "8"))
