"""/rapprochement/: the lines waiting for a person (controllers and managers)."""

from django.urls import path

from imports.statements import views

app_name = "rapprochement"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("confirmer/", views.confirm, name="confirm"),
    path("imputer/", views.assign, name="assign"),
    path("repartir/", views.split, name="split"),
    path("ecarter/", views.ignore, name="ignore"),
]
