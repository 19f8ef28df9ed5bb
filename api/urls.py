from django.urls import path
from rest_framework.routers import DefaultRouter

from api import imports_views, statements_views, views

router = DefaultRouter()
router.register("creditors", views.CreditorViewSet)
router.register("debtors", views.DebtorViewSet)
router.register("dossiers", views.DossierViewSet)
router.register("claims", views.ClaimViewSet)
router.register("payments", views.PaymentViewSet)
router.register("invoice-statuses", imports_views.InvoiceStatusViewSet)

urlpatterns = [
    path("einvoices/", imports_views.EInvoiceView.as_view(), name="einvoice-upload"),
    path(
        "bank-statements/",
        statements_views.BankStatementView.as_view(),
        name="bank-statement-upload",
    ),
    *router.urls,
]
