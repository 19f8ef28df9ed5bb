from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("depot/", views.upload, name="upload"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/avancement/", views.progress, name="progress"),
    path("<int:pk>/colonnes/", views.columns, name="columns"),
    path("<int:pk>/confirmation/", views.confirm, name="confirm"),
    path("factur-x/", views.facturx, name="facturx"),
    path("export/", views.export, name="export"),
]
