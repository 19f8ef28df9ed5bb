"""The REST API (``/api/v1/``): thin viewsets over the services and selectors."""

from datetime import date

from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS

from dossiers import roles, scoping, selectors
from dossiers.models import Claim, Creditor, Debtor, Dossier, Payment

from . import serializers


class _FilterMixin:
    """Exact-match filters from the query string, on the fields named in ``filter_fields``;
    every queryset is cut to the user's scope first (``dossiers.scoping``): an object out of
    scope is not found (404), and a write reaches only what the user may change."""

    filter_fields: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = super().get_queryset()
        editable = self.request.method not in SAFE_METHODS
        return scoping.restrict(queryset, self.request.user, editable=editable)

    def filter_queryset(self, queryset):
        for name in self.filter_fields:
            value = self.request.query_params.get(name)
            if value not in (None, ""):
                queryset = queryset.filter(**{name: value})
        return super().filter_queryset(queryset)


class CreditorViewSet(_FilterMixin, viewsets.ReadOnlyModelViewSet):
    """Creditors (read-only: admins manage them in the admin)."""

    queryset = Creditor.objects.order_by("legal_name")
    serializer_class = serializers.CreditorSerializer
    filter_fields = ("siren",)


class DebtorViewSet(
    _FilterMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Debtor.objects.prefetch_related("contacts").order_by("name", "pk")
    serializer_class = serializers.DebtorSerializer
    read_roles = (roles.CONTROLLER, roles.MANAGER, roles.DPO, roles.ADMIN)
    filter_fields = ("kind", "siren")


class DossierViewSet(_FilterMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Dossier.objects.select_related("creditor", "debtor").with_balance().order_by("-pk")
    serializer_class = serializers.DossierSerializer
    filter_fields = ("state", "creditor", "debtor", "assigned_to")


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


class ClaimViewSet(_FilterMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Claims with their legal figures: ``?on=YYYY-MM-DD`` computes them at that date (today
    by default); ``?formal_notice_on=YYYY-MM-DD`` states a formal notice's date for the legal
    interest of a consumer's claim (C. civ. 1231-6)."""

    queryset = Claim.objects.order_by("due_date", "pk")
    serializer_class = serializers.ClaimSerializer
    filter_fields = ("dossier", "creditor", "invoice_number")

    def get_queryset(self):
        return selectors.claims_for_figures(super().get_queryset())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None:
            context["figures_on"] = _date_param(self.request, "on")
            context["formal_notice_on"] = _date_param(self.request, "formal_notice_on")
        return context


class PaymentViewSet(_FilterMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Payment.objects.prefetch_related("allocations__claim").order_by("-pk")
    serializer_class = serializers.PaymentSerializer
    write_roles = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
    filter_fields = ("dossier", "kind")
