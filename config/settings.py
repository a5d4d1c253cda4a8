"""Settings for Marketing Campaigns, read from the environment (see README "Configuration").

Development defaults apply only with ``DJANGO_DEBUG=1``; with debug off (production)
``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` must be set and the secure
cookie / HTTPS settings are on unless explicitly turned off.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY", default="django-insecure-development-key-only-for-debug-mode"
    )
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")  # required in production: fails loudly when missing

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "simple_history",
    # our apps, lower layers first (see README "Architecture")
    "core",
    "salespeople",
    "contacts",
    "campaigns",
    "segments",
    "mailings",
    "pricing",
    "quotes",
    "activities",
    "opportunities",
    # The integration API, on top of every app (docs/api.md).
    "rest_framework",
    "drf_spectacular",
    "api",
    # After core: core's db_worker and axes_reset commands replace the libraries'.
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    # First: every line logged while a request is handled carries its id (docs/logs.md).
    "core.request_context.RequestIdMiddleware",
    # Counts and times what every other middleware answers too (docs/monitoring.md).
    "core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # An error page answered to an /api/ path becomes a problem document (docs/api.md).
    "api.middleware.ProblemErrorsMiddleware",
    # Before anything reads the session or a database looks up a key with a NUL.
    "core.middleware.RejectNulBytesMiddleware",
    "core.middleware.UserLanguageMiddleware",  # the user's remembered language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.request_context.RequestUserMiddleware",  # the user id on the log lines
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.middleware.AdminObjectKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A view's transaction ended by another user's write: 409, nothing saved.
    "core.middleware.WriteConflictMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy (django-csp): everything is served from this site; no
# inline scripts or styles (the templates use none; htmx's indicator style is in app.css).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's form controls use data: SVGs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failed logins for a
# user name from one address, that combination is locked for the cool-off time.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("DJANGO_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the client's, not a reverse proxy's (core/client_address.py): the
# number of proxies in front of the app that append to X-Forwarded-For.
TRUSTED_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Its log lines name the client by address and path, never by username (docs/logs.md).
AXES_CLIENT_STR_CALLABLE = "core.logs.axes_client_str"

ROOT_URLCONF = "config.urls"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers: take the write lock when a transaction starts (no
    # deadlocked upgrades), wait for it instead of failing, and use WAL so
    # readers never block the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    # The price engine's statement is prepared and planned once for all parameters
    # (pricing/engine.py). Django's own queries bind parameters on the client and are
    # never prepared, so neither setting changes them.
    # Behind a transaction-mode connection pooler (PgBouncer) a server connection is
    # ours for one transaction only (docs/scaling.md): no prepared statements (PgBouncer
    # before 1.21), no server-side cursors (``.iterator()`` outside a transaction would
    # fetch its next rows on another connection) and no startup options (PgBouncer
    # refuses them; set plan_cache_mode on the database role instead).
    pooled = env.bool("DATABASE_TRANSACTION_POOLER", default=False)
    prepared = env.bool("DATABASE_PREPARED_STATEMENTS", default=not pooled)
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = pooled
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "prepare_threshold": 5 if prepared else None,
            # A database host that does not answer is the outage page within seconds
            # (core/error_pages.py), not a worker stuck until its timeout.
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
        }
    )
    if not pooled:
        DATABASES["default"]["OPTIONS"]["options"] = "-c plan_cache_mode=force_generic_plan"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Where manage.py backup_database writes a backup when no --output is given
# (docs/backups.md).
BACKUP_DIR = env("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups"))

# Background jobs (Django's tasks API through the django-tasks backport). The queue
# lives in the project's database; ``manage.py db_worker`` runs the jobs, as many
# workers on as many hosts as needed. ``DJANGO_TASKS_BACKEND=immediate`` runs every
# job at once in the process that queues it (the tests do; no worker needed).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": TASK_BACKENDS[env.str("DJANGO_TASKS_BACKEND", default="database")],
        "QUEUES": ["default"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
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

# E-mail: printed on the console unless configured.
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
# For django.core.mail.backends.filebased.EmailBackend (tests of the worker use it).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=None)
# Progress of long single-transaction jobs on SQLite (see core.jobs.Progress).
JOB_PROGRESS_DIR = env("JOB_PROGRESS_DIR", default=str(BASE_DIR / "var" / "job-progress"))
# A contact file uploaded on the import page, kept between its check and its import
# (contacts/importing/uploads.py): a folder all web hosts share when there are several
# (docs/scaling.md).
CONTACT_IMPORT_DIR = env("CONTACT_IMPORT_DIR", default=str(BASE_DIR / "var" / "imports"))
# A job's worker renews its lease as it reports progress; a job whose lease ran out
# (or whose worker process on this host is gone) is taken over (docs/jobs.md).
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
JOB_RECOVERY_INTERVAL_SECONDS = env.float("JOB_RECOVERY_INTERVAL_SECONDS", default=10.0)
# Readiness (/readyz, manage.py check_health) wants a job worker whose heartbeat is at
# most this old; /metrics answers a request with "Authorization: Bearer
# <METRICS_TOKEN>" or from one of METRICS_ALLOWED_ADDRESSES (addresses or networks,
# e.g. 10.0.0.0/8), and 404 when neither is set (docs/monitoring.md).
HEALTH_WORKER_MAX_AGE_SECONDS = env.int("HEALTH_WORKER_MAX_AGE_SECONDS", default=60)
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])
# Seconds an SMTP connection may block before the attempt counts as failed.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="marketing@example.com")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Marketing e-mail (docs/mailings.md). The address the links in e-mails point at
# (unsubscribe, responses): the site as recipients reach it, https in production.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://localhost:8000")
MAIL_LINK_MAX_AGE_DAYS = env.int("MAIL_LINK_MAX_AGE_DAYS", default=730)
# The right-hand part of each message's Message-ID; an optional mailto for the
# List-Unsubscribe header (e.g. "unsubscribe@example.com").
EMAIL_MESSAGE_ID_DOMAIN = env(
    "EMAIL_MESSAGE_ID_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
)
EMAIL_UNSUBSCRIBE_MAILTO = env("EMAIL_UNSUBSCRIBE_MAILTO", default="")
# Webhooks of e-mail services (anymail): the "user:password" the service sends.
# An e-mail service's own settings (its anymail backend in DJANGO_EMAIL_BACKEND), as
# JSON: ANYMAIL_SETTINGS='{"POSTMARK_SERVER_TOKEN": "…"}'.
ANYMAIL = {
    **env.json("ANYMAIL_SETTINGS", default={}),
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}
# Messages claimed and sent per batch by the e-mail job.
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=100)

# Security: secure by default when debug is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer and Prometheus may ask over plain HTTP (docs/monitoring.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The language cookie (set by the switcher and core.middleware.UserLanguageMiddleware)
# goes over HTTPS only in production and is not sent along by other sites' requests.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_AGE", default=60 * 60 * 10)
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_HSTS_PRELOAD:
    # Preloading is a decision for the site owner, not a default we can make.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Django's cache: each process's own memory unless DJANGO_CACHE_URL names a shared one
# (redis://host:6379/1): the API's rate limits are counted in it (docs/api.md).
CACHES = {"default": env.cache_url("DJANGO_CACHE_URL", default="locmemcache://")}

# The integration API under /api/v1/ (docs/api.md): a token (Authorization: Bearer)
# or the browser's session; the roles' permissions; errors as RFC 9457 problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ModelPermissions"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_RATE_LIMIT", default="600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketing Campaigns API",
    "DESCRIPTION": (
        "Contacts, companies and customers; campaigns; segments and logged segments; "
        "interactions; prices and sales quotes; your own tasks and opportunities (docs/api.md)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # The problem responses of every operation and the links between operations, which
    # Schemathesis' stateful run follows (api/schema.py, docs/api.md).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess_problems_and_links",
    ],
    # A criterion's correspondence type has NAV's blank filter '' (docs/api.md, Segments).
    "ENUM_NAME_OVERRIDES": {
        "CorrespondenceTypeEnum": "contacts.models.CorrespondenceType",
        "CriteriaCorrespondenceTypeEnum": "api.segment_serializers.CRITERIA_CORRESPONDENCE_TYPES",
        # A task's type apart from a contact's, which keeps its name (api/sales_serializers.py).
        "TypeEnum": "contacts.models.ContactType",
        "TaskTypeEnum": "activities.models.TaskType",
    },
    # Generated and compared with the committed api/openapi.yaml by tests/api/test_schema.py.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}

MESSAGE_TAGS = {40: "danger"}  # Bootstrap's name for message level ERROR

# Logs (docs/logs.md): one JSON object per line (json) or a line of text (plain), each
# with the request id, the user id and, in a job, the job id; on stderr.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JSONFormatter"},
        "plain": {"()": "core.logs.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers write through the console handler above only (by default
    # they also have a handler of their own in debug, which would print lines twice).
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}

# Demo data / development helpers
DEMO_PASSWORD = env("DEMO_PASSWORD", default="")

FORMAT_MODULE_PATH = ["config.formats"]
# Not for every number a template prints: IDs, page numbers and line numbers are keys
# (?page=1234, #line-1234). Amounts and counts are grouped where they are shown
# (core.tables.AmountColumn/CountColumn, card fields, floatformat:"2g", intcomma).
USE_THOUSAND_SEPARATOR = False
