"""The REST API (``/api/v1/``): thin viewsets over the services and selectors."""

from rest_framework import mixins, viewsets

from dossiers import roles
from dossiers.models import Claim, Creditor, Debtor, Dossier, Payment

from . import serializers


class _FilterMixin:
    """Exact-match filters from the query string, on the fields named in ``filter_fields``."""

    filter_fields: tuple[str, ...] = ()

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


class ClaimViewSet(_FilterMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Claim.objects.select_related("dossier").order_by("due_date", "pk")
    serializer_class = serializers.ClaimSerializer
    filter_fields = ("dossier", "creditor", "invoice_number")

    def get_queryset(self):
        return super().get_queryset().select_related("dossier__debtor")


class PaymentViewSet(_FilterMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Payment.objects.prefetch_related("allocations__claim").order_by("-pk")
    serializer_class = serializers.PaymentSerializer
    write_roles = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
    filter_fields = ("dossier", "kind")
