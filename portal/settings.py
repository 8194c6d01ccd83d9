"""Settings for the Một cửa portal: one module, everything read from the environment.

Without any variable set the portal runs on an embedded default (SQLite, eager Celery,
e-mail to the console, local memory cache). Every variable is listed in README.md.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base of every link printed on paper (QR codes, posters, messages).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Code of the province this installation serves (the root of the unit tree).
PROVINCE_CODE = env("PROVINCE_CODE", default="")

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "axes",
    "portal",
    "workcalendar",
    "procedures",
    "docstore",
    "dossiers",
    "notifications",
    "citizens",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the address: 400 before any lookup (PostgreSQL refuses it in a query).
    "portal.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.VietnameseFirstMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a sign-in refused for a lockout into the lockout page (portal/auth.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default may serve a few officers at once: writers take the lock when a
    # transaction starts (no deadlock between two upgrading readers) and wait for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The data fits in memory, where a random read costs about a sequential one. At the
    # default cost (4) the planner reads every row for a search word rather than use the
    # trigram index, five times slower (procedures/search.py, bench/search_bench.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c random_page_cost=1.1")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="motcua"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A memory layer in each process in front of the shared cache, for what every request reads
# and may be a second old elsewhere: the procedure page (procedures/views.py, ADR 0003).
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "motcua-local",
    "TIMEOUT": 1,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Sign-in (ADR 0007). The lockout backend comes first and refuses a locked-out account on
# every login (desk, admin, citizen); staff sign in by username, citizens by phone / e-mail.
AUTHENTICATION_BACKENDS = [
    "portal.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "citizens.backends.CitizenBackend",
]
# An account is locked for LOGIN_LOCKOUT_MINUTES after LOGIN_FAILURE_LIMIT wrong
# passwords in a row, whatever address they come from (citizens behind one carrier NAT
# share addresses); each further try while locked starts the wait again. A citizen ends it
# with a password reset by one-time code; staff ask an admin (Axes in the admin) or wait.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Axes warns (W006) when the lockout ignores the address. Deliberate: an address-wide lock
# would shut out everyone behind a mobile carrier's shared address after a few typos, and a
# lock per account holds whatever the address. Addresses are throttled by
# ACCOUNT_RATE_LIMIT on the citizen forms instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "portal.auth.lockout_key"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.auth.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "code"]
# Citizen account forms (sign-in, sign-up, code requests, password reset): requests per
# client address, a second line behind the per-account lockout (django-ratelimit).
ACCOUNT_RATE_LIMIT = env("ACCOUNT_RATE_LIMIT", default="20/10m")

# Vietnamese first, English second. Model texts are translated with django-modeltranslation
# (columns name_vi, name_en ...); an empty English text falls back to Vietnamese.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "vi"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("vi",)
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
# Uploaded files (local forms, dossier scans) live outside the web root and are served by
# views that check who may see them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
# Dossier scans: accepted types (checked by content, not by name) and size cap.
SCAN_MAX_BYTES = env.int("SCAN_MAX_BYTES", default=10 * 1024 * 1024)
# Virus scan of citizens' online uploads: the dotted path of a callable taking the uploaded
# file and returning what it found (a short text) or None when clean. Empty: no scan.
UPLOAD_VIRUS_SCANNER = env("UPLOAD_VIRUS_SCANNER", default="")
# Online drafts untouched for this many days are deleted with their files (beat, nightly).
ONLINE_DRAFT_MAX_AGE_DAYS = env.int("ONLINE_DRAFT_MAX_AGE_DAYS", default=90)
# Online dossiers one citizen account may submit per day (a flood of messages and work).
ONLINE_SUBMISSIONS_PER_DAY = env.int("ONLINE_SUBMISSIONS_PER_DAY", default=10)
# Satisfaction ratings and public feedback (feedback app): how long the rating link sent
# after the return stays valid, and the working days a unit has to reply to a feedback.
RATING_LINK_MAX_AGE_DAYS = env.int("RATING_LINK_MAX_AGE_DAYS", default=30)
FEEDBACK_REPLY_WORKING_DAYS = env.int("FEEDBACK_REPLY_WORKING_DAYS", default=10)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Một cửa <noreply@localhost>")

# Celery: a real broker when REDIS_URL is set, otherwise tasks run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE: dict = {
    # Times are Asia/Ho_Chi_Minh (CELERY_TIMEZONE). The digest task itself skips the
    # officers whose desk does not work that day (holidays, weekends).
    # One-time codes of citizen accounts, a day after they expired (citizens/tasks.py).
    "citizens-purge-codes": {
        "task": "citizens.tasks.purge_codes",
        "schedule": crontab(hour=3, minute=10),
    },
    # Online drafts nobody finished, with their uploads (dossiers/online.py).
    "dossiers-purge-drafts": {
        "task": "dossiers.tasks.purge_abandoned_drafts",
        "schedule": crontab(hour=3, minute=20),
    },
    "dossiers-staff-digest": {
        "task": "dossiers.tasks.send_staff_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "dossiers-late-reminders": {
        "task": "dossiers.tasks.remind_before_late",
        "schedule": crontab(hour=7, minute=15),
    },
    "dossiers-overdue-escalation": {
        "task": "dossiers.tasks.escalate_overdue",
        "schedule": crontab(minute=30),  # hourly: a dossier becomes overdue at midnight
    },
    # Re-enqueue messages whose task was lost (notifications/tasks.py, ADR 0005).
    "notifications-sweep": {
        "task": "notifications.tasks.sweep",
        "schedule": env.float("NOTIFY_SWEEP_INTERVAL", default=60.0),
        "options": {"expires": env.float("NOTIFY_SWEEP_INTERVAL", default=60.0)},
    },
}

# Notifications (docs/adr/0005-notifications-outbox.md). Backend per channel: console, file,
# memory, email, sms_http, zalo_zns, or a dotted path to a class.
NOTIFY_EMAIL_BACKEND = env("NOTIFY_EMAIL_BACKEND", default="email")
NOTIFY_SMS_BACKEND = env("NOTIFY_SMS_BACKEND", default="console")
NOTIFY_ZALO_BACKEND = env("NOTIFY_ZALO_BACKEND", default="console")
NOTIFY_FILE_PATH = env("NOTIFY_FILE_PATH", default=f"{PRIVATE_MEDIA_ROOT}/notifications.jsonl")
NOTIFY_SMS_URL = env("NOTIFY_SMS_URL", default="")
NOTIFY_SMS_USERNAME = env("NOTIFY_SMS_USERNAME", default="")
NOTIFY_SMS_PASSWORD = env("NOTIFY_SMS_PASSWORD", default="")
NOTIFY_SMS_TOKEN = env("NOTIFY_SMS_TOKEN", default="")
NOTIFY_SMS_BRANDNAME = env("NOTIFY_SMS_BRANDNAME", default="")
# (An empty value, as docker compose passes for an unset variable, means the default.)
NOTIFY_SMS_PAYLOAD = env("NOTIFY_SMS_PAYLOAD", default="") or (
    '{"phone": "$phone", "message": "$message", "brandname": "$brandname", "request_id": "$id"}'
)
NOTIFY_SMS_IDEMPOTENCY_HEADER = (
    env("NOTIFY_SMS_IDEMPOTENCY_HEADER", default="") or "Idempotency-Key"
)
NOTIFY_SMS_ID_FIELD = env("NOTIFY_SMS_ID_FIELD", default="") or "id"
NOTIFY_ZALO_URL = (
    env("NOTIFY_ZALO_URL", default="") or "https://business.openapi.zalo.me/message/template"
)
NOTIFY_ZALO_ACCESS_TOKEN = env("NOTIFY_ZALO_ACCESS_TOKEN", default="")
NOTIFY_ZALO_TEMPLATE_IDS = env.dict("NOTIFY_ZALO_TEMPLATE_IDS", default={})
NOTIFY_ZALO_PERMANENT_ERRORS = env.list(
    "NOTIFY_ZALO_PERMANENT_ERRORS", cast=int, default=[-108, -118, -119, -139]
)
NOTIFY_HTTP_TIMEOUT = env.float("NOTIFY_HTTP_TIMEOUT", default=10.0)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=10)
NOTIFY_RETRY_BASE_SECONDS = env.float("NOTIFY_RETRY_BASE_SECONDS", default=30.0)
NOTIFY_RETRY_MAX_SECONDS = env.float("NOTIFY_RETRY_MAX_SECONDS", default=1800.0)
# A row left in "sending" longer than this is taken back by the sweeper: keep it above the
# deliver task's hard time limit (60 s), or a slow but live worker loses its claim.
NOTIFY_LEASE_SECONDS = env.float("NOTIFY_LEASE_SECONDS", default=120.0)
# A pending row due for longer than this has lost its task: the sweeper sends a new one.
NOTIFY_STALE_SECONDS = env.float("NOTIFY_STALE_SECONDS", default=120.0)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Một cửa API",
    "DESCRIPTION": "Public catalogue of administrative procedures and the one-stop desk API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "ProcedureStatusEnum": "procedures.models.Status",
        "DossierStatusEnum": "dossiers.models.DossierStatus",
    },
    # /api/docs/ loads Swagger UI from static/vendor/swagger-ui (no CDN).
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui/favicon-32x32.png",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Production hardening. HTTPS=1 behind a TLS-terminating proxy turns all of it on.
HTTPS = env.bool("HTTPS", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
