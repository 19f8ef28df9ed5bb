from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("creditors", views.CreditorViewSet)
router.register("debtors", views.DebtorViewSet)
router.register("dossiers", views.DossierViewSet)
router.register("claims", views.ClaimViewSet)
router.register("payments", views.PaymentViewSet)

urlpatterns = router.urls
