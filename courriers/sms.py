"""Pluggable SMS backends, like Django's e-mail backends (``settings.SMS_BACKEND``).

Console and file backends here; a provider's adapter implements ``send`` the same way.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider refused or could not be reached: the delivery retries with back-off."""


class BaseBackend:
    def send(self, *, to: str, text: str, key: str = "") -> str:
        """Send one message, return the provider's id. ``key``: the outbox's idempotency key,
        the same on every attempt of one message (a provider that takes one sends it once)."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, *, to: str, text: str, key: str = "") -> str:
        sms_id = uuid.uuid4().hex
        sys.stdout.write(f"SMS {sms_id} à {to} :\n{text}\n{'-' * 40}\n")
        return sms_id


class FileBackend(BaseBackend):
    """Appends each SMS to ``SMS_FILE_PATH`` (one file per day)."""

    def send(self, *, to: str, text: str, key: str = "") -> str:
        sms_id = uuid.uuid4().hex
        folder = Path(getattr(settings, "SMS_FILE_PATH", Path(str(settings.MEDIA_ROOT)) / "sms"))
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{timezone.localdate():%Y-%m-%d}.log", "a", encoding="utf-8") as out:
            out.write(f"{sms_id}\t{to}\t{text}\n")
        return sms_id


class MemoryBackend(BaseBackend):
    """For tests: ``MemoryBackend.outbox`` keeps (to, text); ``keys`` the outbox keys;
    ``failures`` errors to raise first (an outage)."""

    outbox: list[tuple[str, str]] = []
    keys: list[str] = []
    failures: list[Exception] = []

    def send(self, *, to: str, text: str, key: str = "") -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.outbox.append((to, text))
        self.keys.append(key)
        return uuid.uuid4().hex


def get_backend() -> BaseBackend:
    path = getattr(settings, "SMS_BACKEND", "courriers.sms.ConsoleBackend")
    return import_string(path)()
