"""The DPO's addresses, in French, under /rgpd/."""

from django.urls import path

from rgpd import views

app_name = "rgpd"

B = "debiteurs/<int:pk>/"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("registre/", views.register_page, name="register"),
    path("registre.pdf", views.register_pdf, name="register_pdf"),
    path("purges/<int:pk>/", views.certificate, name="certificate"),
    path("debiteurs/", views.debtors, name="debtors"),
    path(B, views.debtor, name="debtor"),
    path(B + "demandes/", views.request_new, name="request_new"),
    path("demandes/<int:pk>/decision/", views.request_decide, name="request_decide"),
    path(B + "limitation/", views.restriction, name="restriction"),
    path(B + "rectification/", views.rectify, name="rectify"),
    path(B + "contacts/<int:contact_pk>/", views.rectify_contact, name="rectify_contact"),
    path(B + "export.json", views.export_json, name="export_json"),
    path(B + "export.pdf", views.export_pdf, name="export_pdf"),
]
