"""``Idempotency-Key`` on POST: a push retried by an ERP (time-out, lost answer) creates
nothing twice and gets the first answer again; the same key with another body is refused.

The key, the request's fingerprint and the answer are stored in the same transaction as the
write, so a failed request leaves no key behind and a concurrent duplicate waits on the unique
constraint, then replays the answer.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

HEADER = "Idempotency-Key"
MAX_KEY = 255


def _fingerprint(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    except TypeError:
        body = repr(request.data)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _plain(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def idempotent(handler):
    """Wrap a POST handler of a viewset (``create`` or a POST ``@action``)."""

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        from imports.models import IdempotencyKey

        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(self, request, *args, **kwargs)
        if len(key) > MAX_KEY:
            raise ValidationError({HEADER: [f"La clé d'idempotence dépasse {MAX_KEY} caractères."]})
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            record, created = IdempotencyKey.objects.get_or_create(
                user=request.user,
                key=key,
                defaults={
                    "method": request.method,
                    "path": request.path[:500],
                    "request_hash": fingerprint,
                },
            )
            if not created:
                return _replay(record, fingerprint)
            response = handler(self, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = _plain(response.data)
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


def _replay(record, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        return Response(
            {
                "detail": (
                    "Cette clé d'idempotence a déjà servi pour une autre requête : "
                    "utilisez une nouvelle clé pour une nouvelle opération."
                )
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if record.status_code is None:
        return Response(
            {"detail": "Une requête avec cette clé est en cours de traitement ; réessayez."},
            status=status.HTTP_409_CONFLICT,
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
