"""API representations. Creation goes through ``dossiers.services`` so that the API, the forms
and the admin share one set of rules and the journal records every write."""

from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from dossiers import scoping, selectors, services
from dossiers.models import (
    Claim,
    Creditor,
    Debtor,
    DebtorContact,
    Dossier,
    Payment,
    PaymentAllocation,
)


def _actor(serializer):
    return serializer.context["request"].user


class CreditorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Creditor
        fields = [
            "id",
            "legal_name",
            "siren",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "contact_email",
            "contact_phone",
            "is_collection_agency",
        ]
        read_only_fields = fields


class DebtorContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = DebtorContact
        fields = ["id", "role", "name", "email", "phone"]


class DebtorSerializer(serializers.ModelSerializer):
    contacts = DebtorContactSerializer(many=True, required=False)
    reason = serializers.CharField(
        write_only=True, required=False, help_text="Motif inscrit au journal."
    )

    class Meta:
        model = Debtor
        fields = [
            "id",
            "kind",
            "name",
            "siren",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "insolvency_status",
            "insolvency_opened_on",
            "processing_restricted",
            "contacts",
            "reason",
        ]
        read_only_fields = ["insolvency_status", "insolvency_opened_on", "processing_restricted"]

    def create(self, validated_data):
        contacts = validated_data.pop("contacts", [])
        reason = validated_data.pop("reason", "création via l'API")
        return services.debtor_create(
            actor=_actor(self), reason=reason, contacts=contacts, **validated_data
        )

    def update(self, instance, validated_data):
        if "contacts" in validated_data:
            raise serializers.ValidationError(
                {"contacts": "Les contacts se modifient un par un, pas en remplaçant la liste."}
            )
        reason = validated_data.pop("reason", "modification via l'API")
        return services.debtor_update(
            debtor=instance, actor=_actor(self), reason=reason, **validated_data
        )


def _money(source: str, *, null: bool = False, help_text: str = "") -> serializers.DecimalField:
    return serializers.DecimalField(
        source=source,
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=null,
        help_text=help_text,
    )


def _figures_context(context: dict) -> tuple:
    if "rates" not in context:
        context["rates"] = selectors.rate_table()
    return context.get("figures_on") or timezone.localdate(), context["rates"]


class _DossierListSerializer(serializers.ListSerializer):
    """The figures of a page of dossiers computed together, in a fixed number of queries."""

    def to_representation(self, data):
        dossiers = list(data.all() if hasattr(data, "all") else data)
        on, rates = _figures_context(self.child.context)
        figures = selectors.dossiers_figures(dossiers, on=on, rates=rates)
        for dossier in dossiers:
            dossier.figures = figures[dossier.pk]
        return super().to_representation(dossiers)


class DossierSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    creditor_name = serializers.CharField(source="creditor.legal_name", read_only=True)
    debtor_name = serializers.CharField(source="debtor.name", read_only=True)
    # The dossier's legal figures at ``?on=`` (today by default), its invoices summed
    # (``dossiers.selectors.DossierFigures``; docs/legal.md §11 for the accessories).
    figures_on = serializers.DateField(source="figures.on", read_only=True)
    principal = _money("figures.principal", help_text="Reste dû sur les factures (principal).")
    late_penalties = _money(
        "figures.late_penalties",
        null=True,
        help_text="Pénalités de retard (C. com. L441-10 II), factures payées en retard comprises.",
    )
    recovery_indemnity = _money(
        "figures.recovery_indemnity",
        help_text="Indemnités forfaitaires de 40 € par facture en retard (C. com. D441-5).",
    )
    legal_interest = _money(
        "figures.legal_interest", null=True, help_text="Intérêts au taux légal (C. civ. 1231-6)."
    )
    accessories_paid = _money(
        "figures.accessories_paid",
        help_text="Sommes reçues au-delà des factures, imputées sur les accessoires.",
    )
    total_due = _money(
        "figures.total_due",
        null=True,
        help_text="Principal + pénalités + indemnités + intérêts − sommes reçues sur les "
        "accessoires ; 0 pour un dossier soldé (« Payé »).",
    )
    is_lower_bound = serializers.BooleanField(
        source="figures.is_lower_bound",
        read_only=True,
        help_text="Vrai quand un taux de référence n'est pas publié : les montants sont des "
        "minimums calculés jusqu'à computed_until.",
    )
    computed_until = serializers.DateField(
        source="figures.computed_until", read_only=True, allow_null=True
    )
    missing_rates = serializers.ListField(
        source="figures.missing_rates", child=serializers.CharField(), read_only=True
    )
    figures_notes = serializers.ListField(
        source="figures.notes", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Dossier
        fields = [
            "id",
            "reference",
            "creditor",
            "creditor_name",
            "debtor",
            "debtor_name",
            "state",
            "state_label",
            "assigned_to",
            "opened_on",
            "closed_on",
            "balance",
            "accessories_since",
            "figures_on",
            "principal",
            "late_penalties",
            "recovery_indemnity",
            "legal_interest",
            "accessories_paid",
            "total_due",
            "is_lower_bound",
            "computed_until",
            "missing_rates",
            "figures_notes",
        ]
        read_only_fields = fields
        list_serializer_class = _DossierListSerializer

    def to_representation(self, instance):
        if not hasattr(instance, "figures"):
            on, rates = _figures_context(self.context)
            instance.figures = selectors.dossier_figures(instance, on=on, rates=rates)
        return super().to_representation(instance)


class _RecordableDebtorField(serializers.PrimaryKeyRelatedField):
    """A debtor with a dossier the user may act on, or with no dossier yet: another
    portfolio's debtor does not exist for them, as when they read it."""

    def get_queryset(self):
        return scoping.debtors_to_record_for(self.context["request"].user)


class _VisibleCreditorField(serializers.PrimaryKeyRelatedField):
    """A creditor the user works for (a manager: those in their charge)."""

    def get_queryset(self):
        return scoping.visible_creditors(self.context["request"].user)


class ClaimSerializer(serializers.ModelSerializer):
    # (``queryset``: the type shown in the schema; ``get_queryset`` cuts it to the scope.)
    debtor = _RecordableDebtorField(queryset=Debtor.objects.all(), source="dossier.debtor")
    creditor = _VisibleCreditorField(queryset=Creditor.objects.all())
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Le montant de la facture doit être strictement positif."},
    )
    reason = serializers.CharField(write_only=True, required=False)

    # The legal figures at ``?on=`` (today by default), computed by ``legal``.
    figures_on = serializers.DateField(source="figures.on", read_only=True)
    days_overdue = serializers.IntegerField(source="figures.days_overdue", read_only=True)
    # A figure that needs a rate not yet published is computed up to ``computed_until`` and is
    # a lower bound (``is_lower_bound``, ``missing_rates``); null only when nothing applies.
    late_penalties = serializers.DecimalField(
        source="figures.late_penalties",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
    )
    late_penalties_detail = serializers.ListField(
        source="figures.late_penalties_detail", child=serializers.DictField(), read_only=True
    )
    recovery_indemnity = serializers.DecimalField(
        source="figures.recovery_indemnity", max_digits=14, decimal_places=2, read_only=True
    )
    formal_notice_on = serializers.DateField(
        source="figures.formal_notice_on", read_only=True, allow_null=True
    )
    formal_notice_premature = serializers.BooleanField(
        source="figures.formal_notice_premature",
        read_only=True,
        help_text="Vrai quand la mise en demeure précède l'échéance : elle ne fait pas courir "
        "l'intérêt au taux légal sur cette facture (C. civ. 1344, 1231-6).",
    )
    legal_interest = serializers.DecimalField(
        source="figures.legal_interest",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
    )
    legal_interest_detail = serializers.ListField(
        source="figures.legal_interest_detail", child=serializers.DictField(), read_only=True
    )
    total_due = serializers.DecimalField(
        source="figures.total_due",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
    )
    is_lower_bound = serializers.BooleanField(
        source="figures.is_lower_bound",
        read_only=True,
        help_text="Vrai quand un taux de référence n'est pas publié : les montants sont calculés "
        "jusqu'à computed_until et sont des minimums (« au moins »).",
    )
    computed_until = serializers.DateField(
        source="figures.computed_until",
        read_only=True,
        allow_null=True,
        help_text="Dernier jour couvert par des taux connus quand is_lower_bound ; sinon null.",
    )
    missing_rates = serializers.ListField(
        source="figures.missing_rates",
        child=serializers.CharField(),
        read_only=True,
        help_text="Les taux manquants (semestre, texte), en français.",
    )
    prescription_date = serializers.DateField(
        source="figures.prescription_date", read_only=True, allow_null=True
    )
    prescription_reason = serializers.CharField(
        source="figures.prescription_reason", read_only=True
    )
    prescription_assumption = serializers.CharField(
        source="figures.prescription_assumption", read_only=True
    )
    prescription_trail = serializers.ListField(
        source="figures.prescription_trail", child=serializers.DictField(), read_only=True
    )
    figures_errors = serializers.ListField(
        source="figures.errors", child=serializers.CharField(), read_only=True
    )
    figures_notes = serializers.ListField(
        source="figures.notes", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "dossier",
            "creditor",
            "debtor",
            "invoice_number",
            "issue_date",
            "due_date",
            "amount",
            "outstanding",
            "currency",
            "contract_ref",
            "purchase_order_ref",
            "delivery_note_ref",
            "cancelled_on",
            "reason",
            "figures_on",
            "days_overdue",
            "late_penalties",
            "late_penalties_detail",
            "recovery_indemnity",
            "formal_notice_on",
            "formal_notice_premature",
            "legal_interest",
            "legal_interest_detail",
            "total_due",
            "is_lower_bound",
            "computed_until",
            "missing_rates",
            "prescription_date",
            "prescription_reason",
            "prescription_assumption",
            "prescription_trail",
            "figures_errors",
            "figures_notes",
        ]
        read_only_fields = ["dossier", "outstanding", "currency", "cancelled_on"]
        # Uniqueness is the database's (and the service's) to enforce, with its own message.
        validators = []

    def validate(self, attrs):
        if attrs["due_date"] < attrs["issue_date"]:
            raise serializers.ValidationError(
                {"due_date": "La date d'échéance ne peut pas précéder la date d'émission."}
            )
        return attrs

    def create(self, validated_data):
        debtor = validated_data.pop("dossier")["debtor"]
        reason = validated_data.pop("reason", "enregistrement via l'API")
        return services.claim_create(
            debtor=debtor, actor=_actor(self), reason=reason, scoped=True, **validated_data
        )

    def to_representation(self, instance):
        """Compute the claim's legal figures at the context's date (``figures_on``, today by
        default), with the rate table loaded once per request (``rates``)."""
        context = self.context
        if "rates" not in context:
            context["rates"] = selectors.rate_table()
        instance.figures = selectors.claim_legal_figures(
            instance,
            on=context.get("figures_on") or timezone.localdate(),
            rates=context["rates"],
            formal_notice_on=context.get("formal_notice_on"),
        )
        return super().to_representation(instance)


class PaymentAllocationSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="claim.invoice_number", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["claim", "invoice_number", "amount"]
        read_only_fields = fields


class _EditableDossierField(serializers.PrimaryKeyRelatedField):
    """An active dossier the requesting user may act on (``dossiers.scoping``). A dossier the
    user may see but that is closed is refused with its state, in French (never « Clé primaire
    non valide »)."""

    default_error_messages = {
        "does_not_exist": "Le dossier {pk_value} n'existe pas ou n'est pas dans votre périmètre.",
        "incorrect_type": "Identifiant de dossier attendu (un nombre), reçu {data_type}.",
        "required": "Indiquez le dossier.",
        "null": "Indiquez le dossier.",
    }

    def get_queryset(self):
        return scoping.editable_dossiers(self.context["request"].user, Dossier.objects.active())

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            user = self.context["request"].user
            closed = (
                scoping.visible_dossiers(user, Dossier.objects.filter(closed_on__isnull=False))
                .filter(pk=data)
                .first()
                if str(data).isdigit()
                else None
            )
            if closed is not None:
                raise serializers.ValidationError(services.closed_dossier_message(closed)) from None
            raise


class PaymentSerializer(serializers.ModelSerializer):
    dossier = _EditableDossierField()
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Le montant doit être strictement positif."},
    )
    method = serializers.ChoiceField(choices=Payment.Method.choices, required=False)
    allocations = PaymentAllocationSerializer(many=True, read_only=True)
    reason = serializers.CharField(write_only=True, required=False)
    invoices = serializers.ListField(
        child=serializers.CharField(max_length=100),
        write_only=True,
        required=False,
        max_length=500,
        help_text="Numéros des factures que le débiteur désigne (C. civ. 1342-10) : soldées "
        "d'abord, le reste sur les plus anciennes.",
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "dossier",
            "kind",
            "amount",
            "received_on",
            "method",
            "reference",
            "allocations",
            "reason",
            "invoices",
        ]

    def create(self, validated_data):
        return services.payment_record(actor=_actor(self), **validated_data)


# --- Bulk pushes -----------------------------------------------------------------------------


def django_errors(exc) -> dict:
    """A Django ValidationError as DRF's per-field dict (``non_field_errors`` otherwise)."""
    detail = serializers.as_serializer_error(exc)
    return {
        ("non_field_errors" if key == "__all__" else key): [str(m) for m in value]
        for key, value in detail.items()
    }


class ClaimBulkSerializer(serializers.Serializer):
    items = ClaimSerializer(many=True, min_length=1, max_length=1000)


class ClaimBulkResult(serializers.Serializer):
    count = serializers.IntegerField()
    items = ClaimSerializer(many=True)


class PaymentBulkSerializer(serializers.Serializer):
    items = PaymentSerializer(many=True, min_length=1, max_length=1000)


class PaymentBulkResult(serializers.Serializer):
    count = serializers.IntegerField()
    items = PaymentSerializer(many=True)
