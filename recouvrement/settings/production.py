"""Production settings: every secret comes from the environment, with no default.

A missing ``SECRET_KEY``, ``JOURNAL_CHAIN_KEY``, ``DATABASE_URL``, ``ALLOWED_HOSTS``,
``EMAIL_URL`` or ``CELERY_BROKER_URL`` stops start-up instead of running with a demo value.
"""

from recouvrement.settings.base import *  # noqa: F403
from recouvrement.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# The key of the personal-data digests in the journal's hash chain: its own secret, so that
# rotating SECRET_KEY keeps the chain verifiable.
JOURNAL_CHAIN_KEY = env("JOURNAL_CHAIN_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
without_jit(DATABASES["default"])  # noqa: F405
with_replica(DATABASES)  # noqa: F405
EMAIL_CONFIG = env.email("EMAIL_URL")
vars().update(EMAIL_CONFIG)
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Every account has a second factor; gunicorn sits behind one reverse proxy.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=True)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
