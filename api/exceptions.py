"""Turn the domain's Django ``ValidationError`` into a 400 with its French messages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, IntegrityError):
        return Response(
            {
                "detail": (
                    "L'opération entre en conflit avec une donnée existante ; "
                    "rien n'a été enregistré."
                )
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
