from django.urls import path

from pilotage import views

app_name = "pilotage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.<slug:fmt>", views.export, name="export"),
    path("couts/", views.costs, name="costs"),
    path("taux/ajout/", views.rate_add, name="rate_add"),
    path("cadence/", views.cadence_runs, name="cadence_runs"),
    path("cadence/<int:run_pk>/", views.cadence_run, name="cadence_run"),
    path("probabilite-de-paiement/", views.payment_model, name="payment_model"),
    path("probabilite-de-paiement/priorite/", views.payment_priority, name="payment_priority"),
]
