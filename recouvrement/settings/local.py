"""Demo and test settings: the embedded defaults (SQLite, in-process tasks, console email).

Never used in production: ``recouvrement.wsgi`` loads ``production``.
"""

import os
from pathlib import Path

# A demo secret only ever exists here; production has no default and refuses to start without one.
os.environ.setdefault("SECRET_KEY", "demo-only-not-secret-" + "x" * 40)
os.environ.setdefault("DEBUG", "true")
# The demo's e-mails (HTML, text and PDF) go to files under media/courriels/, one per message.
os.environ.setdefault(
    "EMAIL_URL",
    "filemail:///" + str(Path(__file__).resolve().parents[2] / "media" / "courriels"),
)

from recouvrement.settings.base import *  # noqa: F403
from recouvrement.settings.base import env

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

if env.bool("FAST_PASSWORD_HASHER", default=False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# runserver serves static files itself in DEBUG; WhiteNoise is for collected files in production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests only (tests/courriers/test_kill_worker.py): a folder where a file « pause-<key>-<stage> »
# makes a delivery stop at that stage until the test kills its worker (courriers.delivery
# ``fault_point``). Never set in production, whose settings do not read it.
DELIVERY_FAULT_DIR = env("DELIVERY_FAULT_DIR", default="")
