"""Serializers of the endpoints fed from outside (lifecycle statuses, Factur-X)."""

from decimal import Decimal

from rest_framework import serializers

from dossiers import scoping
from dossiers.models import Claim, Creditor
from imports.models import InvoiceStatus, InvoiceStatusEvent


def _editable_claims(serializer):
    """The invoices a status may be written on: those of the dossiers the user may act on
    (writes scoped like reads); another portfolio's invoice does not exist for them."""
    return scoping.restrict(Claim.objects.all(), serializer.context["request"].user, editable=True)


class _EditableClaimField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _editable_claims(self)


class _VisibleCreditorField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return scoping.visible_creditors(self.context["request"].user, Creditor.objects.all())


class InvoiceStatusSerializer(serializers.ModelSerializer):
    # (``queryset``: the type shown in the schema; ``get_queryset`` cuts it to the scope.)
    creditor = _VisibleCreditorField(
        queryset=Creditor.objects.all(), write_only=True, required=False
    )
    invoice_number = serializers.CharField(
        write_only=True, required=False, max_length=50, help_text="Avec ``creditor``."
    )
    claim = _EditableClaimField(queryset=Claim.objects.all(), required=False)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        error_messages={"min_value": "Le montant encaissé doit être strictement positif."},
    )

    class Meta:
        model = InvoiceStatusEvent
        fields = [
            "id",
            "claim",
            "creditor",
            "invoice_number",
            "status",
            "status_label",
            "occurred_on",
            "amount",
            "note",
            "source",
            "received_at",
        ]
        read_only_fields = ["source", "received_at"]
        validators = []

    def validate(self, attrs):
        claim = attrs.get("claim")
        if claim is None:
            creditor, number = attrs.get("creditor"), attrs.get("invoice_number")
            if not (creditor and number):
                raise serializers.ValidationError(
                    "Indiquez la facture : « claim », ou « creditor » et « invoice_number »."
                )
            claim = _editable_claims(self).filter(creditor=creditor, invoice_number=number).first()
            if claim is None:
                raise serializers.ValidationError(
                    {"invoice_number": f"Facture {number} inconnue pour ce créancier."}
                )
            attrs["claim"] = claim
        if attrs["status"] == InvoiceStatus.COLLECTED and not attrs.get("amount"):
            raise serializers.ValidationError(
                {"amount": "Le statut « Encaissée » porte le montant encaissé."}
            )
        return attrs


class EInvoiceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF Factur-X (CII embarqué).")
