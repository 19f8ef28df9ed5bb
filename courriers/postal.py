"""Pluggable postal backends (``settings.POSTAL_BACKEND``), like the SMS ones: the hand-over of a
letter or a registered letter to whoever posts it.

``BatchBackend`` (the default) keeps the letter for the day's printed batch (« Courriers »): the
hand-over is its evidence, and the batch is posted by hand. A provider's adapter (an online
registered-letter service) implements ``send`` the same way, keyed on the outbox's key so that
a letter handed over twice after a crash is posted once; it raises ``PostalError`` when it
cannot be reached, and the delivery retries with back-off.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


class PostalError(Exception):
    """The provider refused the letter or could not be reached."""


class BaseBackend:
    def send(self, *, to: str, pdf: bytes, registered: bool, key: str) -> str:
        """Hand one letter over; return the provider's reference ("" for the day's batch)."""
        raise NotImplementedError


class BatchBackend(BaseBackend):
    """The letter waits for the day's batch (``courriers.delivery.letter_batch_create``)."""

    def send(self, *, to: str, pdf: bytes, registered: bool, key: str) -> str:
        return ""


class MemoryBackend(BaseBackend):
    """For tests: ``letters`` keeps (to, registered, key); ``failures`` are raised first."""

    letters: list[tuple[str, bool, str]] = []
    failures: list[Exception] = []

    def send(self, *, to: str, pdf: bytes, registered: bool, key: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.letters.append((to, registered, key))
        return f"LP-{len(self.letters):06d}"


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "POSTAL_BACKEND", "courriers.postal.BatchBackend"))()
