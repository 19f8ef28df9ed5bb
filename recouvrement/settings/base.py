"""Settings shared by every environment, read from the environment with django-environ.

Only values that are safe everywhere have defaults here; ``local`` adds the demo defaults and
``production`` insists on the rest.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files (no CDN)
    "django_htmx",
    "simple_history",
    "django_fsm",
    "django_otp",
    "accounts.otp.SecondFactorConfig",  # django-otp's TOTP devices, named in French
    "axes",
    "csp",
    # The project's apps, from the bottom of the layering to the top (docs/architecture.md).
    "accounts",
    "journal",
    "dossiers",
    "rgpd",
    "portail",
    "imports",
    "relances",
    "courriers",
    "scoring",
    "journee",
    "portail_web",
    "escalade",
    "pilotage",
    "experiences",
    "demo",
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
    "django_htmx.middleware.HtmxMiddleware",
    # Marks the read-only pages served from the read replica, when one is configured.
    "recouvrement.replica.ReplicaMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.OTPRequiredMiddleware",
    "accounts.middleware.SessionIdleMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "recouvrement.urls"
WSGI_APPLICATION = "recouvrement.wsgi.application"

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
                "recouvrement.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions


def without_jit(database: dict) -> dict:
    """PostgreSQL's JIT compiler, triggered by the cost estimate of the worklist's correlated
    subqueries, spent 10 of 11 s compiling one page at 1M claims; the pages are short OLTP
    queries that never gain from it."""
    if "postgresql" in database["ENGINE"]:
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


without_jit(DATABASES["default"])


def with_replica(databases: dict) -> dict:
    """A read replica for the read-only pages (recouvrement/replica.py), off unless
    ``DATABASE_REPLICA_URL`` is set: the pages of ``DATABASE_REPLICA_PAGES`` (URL names) read
    from it on GET; every write stays on the primary (``default``)."""
    url = env("DATABASE_REPLICA_URL", default="")
    if url:
        replica = without_jit(env.db_url_config(url))
        replica["ATOMIC_REQUESTS"] = False
        replica["CONN_MAX_AGE"] = databases["default"].get("CONN_MAX_AGE", 0)
        replica["TEST"] = {"MIRROR": "default"}
        databases["replica"] = replica
    return databases


with_replica(DATABASES)
DATABASE_ROUTERS = ["recouvrement.replica.ReplicaRouter"]
DATABASE_REPLICA_PAGES = env.list(
    "DATABASE_REPLICA_PAGES",
    default=["pilotage:dashboard", "pilotage:export"],
)
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

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# An SMTP conversation never hangs: a delivery's outbox lease (DELIVERY_ATTEMPT_LEASE_SECONDS)
# assumes it ends within this many seconds.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="recouvrement@localhost")

# Celery: with no broker configured, tasks run in-process (the demo's embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Without a worker (eager), a batch approval runs in a thread of the web process, so that the
# request returns at once and the progress bar moves while the letters go out.
APPROVAL_BATCH_IN_THREAD = env.bool("APPROVAL_BATCH_IN_THREAD", default=CELERY_TASK_ALWAYS_EAGER)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TIMEZONE = TIME_ZONE
# Delivery guarantees (docs/courriers.md, « Rien ne reste bloqué »). A task is acknowledged
# only once it has run (acks_late): a worker killed mid-task leaves its message unacknowledged,
# and Redis hands it to another worker after the visibility timeout. That timeout must exceed
# the longest task (a 100,000-row import) and the longest retry countdown (a delivery's last
# back-off, 16 minutes, waits unacknowledged in the worker): shorter, Redis would hand out a
# task still running or still waiting. Deliveries do not wait that long: the sweeper below
# queues again a planned reminder with no attempt for DELIVERY_REQUEUE_AFTER_MINUTES.
CELERY_TASK_ACKS_LATE = True
# A pool process killed (kill -9, out of memory) requeues its task instead of acknowledging it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
DELIVERY_REQUEUE_AFTER_MINUTES = env.int("DELIVERY_REQUEUE_AFTER_MINUTES", default=15)
# An e-mail attempt still « pending » this long after it started was interrupted (its worker
# died): the next delivery task sends again with the same Message-ID. Shorter than the sweeper's
# threshold, longer than any SMTP conversation (EMAIL_TIMEOUT).
DELIVERY_ATTEMPT_LEASE_SECONDS = env.int("DELIVERY_ATTEMPT_LEASE_SECONDS", default=600)
# A delivery retried after an SMTP error waits its back-off (1, 2, 4, 8, 16 minutes) on its own
# queue, which every worker consumes with the default one (the worker takes all the queues
# below unless started with -Q), so that a retry does not wait behind the day's backlog.
DELIVERY_RETRY_QUEUE = "courriers.retries"
# The first back-off of a failed sending, doubled at each retry (60: 1, 2, 4, 8, 16 minutes).
DELIVERY_RETRY_BACKOFF_SECONDS = env.int("DELIVERY_RETRY_BACKOFF_SECONDS", default=60)
# A channel failing this long (its first failed attempt, no success since) alerts the managers.
CHANNEL_OUTAGE_ALERT_MINUTES = env.int("CHANNEL_OUTAGE_ALERT_MINUTES", default=15)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(DELIVERY_RETRY_QUEUE))

# simple-history: the FSM's protected field makes "revert" crash, and the journal is append-only.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous call gets 401 with a WWW-Authenticate header.
        # Our own (hashed, expiring, revocable, second factor honoured): docs/accounts.md.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Recouvrement amiable",
    "DESCRIPTION": "Créanciers, débiteurs, dossiers, créances et paiements.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The documentation's files come from drf-spectacular-sidecar, served as our static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per task run is noise in the demo and the logs; failures still show.
    "loggers": {
        "celery.app.trace": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# The cadence sweep runs every hour; it is idempotent, so a daylight-saving change, a restart or
# a second beat can neither skip nor double a day.
CELERY_BEAT_SCHEDULE = {
    "cadence-sweep": {"task": "relances.run_cadence", "schedule": 3600.0},
    # GDPR purge of the debtors past their purge date: daily, idempotent.
    "rgpd-purge": {"task": "rgpd.purge", "schedule": 86400.0},
    # The journal: seal new history rows every 10 minutes; write the chain-head file daily.
    "journal-seal": {"task": "journal.seal", "schedule": 600.0},
    "journal-head": {"task": "journal.write_head", "schedule": crontab(hour=23, minute=50)},
    # ...and seal the chains' heads outside the database every hour (docs/journal.md §4).
    "journal-seal-heads": {"task": "journal.seal_heads", "schedule": crontab(minute=5)},
    # Deliveries lost by a killed worker are queued again (idempotent: sends only what is
    # still planned).
    "deliveries-requeue": {"task": "relances.requeue_stuck_deliveries", "schedule": 300.0},
    # A channel failing for CHANNEL_OUTAGE_ALERT_MINUTES alerts the managers (once).
    "outages-check": {"task": "courriers.outages_check", "schedule": 300.0},
    # « Ma journée »'s stored priority moves with the date (age, prescription): daily.
    "priorities-daily": {
        "task": "journee.refresh_priorities",
        "schedule": crontab(hour=0, minute=20),
    },
    # The dashboard's open dossiers by state, written per connection, folded into one row per
    # creditor and state (pilotage.dossier_summary): nightly.
    "summaries-compact": {
        "task": "pilotage.compact_summaries",
        "schedule": crontab(hour=0, minute=40),
    },
}
# The payment-probability score (docs/scoring.md): trained every Sunday night on the base's
# history, the open dossiers scored every morning before the day's work.
CELERY_BEAT_SCHEDULE["scoring-train"] = {
    "task": "scoring.train",
    "schedule": crontab(day_of_week="sun", hour=3, minute=30),
}
CELERY_BEAT_SCHEDULE["scoring-score"] = {
    "task": "scoring.score",
    "schedule": crontab(hour=6, minute=15),
}
# The tasks after which the journal seals its heads at once (celery's task_postrun).
JOURNAL_SEAL_AFTER_TASKS = ("relances.run_cadence", "relances.run_cadence_shard", "rgpd.purge")
# The daily run spread over the workers: the due dossiers in id ranges of this many, one task
# each, taken by any worker (docs/relances.md « The daily run spread over workers »); 0: the
# beat's task runs every due dossier itself.
CADENCE_SHARD_SIZE = env.int("CADENCE_SHARD_SIZE", default=2000)

# GDPR: days kept after the prescription of a closed dossier's claims before its purge.
RGPD_PURGE_MARGIN_DAYS = env.int("RGPD_PURGE_MARGIN_DAYS", default=30)
# GDPR: days an imported file (with its preview) and a replayable API answer are kept before
# the purge clears them (they name many debtors at once; kept for troubleshooting only).
RGPD_TRANSIENT_RETENTION_DAYS = env.int("RGPD_TRANSIENT_RETENTION_DAYS", default=90)
# GDPR: days a bank-statement line tied to no dossier (unknown payer, refund, fees) keeps the
# payer's name, IBAN and remittance text once handled (ignored or split) before the purge
# clears them; a line still in the « Rapprochement » queue is kept until handled.
RGPD_BANK_LINE_RETENTION_DAYS = env.int("RGPD_BANK_LINE_RETENTION_DAYS", default=90)
# GDPR: days the login records (django-axes: staff usernames, addresses, browsers) are kept;
# the CNIL recommends 6 months to 1 year for access logs (délibération n° 2021-122 du
# 14 octobre 2021, recommandation relative à la journalisation). The daily purge deletes older.
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=365)

# The model the journal keeps one hash chain per (the journal sits below it, so it names it).
JOURNAL_DOSSIER_MODEL = "dossiers.Dossier"
# The journal's chain-head files (daily, hourly seals): outside the database (copy them to WORM
# storage).
JOURNAL_HEAD_DIR = env.path("JOURNAL_HEAD_DIR", default=BASE_DIR / "var" / "journal-heads")
# The key of the digests of personal data in the hash chain (demo and tests: derived from
# SECRET_KEY; production requires its own, see settings/production.py).
JOURNAL_CHAIN_KEY = env("JOURNAL_CHAIN_KEY", default="")
# RFC 3161 timestamping of every chain-head file (journal.timestamps): the authority's URL
# (e.g. a qualified eIDAS TSA) and its CA certificates, for the offline check. Empty: none.
JOURNAL_TSA_URL = env("JOURNAL_TSA_URL", default="")
JOURNAL_TSA_CA_FILE = env("JOURNAL_TSA_CA_FILE", default="")
# The purge record without which the history's door does not open (journal.triggers).
JOURNAL_PURGE_RECORD_MODEL = "rgpd.PurgeCertificate"
# PostgreSQL: the role the application logs in as, owning no table; after every migrate (run as
# the owner role) it gets SELECT/INSERT only on history and journal tables (journal.roles).
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")

# The day's letters for the post office: one printable PDF and its manifest, at 16:30.
CELERY_BEAT_SCHEDULE["letters-daily-batch"] = {
    "task": "courriers.letters_batch",
    "schedule": crontab(hour=16, minute=30),
}

# Letters and messages: SMS through a pluggable backend (console or file here, a provider's
# adapter later); the PDF variant WeasyPrint writes (PDF/A-3b: archivable evidence).
SMS_BACKEND = env("SMS_BACKEND", default="courriers.sms.ConsoleBackend")
# Letters handed over to whoever posts them (courriers.postal): the day's printed batch by default.
POSTAL_BACKEND = env("POSTAL_BACKEND", default="courriers.postal.BatchBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(Path(str(MEDIA_ROOT)) / "sms"))
LETTERS_PDF_VARIANT = env("LETTERS_PDF_VARIANT", default="pdf/a-3b")
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="recouvrement.local")
# --- Who gets in, and how long (accounts) -------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out user + address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Then the per-account throttle (failures from any address: a progressive delay).
    "accounts.throttle.AccountThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ACCOUNT_THROTTLE_AFTER = env.int("ACCOUNT_THROTTLE_AFTER", default=8)
ACCOUNT_THROTTLE_WINDOW_HOURS = env.int("ACCOUNT_THROTTLE_WINDOW_HOURS", default=24)
ACCOUNT_THROTTLE_MAX_MINUTES = env.int("ACCOUNT_THROTTLE_MAX_MINUTES", default=30)
# ...and per address, any username (password spraying): higher, an office shares one address.
ADDRESS_THROTTLE_AFTER = env.int("ADDRESS_THROTTLE_AFTER", default=30)
ADDRESS_THROTTLE_WINDOW_HOURS = env.int("ADDRESS_THROTTLE_WINDOW_HOURS", default=1)
# The second factor (TOTP, django-otp): mandatory under production settings, optional in the demo
# (a user who enrolled a device is always asked for a code).
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = "Recouvrement amiable"
# A first device is enrolled only through an admin's invitation link, valid this long.
OTP_INVITATION_HOURS = env.int("OTP_INVITATION_HOURS", default=72)
# API tokens (accounts.tokens): validity offered at issuance, and its maximum.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# Lockout (django-axes): 5 failures for one username from one address lock that pair for 30
# minutes, so an attacker cannot lock a colleague out from elsewhere; a success resets it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
AXES_VERBOSE = False  # its log lines carry usernames and addresses: the tables record them
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login, kept in the database
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 1000
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (0: none, the demo).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Sessions end after an idle hour (accounts.middleware.SessionIdleMiddleware moves the expiry
# on, once every 5 minutes of activity) and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=60) * 60
SESSION_REFRESH_SECONDS = 300
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Passwords of at least 12 characters (ANSSI's recommendation for a password alone).
AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"] = {"min_length": 12}
# Content-Security-Policy (django-csp): our own files only, no inline script, style or handler.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Uploaded evidence: at most 10 Mo, PDF / PNG / JPEG / e-mail (dossiers.validators).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
# Electronic signature (PAdES, pyHanko) of every letter PDF that goes out and of the evidence
# bundle (journal.signing): a PKCS#12 file and its passphrase, or a PEM key and certificate
# (with its intermediate certificates in PDF_SIGNING_CHAIN); timestamped by JOURNAL_TSA_URL when
# set. PDF_SIGNING_CA_FILE: the CA a verification trusts for the signer. Empty: nothing signed.
PDF_SIGNING_PKCS12 = env("PDF_SIGNING_PKCS12", default="")
PDF_SIGNING_PASSPHRASE = env("PDF_SIGNING_PASSPHRASE", default="")
PDF_SIGNING_KEY = env("PDF_SIGNING_KEY", default="")
PDF_SIGNING_KEY_PASSPHRASE = env("PDF_SIGNING_KEY_PASSPHRASE", default="")
PDF_SIGNING_CERT = env("PDF_SIGNING_CERT", default="")
PDF_SIGNING_CHAIN = env("PDF_SIGNING_CHAIN", default="")
PDF_SIGNING_CA_FILE = env("PDF_SIGNING_CA_FILE", default="")

# The debtor's page (docs/portail.md): the address printed in messages, and its rate limits.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://localhost:8000")
PORTAL_MAX_FAILURES_PER_LINK = env.int("PORTAL_MAX_FAILURES_PER_LINK", default=5)
PORTAL_MAX_FAILURES_PER_ADDRESS = env.int("PORTAL_MAX_FAILURES_PER_ADDRESS", default=20)
