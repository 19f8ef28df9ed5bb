"""API door for bank statements: a file (camt.053/054, CFONB 120, MT940) posted by the bank
connector is imported and matched as from « Imports › Relevés bancaires »."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from api.idempotency import idempotent
from api.permissions import RolePermission
from dossiers import scoping
from dossiers.models import Creditor
from imports.statements.services import statement_import


class StatementUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Relevé camt.053, avis camt.054, CFONB 120 ou MT940.")
    creditor = serializers.PrimaryKeyRelatedField(
        queryset=Creditor.objects.all(),
        required=False,
        allow_null=True,
        help_text="Facultatif : retrouvé par le compte (IBAN) du relevé.",
    )


class StatementLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    booked_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    direction = serializers.CharField()
    status = serializers.CharField()
    rule = serializers.CharField()
    confidence = serializers.IntegerField()
    reason = serializers.CharField()
    dossier = serializers.IntegerField(source="dossier_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)


class StatementResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    format = serializers.CharField()
    creditor = serializers.IntegerField(source="creditor_id")
    sha256 = serializers.CharField()
    summary = serializers.DictField(child=serializers.IntegerField())
    lines = StatementLineSerializer(many=True, source="transactions.all")


class BankStatementView(APIView):
    """Import a bank statement (multipart field ``file``): 201 with each new line's outcome, or
    200 when the same file was already imported (nothing written). A bad file: 400 with the
    French errors naming the line or element, nothing written."""

    parser_classes = [MultiPartParser]
    permission_classes = [RolePermission]
    # Managers and administrators (a statement covers the whole account): docs/imports.md.
    write_roles = (roles.MANAGER, roles.ADMIN)

    @extend_schema(request=StatementUploadSerializer, responses={201: StatementResultSerializer})
    @idempotent
    def post(self, request):
        upload = StatementUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            result = statement_import(
                content=file.read(),
                name=file.name,
                creditor=upload.validated_data.get("creditor"),
                creditors=scoping.visible_creditors(request.user),
                actor=request.user,
                source="api",
            )
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        body = StatementResultSerializer(result.statement).data
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )
