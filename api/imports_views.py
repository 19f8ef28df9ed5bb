"""API endpoints fed from outside: e-invoicing lifecycle statuses and Factur-X invoices."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from api import imports_serializers as s
from api.filtering import FilterMixin, parameters
from api.idempotency import idempotent
from api.pagination import cursor_by
from api.permissions import RolePermission
from api.serializers import ClaimSerializer
from dossiers import scoping
from imports.facturx_invoice import InvoiceConflict, einvoice_import
from imports.models import InvoiceStatusEvent
from imports.services import invoice_status_record

STATUS_FILTERS = {
    "claim": ("claim", "int", "Identifiant de la facture"),
    "status": ("status", "str", "encaissee, refusee, rejetee, en_litige ou approuvee"),
}


@extend_schema_view(list=extend_schema(parameters=parameters(STATUS_FILTERS)))
class InvoiceStatusViewSet(FilterMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """E-invoicing lifecycle statuses (docs/legal.md §10). *Encaissée* records the payment on the
    invoice; *Refusée* and *En litige* open a contestation; *Rejetée* cancels the invoice (no
    reminder ever); *Approuvée* is kept as evidence. The same status twice changes nothing."""

    queryset = InvoiceStatusEvent.objects.select_related("claim").order_by("-pk")
    serializer_class = s.InvoiceStatusSerializer
    pagination_class = cursor_by("-pk")
    write_roles = (roles.CONTROLLER, roles.MANAGER, roles.ADMIN)
    filters = STATUS_FILTERS

    def get_queryset(self):
        # Reading: the statuses of the invoices in the user's scope only (``dossiers.scoping``),
        # another portfolio's is not found (404). Writing is scoped likewise, to the invoices
        # of the dossiers the user may act on (``InvoiceStatusSerializer``).
        queryset = super().get_queryset()
        return queryset.filter(claim__dossier__in=scoping.visible_dossiers(self.request.user))

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event, created = invoice_status_record(
            claim=data["claim"],
            status=data["status"],
            occurred_on=data["occurred_on"],
            amount=data.get("amount"),
            note=data.get("note", ""),
            actor=request.user,
            source="api",
        )
        return Response(
            self.get_serializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class EInvoiceView(APIView):
    """A Factur-X PDF (multipart field ``file``): an invoice becomes a claim, a credit note
    (381) or a corrective invoice (384) changes the invoice it cites; the PDF is kept as
    evidence. 201 when something was written, 200 when the same document was already there,
    409 when the number is known with other facts (``differences``), 400 otherwise."""

    parser_classes = [MultiPartParser]
    permission_classes = [RolePermission]

    @extend_schema(
        request=s.EInvoiceUploadSerializer,
        responses={
            201: ClaimSerializer,
            200: ClaimSerializer,
            409: OpenApiResponse(
                description="Numéro déjà enregistré avec d'autres données : "
                "``detail``, ``claim`` et ``differences`` (champ, enregistré, reçu)."
            ),
        },
    )
    @idempotent
    def post(self, request):
        upload = s.EInvoiceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            outcome = einvoice_import(
                pdf=file.read(),
                filename=file.name,
                actor=request.user,
                creditors=scoping.visible_creditors(request.user),
                dossiers=scoping.visible_dossiers(request.user),
            )
        except InvoiceConflict as exc:
            return Response(
                {
                    "detail": " ".join(exc.messages),
                    "claim": exc.claim.pk if exc.claim is not None else None,
                    "differences": [
                        {"field": label, "recorded": recorded, "received": received}
                        for label, recorded, received in exc.differences
                    ],
                },
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"file": exc.messages}) from exc
        body = ClaimSerializer(outcome.claim, context={"request": request}).data
        body["message"] = outcome.message
        return Response(
            body, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        )
