"""Kavshiri settings: one module, every value read from the environment.

Production differs from a laptop only by environment variables (see README, "Production").
With nothing set and DJANGO_DEBUG=true, Kavshiri runs on SQLite under var/ with a Celery
broker that needs no server (kombu's filesystem transport) and writes mail to var/mail.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting; a value that is neither fails at start instead of meaning False."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value (use true or false).")


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A secret has a default only for local development; production must set its own.
_DEV_ONLY_SECRET = "dev-only-insecure-key-never-use-in-production"
if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default=_DEV_ONLY_SECRET)
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with Kavshiri's site: it asks for the second factor of those who set one up.
    "config.apps.KavshiriAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "phonenumber_field",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "network",
    "crm",
    "notifications",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.GeorgianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Both answer before any view reads the body, with a page in the visitor's language.
    "config.middleware.RequestSizeLimitMiddleware",
    "config.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.roles",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kavshiri.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE takes the write lock
    # at BEGIN, so two writers queue on busy_timeout instead of failing with
    # "database is locked" when one upgrades a read lock mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # The embedded default must work from a fresh clone, where var/ does not exist yet.
    VAR_DIR.mkdir(exist_ok=True)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: a locked-out username and address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a working day, and when the browser closes (shared office computers).
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)

# Georgian first, English second.
LANGUAGE_CODE = "ka"
LANGUAGES = [("ka", _("Georgian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Tbilisi"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `runserver` without collectstatic still find files in the app folders.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=True)

# Shared by the login, subscribe, unsubscribe and invitation rate limits and the API's throttles:
# Redis in production (CACHE_URL=redis://host:6379/1), so that every gunicorn worker counts
# together; memory of one process by default, which needs no server.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://kavshiri")}

# Request bodies. Form fields (not files) are held in memory up to DATA_UPLOAD_MAX_MEMORY_SIZE;
# uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file. A request whose body
# is larger than REQUEST_MAX_BYTES is answered 413 before anything reads it: imports take files
# up to 5 MB (crm/importing.py), which leaves room for the form around the file.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=6 * 1024 * 1024)

# Email: EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…) in production; files under
# var/mail otherwise. Django 6.1's MAILERS replaces the EMAIL_* settings.
if env.str("EMAIL_URL", default=""):
    _smtp = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp["EMAIL_HOST"],
                "port": _smtp["EMAIL_PORT"],
                "username": _smtp["EMAIL_HOST_USER"],
                "password": _smtp["EMAIL_HOST_PASSWORD"],
                # django-environ sets only the flag its scheme implies (smtp+tls, smtp+ssl).
                "use_tls": _smtp.get("EMAIL_USE_TLS", False),
                "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
                "timeout": env.int("EMAIL_TIMEOUT", default=30),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kavshiri <kavshiri@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; kombu's filesystem transport (no server) by default.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    # kombu's filesystem transport does not create its folders.
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
else:
    # A task not acknowledged within the visibility timeout is delivered again: keep it well
    # above every task's time limit (CELERY_TASK_TIME_LIMIT, NEWSLETTER_TASK_TIME_LIMIT).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5, "visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose broker went away reconnects until it is back, however long that takes (by
# default it exits after 100 tries, about 47 minutes). Tasks running meanwhile finish, as
# Celery 6 would no longer let them: killed mid-batch they would leave messages in doubt.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# One task at a time per worker process: a killed worker loses at most the batch in its hands.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    # Monday morning, Tbilisi time (CELERY_TIMEZONE), when the week's calls are planned.
    "remind-overdue-invoices": {
        "task": "crm.tasks.remind_overdue_invoices",
        "schedule": crontab(minute=0, hour=9, day_of_week="monday"),
    },
    # Starts scheduled campaigns, recovers messages a stopped worker left, closes finished ones.
    "newsletter-tick": {"task": "notifications.tasks.newsletter_tick", "schedule": 60.0},
    # Every morning, Tbilisi time: each person's follow-ups due today and overdue.
    "send-follow-up-digests": {
        "task": "notifications.tasks.send_follow_up_digests",
        "schedule": crontab(minute=0, hour=8),
    },
    # Feedback requests N days after a service ended (NEWSLETTER_FEEDBACK_AFTER_DAYS).
    "send-feedback-requests": {
        "task": "notifications.tasks.send_feedback_requests",
        "schedule": crontab(minute=0, hour=10),
    },
    # Every night: deliveries and bounce reports older than NEWSLETTER_DELIVERY_RETENTION_MONTHS
    # lose their addresses; status and counts stay.
    "purge-old-delivery-personal-data": {
        "task": "notifications.retention.purge_old_delivery_personal_data",
        "schedule": crontab(minute=30, hour=3),
    },
}

# Newsletters (notifications/conf.py has the defaults and what each means).
NEWSLETTER_RATE_PER_SECOND = env.float("NEWSLETTER_RATE_PER_SECOND", default=10)
NEWSLETTER_RATE_PER_DAY = env.int("NEWSLETTER_RATE_PER_DAY", default=10_000)
# What to do with a message a stopped worker was sending: "resend" (same Message-ID) or "hold".
NEWSLETTER_INFLIGHT_POLICY = env.str("NEWSLETTER_INFLIGHT_POLICY", default="resend")
NEWSLETTER_INFLIGHT_TIMEOUT = env.int("NEWSLETTER_INFLIGHT_TIMEOUT", default=15 * 60)
NEWSLETTER_REDISPATCH_AFTER = env.int("NEWSLETTER_REDISPATCH_AFTER", default=10 * 60)
NEWSLETTER_BREAKER_THRESHOLD = env.int("NEWSLETTER_BREAKER_THRESHOLD", default=25)
NEWSLETTER_BREAKER_COOLDOWN = env.int("NEWSLETTER_BREAKER_COOLDOWN", default=5 * 60)
NEWSLETTER_UNSUBSCRIBE_MAILTO = env.str("NEWSLETTER_UNSUBSCRIBE_MAILTO", default="")
# Shared with the mail provider, which signs bounce and complaint reports to /webhooks/mail/
# (HMAC-SHA256 of the body); empty refuses every report.
NEWSLETTER_WEBHOOK_SECRET = env.str("NEWSLETTER_WEBHOOK_SECRET", default="")
# A delivered service's client is asked for feedback this many days after it ended, once; services
# that ended more than the window ago are never asked (turning the feature on mails no history).
NEWSLETTER_FEEDBACK_AFTER_DAYS = env.int("NEWSLETTER_FEEDBACK_AFTER_DAYS", default=3)
NEWSLETTER_FEEDBACK_WINDOW_DAYS = env.int("NEWSLETTER_FEEDBACK_WINDOW_DAYS", default=30)
# Months a newsletter delivery keeps its address and error text, and a bounce or complaint report
# its address and detail; then only their status stays (notifications/retention.py). At least 1.
NEWSLETTER_DELIVERY_RETENTION_MONTHS = env.int("NEWSLETTER_DELIVERY_RETENTION_MONTHS", default=24)

# The centre itself: it issues invoices and is the hub of the partner network.
CENTRE_NAME = env("CENTRE_NAME", default="Kutaisi Civil Society Resource Centre")
CENTRE_NAME_KA = env("CENTRE_NAME_KA", default="ქუთაისის სამოქალაქო საზოგადოების რესურსცენტრი")
# Printed on every invoice; empty ones are left off.
CENTRE_IDENTIFICATION_CODE = env("CENTRE_IDENTIFICATION_CODE", default="")
CENTRE_ADDRESS = env("CENTRE_ADDRESS", default="")
CENTRE_PHONE = env("CENTRE_PHONE", default="")
CENTRE_EMAIL = env("CENTRE_EMAIL", default="")
CENTRE_BANK_ACCOUNT = env("CENTRE_BANK_ACCOUNT", default="")
CENTRE_BANK_NAME = env("CENTRE_BANK_NAME", default="")
INVOICE_NUMBER_PREFIX = env("INVOICE_NUMBER_PREFIX", default="KAV")
# Where the centre's people open Kavshiri; mails sent outside a request link to pages from here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

PHONENUMBER_DEFAULT_REGION = "GE"
PHONENUMBER_DB_FORMAT = "E164"

# The REST API (api/): tokens or the browser's session, the same rules as the pages, JSON only
# (the documentation page is /api/docs/). Token authentication comes first so that a request
# without credentials is told 401 and how to authenticate, not 403.
_THROTTLE_RATE = r"^[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)$"


def env_rate(name: str, default: str) -> str:
    """A throttle rate such as 60/minute; a typo fails at start, not on the first request."""
    import re

    rate = env.str(name, default=default).strip()
    if not re.match(_THROTTLE_RATE, rate):
        raise ImproperlyConfigured(f"{name}={rate!r} is not a rate (use e.g. 60/minute).")
    return rate


# How many reverse proxies stand in front of Kavshiri. 0: the client is REMOTE_ADDR; with N, the
# Nth address from the right of X-Forwarded-For (the one the outermost trusted proxy saw), never a
# client's own claim. The API's throttles, the rate limits and the login lockout all count by it.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", default="60/minute"),
        "user": env_rate("API_THROTTLE_USER", default="1000/minute"),
    },
    # Anonymous callers are counted by address: REMOTE_ADDR unless Kavshiri runs behind that
    # many reverse proxies, whose X-Forwarded-For is then trusted (never a client's own).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=NUM_PROXIES),
}

SPECTACULAR_SETTINGS = {
    "TITLE": _("Kavshiri API"),
    "DESCRIPTION": _(
        "The CRM and partner network of the Kutaisi civil-society resource centre, read-only. "
        "Authenticate with `Authorization: Token <secret>` (or `Bearer <secret>`); create tokens "
        "at /api/tokens/. Every endpoint answers with what the same person may see in the browser."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Swagger UI from drf-spectacular-sidecar's static files: offices with poor connections
    # and offline installations have no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema describes every endpoint to everyone; what each caller gets is decided per request.
    "SERVE_PUBLIC": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # One name for a choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "VisibilityEnum": "crm.models.Visibility",
        "LanguageEnum": "crm.models.Contact.Language",
    },
}

# Production hardening, on whenever DEBUG is off (behind a TLS-terminating proxy). Each can be
# turned off by its variable, e.g. to try the Compose setup over plain HTTP (README, Production).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# /healthz is probed over plain HTTP by load balancers and compose health checks.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Browsers remember HSTS: a year unless told otherwise; preload only with subdomains.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=SECURE_HSTS_INCLUDE_SUBDOMAINS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env.str("DJANGO_SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies: over HTTPS only (unless DJANGO_SECURE_COOKIES=false), out of reach of scripts, and not
# sent along when another site links or posts here.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script of Kavshiri's reads the CSRF cookie: forms carry the token, Swagger UI gets it rendered.
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content Security Policy (Django's own middleware): scripts, styles, fonts and images only from
# Kavshiri itself, which serves its vendored files; no inline script or style anywhere (mail HTML
# is not served under it). data: images are Swagger UI's icons. Nobody may frame a page.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Logging in: 5 failures for one username from one address lock that pair out for 30 minutes
# (django-axes, counted in the database); a success clears the count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Trying again while locked out neither logs in nor restarts the 30 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "config.accounts.lockout_response"
# Masked in its records and logs (the password always is), with the code of the login's second step.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# Requests per address and window, counted in CACHES (config/ratelimit.py); a request over the
# limit gets 429 and a page saying when to try again.
RATE_LIMITS = {
    "login": env_rate("RATE_LIMIT_LOGIN", default="10/minute"),
    "subscribe": env_rate("RATE_LIMIT_SUBSCRIBE", default="5/minute"),
    "unsubscribe": env_rate("RATE_LIMIT_UNSUBSCRIBE", default="30/minute"),
    "invitation": env_rate("RATE_LIMIT_INVITATION", default="10/minute"),
}
# Two-factor (TOTP, optional for managers and administrators): the name authenticator apps show.
OTP_TOTP_ISSUER = "Kavshiri"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes tells every step at INFO; failures, lockouts and resets are its WARNINGs.
    "loggers": {"axes": {"level": "WARNING"}},
}
