"""/imports/releves/: bank statements (controllers, managers, administrators)."""

from django.urls import path

from imports.statements import views

app_name = "releves"

urlpatterns = [
    path("", views.index, name="index"),
    path("depot/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
]
