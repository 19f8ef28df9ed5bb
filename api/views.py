"""The REST API (``/api/v1/``): thin viewsets over the services and selectors.

List endpoints take typed filters (``filtering``) and cursor pagination; POST endpoints take an
``Idempotency-Key`` header (``idempotency``); claims and payments have all-or-nothing bulk
endpoints of up to 1,000 items with the errors given per item.
"""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from accounts import roles
from api import serializers
from api.filtering import FilterMixin, parameters
from api.idempotency import idempotent
from api.pagination import cursor_by
from dossiers import scoping, selectors
from dossiers.models import Claim, Creditor, Debtor, Dossier, Payment
from dossiers.services import refuse_closed
from imports.services import claim_add_references
from imports.validation import REFERENCES, claim_differences

BULK_MAX = 1000


def _listed(filters):
    return extend_schema_view(list=extend_schema(parameters=parameters(filters)))


class _ScopedFilterMixin(FilterMixin):
    """Every queryset is cut to the user's scope first (``dossiers.scoping``): an object out of
    scope is not found (404), and a write reaches only what the user may change; then the
    typed filters of the query string apply."""

    def get_queryset(self):
        queryset = super().get_queryset()
        editable = self.request.method not in SAFE_METHODS
        return scoping.restrict(queryset, self.request.user, editable=editable)


class IdempotentCreateMixin(mixins.CreateModelMixin):
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


CREDITOR_FILTERS = {"siren": ("siren", "str", "SIREN exact")}


@_listed(CREDITOR_FILTERS)
class CreditorViewSet(_ScopedFilterMixin, viewsets.ReadOnlyModelViewSet):
    """Creditors (read-only: admins manage them in the admin)."""

    queryset = Creditor.objects.order_by("legal_name", "pk")
    serializer_class = serializers.CreditorSerializer
    pagination_class = cursor_by("legal_name", "pk")
    filters = CREDITOR_FILTERS


DEBTOR_FILTERS = {
    "kind": ("kind", "str", "professional, consumer ou unknown"),
    "siren": ("siren", "str", "SIREN exact"),
    "name": ("name__icontains", "str", "Nom contenant ce texte"),
    "insolvent": ("insolvency_opened_on__isnull_inverse", "bool", "En procédure collective"),
}


@_listed(DEBTOR_FILTERS)
class DebtorViewSet(
    _ScopedFilterMixin,
    IdempotentCreateMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Debtor.objects.prefetch_related("contacts").order_by("name", "pk")
    serializer_class = serializers.DebtorSerializer
    pagination_class = cursor_by("name", "pk")
    read_roles = (roles.CONTROLLER, roles.MANAGER, roles.DPO, roles.ADMIN)
    filters = DEBTOR_FILTERS


DOSSIER_FILTERS = {
    "state": ("state", "str", "État du dossier (open, reminder_1, ..., paid)"),
    "creditor": ("creditor", "int", "Identifiant du créancier"),
    "debtor": ("debtor", "int", "Identifiant du débiteur"),
    "assigned_to": ("assigned_to", "int", "Identifiant du chargé de recouvrement"),
    "reference": ("reference", "str", "Référence exacte"),
    "opened_after": ("opened_on__gte", "date", "Ouvert à partir de cette date"),
    "opened_before": ("opened_on__lte", "date", "Ouvert jusqu'à cette date"),
    "closed": ("closed_on__isnull_inverse", "bool", "Clos (true) ou actif (false)"),
}


DOSSIER_SCHEMA = {
    **DOSSIER_FILTERS,
    "on": ("", "date", "Date de calcul des chiffres légaux (aujourd'hui par défaut)"),
}


@_listed(DOSSIER_SCHEMA)
class DossierViewSet(_ScopedFilterMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Dossier.objects.select_related("creditor", "debtor").with_balance().order_by("-pk")
    serializer_class = serializers.DossierSerializer
    pagination_class = cursor_by("-pk")
    filters = DOSSIER_FILTERS

    def get_queryset(self):
        """A closed dossier is an intermediate archive (GDPR): managers, the DPO and admins."""
        queryset = super().get_queryset()
        if not roles.has_role(self.request.user, roles.MANAGER, roles.DPO, roles.ADMIN):
            queryset = queryset.filter(closed_on__isnull=True)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None:
            context["figures_on"] = _date_param(self.request, "on")
        return context


def _date_param(request, name: str) -> date | None:
    """An optional ``YYYY-MM-DD`` query parameter; anything else is a French 400."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {name: [f"Date « {value} » invalide : utilisez le format AAAA-MM-JJ (2026-11-23)."]}
        ) from None


CLAIM_FILTERS = {
    "dossier": ("dossier", "int", "Identifiant du dossier"),
    "creditor": ("creditor", "int", "Identifiant du créancier"),
    "debtor": ("dossier__debtor", "int", "Identifiant du débiteur"),
    "invoice_number": ("invoice_number", "str", "Numéro de facture exact"),
    "due_after": ("due_date__gte", "date", "Échéance à partir de cette date"),
    "due_before": ("due_date__lte", "date", "Échéance jusqu'à cette date"),
}


CLAIM_SCHEMA = {
    **CLAIM_FILTERS,
    "open": ("", "bool", "Reste dû non nul (true) ou soldée ou annulée (false)"),
    "on": ("", "date", "Date de calcul des chiffres légaux (aujourd'hui par défaut)"),
    "formal_notice_on": ("", "date", "Date de la mise en demeure, pour l'intérêt légal"),
}


@_listed(CLAIM_SCHEMA)
class ClaimViewSet(_ScopedFilterMixin, IdempotentCreateMixin, viewsets.ReadOnlyModelViewSet):
    """Claims with their legal figures: ``?on=YYYY-MM-DD`` computes them at that date (today
    by default); ``?formal_notice_on=YYYY-MM-DD`` states a formal notice's date for the legal
    interest of a consumer's claim (C. civ. 1231-6)."""

    queryset = Claim.objects.order_by("due_date", "pk")
    serializer_class = serializers.ClaimSerializer
    pagination_class = cursor_by("due_date", "pk")
    filters = CLAIM_FILTERS

    def get_queryset(self):
        return selectors.claims_for_figures(super().get_queryset())

    @extend_schema(
        responses={
            201: serializers.ClaimSerializer,
            200: serializers.ClaimSerializer,
            409: OpenApiResponse(
                description="Numéro de facture déjà enregistré pour ce créancier avec d'autres "
                "données : ``detail``, ``claim``, ``dossier``, ``dossier_reference`` et "
                "``differences`` (champ, enregistré, reçu) ; rien n'est écrit."
            ),
        }
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """A new invoice (201). Its number already recorded for the creditor: the same facts
        give back the recorded claim (200, a reference it lacked added), other facts are a
        409 listing each difference (``imports.validation.claim_differences``, as a file's
        conflict); a claim in a dossier the caller may not read is never shown."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        known = (
            Claim.objects.select_related("dossier__debtor")
            .filter(creditor=data["creditor"], invoice_number=data["invoice_number"].strip())
            .first()
        )
        if known is None:
            self.perform_create(serializer)
            return Response(serializer.data, status=status.HTTP_201_CREATED)
        return _known_claim(self, known, data)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        raw = self.request.query_params.get("open")
        if raw not in (None, ""):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValidationError({"open": ["Valeur invalide : true ou false."]})
            queryset = (
                queryset.open()
                if raw.lower() in ("true", "1")
                else queryset.exclude(pk__in=Claim.objects.open().values("pk"))
            )
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.action != "bulk":
            context["figures_on"] = _date_param(self.request, "on")
            context["formal_notice_on"] = _date_param(self.request, "formal_notice_on")
        return context

    @extend_schema(
        request=serializers.ClaimBulkSerializer,
        responses={
            201: serializers.ClaimBulkResult,
            409: OpenApiResponse(
                description="Numéro(s) de facture déjà enregistré(s) avec d'autres données : "
                "``items`` donne chaque conflit par indice ; rien n'est écrit."
            ),
        },
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Up to 1,000 invoices at once, all or nothing; errors are given per item."""
        serializer = serializers.ClaimBulkSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return _write_bulk(self, serializer, serializers.ClaimSerializer)


def _known_claim(view, claim: Claim, data: dict) -> Response:
    conflict, claim = _known_outcome(view.request.user, claim, data)
    if conflict is not None:
        return Response(conflict, status=status.HTTP_409_CONFLICT)
    claim = selectors.claims_for_figures(Claim.objects.filter(pk=claim.pk)).get()
    return Response(view.get_serializer(claim).data, status=status.HTTP_200_OK)


def _known_outcome(user, claim: Claim, data: dict) -> tuple[dict | None, Claim]:
    """An invoice number already recorded for the creditor: (the conflict to answer, or
    ``None`` and the recorded claim — a reference it lacked added, journaled)."""
    debtor = data["dossier"]["debtor"]
    received = {
        "debtor_siren": debtor.siren,
        "debtor_name": debtor.name,
        **{key: data.get(key, "") for key, _ in REFERENCES},
        **{key: data[key] for key in ("amount", "issue_date", "due_date")},
    }
    number = claim.invoice_number
    if not scoping.visible_dossiers(user).filter(pk=claim.dossier_id).exists():
        # Same facts or not, one answer: nothing about another portfolio's invoice is told.
        return _conflict(
            f"La facture {number} est déjà enregistrée pour ce créancier, dans un dossier hors "
            "de votre portefeuille : rien n'a été enregistré. Adressez-vous au responsable du "
            "créancier."
        ), claim
    differences = claim_differences(claim, received)
    if differences:
        return _conflict(
            f"Conflit : la facture {number} est déjà enregistrée avec d'autres données "
            f"(dossier {claim.dossier.reference}) : "
            + " ; ".join(
                f"{label} : {old} enregistré, {new} reçu" for label, old, new in differences
            )
            + ". Rien n'a été enregistré : une facture émise ne se modifie pas (émettez un avoir "
            "ou une facture rectificative).",
            claim=claim,
            differences=differences,
        ), claim
    completes = any(received[key] and not getattr(claim, key) for key, _ in REFERENCES)
    if completes and claim.cancelled_on is None:
        if not scoping.may_join(user, claim.dossier):
            refuse_closed(claim.dossier, action="compléter cette facture")
            raise ValidationError({"debtor": [scoping.OUT_OF_PORTFOLIO]})
        claim_add_references(
            claim_id=claim.pk,
            values=received,
            actor=user,
            reason=data.get("reason") or "facture reçue de nouveau via l'API",
        )
    return None, claim


def _conflict(detail: str, *, claim: Claim | None = None, differences=()) -> dict:
    return {
        "detail": detail,
        "claim": claim.pk if claim else None,
        "dossier": claim.dossier_id if claim else None,
        "dossier_reference": claim.dossier.reference if claim else "",
        "differences": [
            {"field": label, "recorded": recorded, "received": received}
            for label, recorded, received in differences
        ],
    }


PAYMENT_FILTERS = {
    "dossier": ("dossier", "int", "Identifiant du dossier"),
    "kind": ("kind", "str", "payment ou credit_note"),
    "reference": ("reference", "str", "Référence exacte"),
    "received_after": ("received_on__gte", "date", "Reçu à partir de cette date"),
    "received_before": ("received_on__lte", "date", "Reçu jusqu'à cette date"),
}


@_listed(PAYMENT_FILTERS)
class PaymentViewSet(_ScopedFilterMixin, IdempotentCreateMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Payment.objects.prefetch_related("allocations__claim").order_by("-pk")
    serializer_class = serializers.PaymentSerializer
    pagination_class = cursor_by("-pk")
    write_roles = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
    filters = PAYMENT_FILTERS

    @extend_schema(
        request=serializers.PaymentBulkSerializer, responses={201: serializers.PaymentBulkResult}
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Up to 1,000 payments or credit notes at once, all or nothing; errors per item."""
        serializer = serializers.PaymentBulkSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return _write_bulk(self, serializer, serializers.PaymentSerializer)


def _write_bulk(view, serializer, child_class):
    """All or nothing. For claims, an item whose invoice number is already recorded for its
    creditor stands for that claim when the facts are the same, and is a conflict otherwise:
    the push then answers 409 with each conflict by index (as ``create``), nothing written."""
    items = serializer.validated_data["items"]
    context = view.get_serializer_context()
    written = []
    conflicts: dict[str, dict] = {}
    known: dict[tuple[int, str], Claim] = {}
    if child_class is serializers.ClaimSerializer:
        numbers = {item["invoice_number"].strip() for item in items}
        creditors = {item["creditor"].pk for item in items}
        known = {
            (claim.creditor_id, claim.invoice_number): claim
            for claim in Claim.objects.select_related("dossier__debtor").filter(
                creditor_id__in=creditors, invoice_number__in=numbers
            )
        }
    with transaction.atomic():
        for index, item in enumerate(items):
            recorded = known.get((getattr(item.get("creditor"), "pk", None), _number(item)))
            try:
                if recorded is not None:
                    conflict, claim = _known_outcome(view.request.user, recorded, dict(item))
                    if conflict is not None:
                        conflicts[str(index)] = conflict
                    written.append(claim)
                else:
                    written.append(child_class(context=context).create(dict(item)))
            except DjangoValidationError as exc:
                # The same shape as the serializer's: only the refused items, by index.
                errors = {str(index): serializers.django_errors(exc)}
                raise ValidationError({"items": errors}) from exc
        if conflicts:
            transaction.set_rollback(True)
    if conflicts:
        return Response(
            {
                "detail": "Facture(s) déjà enregistrée(s) avec d'autres données : rien n'a "
                "été enregistré.",
                "items": conflicts,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if known:
        written = _fresh_claims(written)
    data = child_class(written, many=True, context=context).data
    return Response({"count": len(written), "items": data}, status=status.HTTP_201_CREATED)


def _number(item: dict) -> str | None:
    number = item.get("invoice_number")
    return number.strip() if isinstance(number, str) else None


def _fresh_claims(claims: list[Claim]) -> list[Claim]:
    """The claims as the serializer reads them (their figures' annotations), in order."""
    fresh = selectors.claims_for_figures(Claim.objects.filter(pk__in=[c.pk for c in claims]))
    by_pk = {claim.pk: claim for claim in fresh}
    return [by_pk[claim.pk] for claim in claims]
