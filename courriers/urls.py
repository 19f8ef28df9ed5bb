"""Letters and messages: their addresses, in French, mounted at the site's root."""

from django.urls import path

from courriers import views as letters

app_name = "courriers"

D = "dossiers/<int:pk>/"
urlpatterns = [
    path("courriers/", letters.letters, name="letters"),
    path("courriers/validation/", letters.approval_start, name="approval_start"),
    path(
        "courriers/validation/<int:batch_pk>/", letters.approval_progress, name="approval_progress"
    ),
    path("courriers/apercu/<int:reminder_pk>/", letters.reminder_preview, name="reminder_preview"),
    path("courriers/envois-en-attente/", letters.outbox_page, name="outbox"),
    path("courriers/lots/", letters.batch_create, name="batch_create"),
    path("courriers/lots/<int:batch_pk>/<str:what>/", letters.batch_file, name="batch_file"),
    path("envois/<int:sent_pk>/", letters.sent_detail, name="sent_detail"),
    path("envois/<int:sent_pk>/fichier/<str:what>/", letters.sent_file, name="sent_file"),
    path("envois/<int:sent_pk>/<str:action>/", letters.sent_action, name="sent_action"),
    path(D + "echeanciers/<int:plan_pk>/pdf/", letters.plan_pdf, name="plan_pdf"),
]
