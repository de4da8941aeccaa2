"""Settings, read from the environment with safe defaults for local use.

Production: set DJANGO_DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and the storage
and e-mail variables listed in the README; `manage.py check --deploy` must then be clean.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OCOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "local-development-only-not-secret"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "ninja",
    "ocop.core",
    "ocop.accounts",
    "ocop.places",
    "ocop.criteria",
    "ocop.registry",
    "ocop.evaluation",
    "ocop.certificates",
    "ocop.trace",
    "ocop.site",
    "ocop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ocop.site.urls"
WSGI_APPLICATION = "ocop.wsgi.application"
ASGI_APPLICATION = "ocop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ocop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ocop.site.context_processors.site",
            ],
        },
    },
]

# SQLite in var/ by default (WAL mode, see ocop.core.apps); PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ocop.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

# Login throttling: after 5 failures for one user name from one address, wait 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "ocop" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["ocop.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "ocop" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# Files go through Django's storage API: local var/media by default, any S3-compatible store when
# STORAGE_BACKEND=s3 (django-storages reads its AWS_* variables).
STORAGES = {
    "default": {"BACKEND": os.environ.get("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if os.environ.get("STORAGE_BACKEND") == "s3":
    STORAGES["default"]["BACKEND"] = "storages.backends.s3.S3Storage"

DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OCOP <ocop@localhost>")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
}

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- The programme's own settings -------------------------------------------------------------
# The province this installation serves; officers of other provinces may still exist (national data).
OCOP_DEFAULT_PROVINCE_CODE = os.environ.get("OCOP_DEFAULT_PROVINCE_CODE", "80")  # Tây Ninh
OCOP_PAGE_SIZE = 50
OCOP_PHOTO_MAX_BYTES = 8 * 1024 * 1024
OCOP_IMPORT_MAX_BYTES = 15 * 1024 * 1024
# The government's yearly swapped days (a weekday off for a Saturday worked) that the holidays package
# does not know yet: comma-separated ISO dates, read by ocop.core.calendar.default_calendar().
OCOP_EXTRA_DAYS_OFF = env_list("OCOP_EXTRA_DAYS_OFF", "")
OCOP_EXTRA_WORKING_DAYS = env_list("OCOP_EXTRA_WORKING_DAYS", "")

# The evaluation process (Decision 26/2026 and the provincial council rules in docs/OCOP-RULES.md). Where the
# law leaves a choice it is a setting, with the default that document names.
OCOP_COMMUNE_REVIEW_WORKING_DAYS = 15  # Art. 7: the commune checks a dossier within 15 working days
OCOP_COUNCIL_QUORUM = "0.75"  # a meeting needs 75 % of members, the chair included
OCOP_SCORE_SPREAD_LIMIT = 10  # members' totals differing by more → discussion and re-scoring
OCOP_MAX_SCORING_ROUNDS = 2  # after this many rounds the chair may close with the spread on record
OCOP_CENTRAL_THRESHOLD = 90  # at or above: approved by the province and forwarded to the Ministry
OCOP_SAMPLES_REQUIRED = 5  # product samples with a dossier (not for tourism)
OCOP_CERTIFICATE_MONTHS = 36  # Art. 4.3
OCOP_REEVALUATION_OPENS_DAYS = 180  # Art. 7.6: filed no earlier than 180 days before expiry …
OCOP_REEVALUATION_CLOSES_DAYS = 120  # … and no later than 120 days before it
OCOP_REEVALUATION_DECISION_DAYS = 45  # decided within 45 days of a complete dossier
OCOP_LATE_FILER_GRACE_DAYS = 180  # Art. 12: kept valid at most 180 days past expiry while pending
OCOP_REVOCATION_DAYS = 15  # Art. 8: revoked within 15 days of the finding
OCOP_REMINDER_BEFORE_CLOSE_DAYS = 30
OCOP_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# The transparency log's Ed25519 signing key (created on first use; back it up: a new key makes every
# older checkpoint unverifiable) and its origin line (default: "<public host>/transparency").
OCOP_TLOG_KEY_FILE = Path(os.environ.get("OCOP_TLOG_KEY_FILE", VAR_DIR / "tlog-ed25519.key"))
OCOP_TLOG_ORIGIN = os.environ.get("OCOP_TLOG_ORIGIN", "")
# The public address printed in QR codes when a PDF is rendered outside a request (e.g. by the worker).
OCOP_PUBLIC_BASE_URL = os.environ.get("OCOP_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
