"""Settings for the freelancer CRM, read from environment variables.

Every value has a default that needs nothing installed (SQLite, a file-system Celery broker,
console e-mail), so a laptop with only Python can run it; production sets the variables listed
in README.md. Nothing here is read by app code at import time.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A fixed development key only while DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "dev-insecure-key-only-for-debug" if DEBUG else ""
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
# Old keys still accepted while a new SECRET_KEY takes over (sessions, reset links, the
# encrypted second-factor secrets of accounts/adapter.py).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

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
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "csp",
    "django_htmx",
    "django_ratelimit",
    "template_partials",
    "django_countries",
    "crm",
    "accounts",
    "timeline",
    "clients",
    "projects",
    "timetracking",
    "communications",
    "portal",
    "dashboard",
    "privacy",
    "inbox",
    "banking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "crm.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.MandatoryTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.middleware.DocumentErrorMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

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
            ],
        },
    },
]

# Database: a SQLite file by default; PostgreSQL in production and CI.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.backends.EmailOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.ContextWordsValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
# A new account starts with the first-run setup (dashboard/setup.py).
SIGNUP_REDIRECT_URL = "dashboard:setup"
LOGOUT_REDIRECT_URL = "login"

# Accounts (django-allauth, see docs/security.md): log in with e-mail or username, sign-up and
# password reset that answer the same whether an address is known (the e-mail tells the owner
# instead), e-mail verification, re-authentication before security changes, rate limits.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PREVENT_ENUMERATION = True
# The owner hears of every change to password, e-mail address and second factors.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; every other one ends
ACCOUNT_SESSION_REMEMBER = True  # the lifetime rules below decide
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Changing e-mail addresses (and the sessions list, see crm/urls.py) asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "change_password": "accounts.forms.ChangePasswordForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "",  # django-axes locks wrong passwords (AXES_FAILURE_LIMIT)
    "signup": "5/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/h/user",
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
}
# Sign-up: closed means only operator invitations (manage.py invite, or the admin) open it.
ACCOUNTS_SIGNUP_OPEN = env.bool("ACCOUNTS_SIGNUP_OPEN", default=True)
ACCOUNTS_INVITATION_DAYS = env.int("ACCOUNTS_INVITATION_DAYS", default=14)
# Two-factor log-in (django-allauth's MFA): TOTP, passkeys / security keys, recovery codes,
# "trust this browser" for 30 days; ACCOUNTS_2FA_REQUIRED sends everyone to set it up first.
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_RECOVERY_CODE_COUNT = 10
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Kundenpflege CRM")
MFA_TRUST_ENABLED = True
MFA_TRUST_COOKIE_AGE = datetime.timedelta(days=30)
MFA_TRUST_COOKIE_SECURE = not DEBUG
MFA_TRUST_COOKIE_SAMESITE = "Lax"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_FORMS = {
    "authenticate": "accounts.forms.AuthenticateForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
ACCOUNTS_2FA_REQUIRED = env.bool("ACCOUNTS_2FA_REQUIRED", default=False)
# Sessions: a session ends after this much inactivity, and in any case this long after log-in.
ACCOUNTS_SESSION_IDLE_HOURS = env.float("ACCOUNTS_SESSION_IDLE_HOURS", default=8)
# NIST SP 800-63B AAL2: re-authenticate at least every 12 hours (docs/security.md, V7.1.1).
ACCOUNTS_SESSION_MAX_HOURS = env.float("ACCOUNTS_SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = int(ACCOUNTS_SESSION_MAX_HOURS * 3600)
# Last use is tracked by accounts.middleware (once a minute), not allauth's per-request write.
USERSESSIONS_TRACK_ACTIVITY = False
# New accounts may send at most this many client messages a day during their first days, and
# all accounts together at most ACCOUNTS_GLOBAL_DAILY_MAILS (0: no global limit).
ACCOUNTS_NEW_ACCOUNT_DAYS = env.int("ACCOUNTS_NEW_ACCOUNT_DAYS", default=7)
ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS = env.int("ACCOUNTS_NEW_ACCOUNT_DAILY_MAILS", default=20)
ACCOUNTS_GLOBAL_DAILY_MAILS = env.int("ACCOUNTS_GLOBAL_DAILY_MAILS", default=5000)
# The portal's public endpoints: requests per address and link, and how long links live.
PORTAL_LINK_DAYS_AFTER_END = env.int("PORTAL_LINK_DAYS_AFTER_END", default=90)
PORTAL_RATE_LIMIT_POST = env.str("PORTAL_RATE_LIMIT_POST", default="10/h")
PORTAL_RATE_LIMIT_PDF = env.str("PORTAL_RATE_LIMIT_PDF", default="60/h")

# Login throttling: 10 failures for one account from one IP lock that pair for 30 minutes.
# The account is normalised (e-mail or username, any case, count as one), and behind a proxy
# the client address comes from X-Forwarded-For, else every user would share the proxy's IP.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "crm.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "crm.backends.client_ip"
AXES_VERBOSE = False

# Internationalisation: German and English are both first-class.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
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
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console by default; SMTP in production (smtp+tls://user:pass@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A hanging SMTP server must not block a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Whose address client mail comes From (crm/senders.py, docs/deploy.md): "operator" (the address
# above, under the freelancer's name, Reply-To theirs) or "freelancer" (their own address once
# confirmed, for the domains listed in CLIENT_MAIL_FROM_DOMAINS; empty = every domain).
CLIENT_MAIL_FROM = env.str("CLIENT_MAIL_FROM", default="operator")
CLIENT_MAIL_FROM_DOMAINS = env.list("CLIENT_MAIL_FROM_DOMAINS", default=[])

# Celery: Redis in production; a file-system broker (no server needed) by default.
REDIS_URL = env.str("REDIS_URL", default="")
# The cache (the dashboard, see crm/freshness.py) is shared by the web processes and the Celery
# worker, whose writes must reach it too: Redis when there is one, else files in .cache/ (one
# machine). A Redis that does not answer fails fast; callers then compute without the cache.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crm",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / ".cache",
        }
    )
}
# django-ratelimit counts in the cache. It knows Django's own RedisCache only by name (W001:
# "not officially supported", yet its incr is atomic); the file cache of a one-machine set-up
# is not atomic (a burst may pass a few requests more: E003).
SILENCED_SYSTEM_CHECKS = [
    "django_ratelimit.W001",
    *([] if REDIS_URL else ["django_ratelimit.E003"]),
]
CELERY_DATA_DIR = BASE_DIR / ".celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A dead Redis must not hold a web request for long: fail fast, beat sends later.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "retry_on_timeout": False,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = 1
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "broker"),
        "data_folder_out": str(CELERY_DATA_DIR / "broker"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "store_processed": False,
    }
# A worker retries the broker for ever, at start-up too: with Celery's default of 100 retries
# (intervals growing to 30 s) a Redis outage of about 46 minutes made the worker exit with
# "Unrecoverable error", and mail stopped until someone restarted it.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Only affects late-acknowledged tasks (none here); opting in to Celery 6's default silences
# a warning that every broker reconnect logged.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
# Periodic work: every task here is idempotent and safe to overlap; the send time of a message
# lives in the database, never in a Celery eta.
# COMMS_PLAN_EVERY / COMMS_DISPATCH_EVERY (seconds) shorten the sweeps, e.g. in end-to-end tests.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "plan-messages": {
        "task": "communications.tasks.plan_messages",
        "schedule": env.float("COMMS_PLAN_EVERY", default=0) or crontab(minute="*/5"),
    },
    "dispatch-messages": {
        "task": "communications.tasks.dispatch_messages",
        "schedule": env.float("COMMS_DISPATCH_EVERY", default=60.0),
    },
    # 12:05 UTC is 00:05 at UTC-12: the first moment yesterday has ended everywhere.
    "expire-offers": {
        "task": "projects.tasks.expire_offers",
        "schedule": crontab(hour=12, minute=5),
    },
    # Queues one fetch per mailbox (inbox.tasks.fetch_mailbox: soft 240 s / hard 300 s, and a
    # claim per mailbox, so overlapping runs are harmless); itself soft 50 s / hard 60 s.
    "fetch-mail": {
        "task": "inbox.tasks.fetch_mailboxes",
        "schedule": env.float("INBOX_FETCH_EVERY", default=120.0),
        "options": {"expires": env.float("INBOX_FETCH_EVERY", default=120.0)},
    },
    # Retainer and recurring invoices are drafted on their day (a backlog over a few runs);
    # forecasts from hours catch estimates edited on the milestone.
    "plan-retainers": {
        "task": "timetracking.tasks.plan_retainers",
        "schedule": crontab(minute="*/5"),
    },
    "refresh-forecasts": {
        "task": "timetracking.tasks.refresh_forecasts",
        "schedule": crontab(minute=7),
    },
}
# Keep the database connection across tasks (Celery's Django fix-up closes it after each).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=200)
# A row left in "sending" this long (seconds) after its claim is marked uncertain.
COMMS_SENDING_TIMEOUT = env.int("COMMS_SENDING_TIMEOUT", default=15 * 60)
# Freelancer-edited message templates (communications/sandbox.py): every render (preview,
# compose, planners) stops past this time or output size, and loops nest at most this deep.
COMMS_TEMPLATE_RENDER_SECONDS = env.float("COMMS_TEMPLATE_RENDER_SECONDS", default=1.0)
COMMS_TEMPLATE_MAX_OUTPUT = env.int("COMMS_TEMPLATE_MAX_OUTPUT", default=100_000)
COMMS_TEMPLATE_MAX_LOOP_NESTING = env.int("COMMS_TEMPLATE_MAX_LOOP_NESTING", default=2)
# No task may hold a worker: the soft limit raises SoftTimeLimitExceeded inside the task (the
# outbox then marks a claimed row uncertain, as after a crash), the hard limit kills the child.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)

# The inbox (docs/inbox.md): IMAP timeouts, size limits, how far back the first fetch reads.
INBOX_TIMEOUT = env.int("INBOX_TIMEOUT", default=30)
INBOX_ATTACHMENT_MAX_MB = env.float("INBOX_ATTACHMENT_MAX_MB", default=10)
INBOX_MESSAGE_MAX_MB = env.float("INBOX_MESSAGE_MAX_MB", default=60)
INBOX_FIRST_DAYS = env.int("INBOX_FIRST_DAYS", default=14)
INBOX_TLS_CA_FILE = env.str("INBOX_TLS_CA_FILE", default="")
# Old secret keys, newest first: signed cookies and stored mailbox passwords stay readable
# after SECRET_KEY changes (manage.py inbox_rotate_key re-encrypts under the new key).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Security. Production (DEBUG off) is HTTPS-only; BEHIND_PROXY trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
if not DEBUG:
    SILENCED_SYSTEM_CHECKS = [
        *globals().get("SILENCED_SYSTEM_CHECKS", []),
        # HSTS preload is a one-way decision for the domain owner, not a default.
        *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    ]

# Content Security Policy: our own files only, no inline script or style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO; refused URL fetches come as warnings.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "factur-x": {"level": "WARNING"},
    },
}
