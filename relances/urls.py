"""The workspace's addresses, in French, mounted at the site's root."""

from django.urls import path

from .views import actions, dossier, letters, portfolio, worklist

app_name = "relances"

D = "dossiers/<int:pk>/"
urlpatterns = [
    path("ma-journee/", worklist.worklist, name="worklist"),
    path("portefeuille/", portfolio.portfolio, name="portfolio"),
    path(D, dossier.dossier, name="dossier"),
    path("debiteurs/<int:pk>/", dossier.debtor, name="debtor"),
    path(D + "appel/", actions.call, name="call"),
    path(D + "promesse/", actions.promise, name="promise"),
    path(D + "paiement/", actions.payment, name="payment"),
    path(D + "echeancier/", actions.plan, name="plan"),
    path(D + "echeanciers/<int:plan_pk>/imprimer/", dossier.plan_print, name="plan_print"),
    path(D + "contestation/", actions.dispute_open, name="dispute_open"),
    path(
        D + "contestations/<int:dispute_pk>/cloture/",
        actions.dispute_resolve,
        name="dispute_resolve",
    ),
    path(D + "piece/", actions.evidence, name="evidence"),
    path(D + "pieces/<int:evidence_pk>/fichier/", dossier.evidence_file, name="evidence_file"),
    path(D + "attente/", actions.hold, name="hold"),
    path(D + "attente/levee/", actions.hold_release, name="hold_release"),
    path(D + "attribution/", actions.assign, name="assign"),
    path(
        D + "relances/<int:reminder_pk>/validation/",
        actions.reminder_approve,
        name="reminder_approve",
    ),
    path(
        D + "relances/<int:reminder_pk>/nouvel-envoi/",
        actions.reminder_retry,
        name="reminder_retry",
    ),
    path(D + "taches/<int:task_pk>/cloture/", actions.task_close, name="task_close"),
    # Letters and messages
    path("courriers/", letters.letters, name="letters"),
    path("courriers/validation/", letters.approval_start, name="approval_start"),
    path(
        "courriers/validation/<int:batch_pk>/", letters.approval_progress, name="approval_progress"
    ),
    path("courriers/apercu/<int:reminder_pk>/", letters.reminder_preview, name="reminder_preview"),
    path("courriers/lots/", letters.batch_create, name="batch_create"),
    path("courriers/lots/<int:batch_pk>/<str:what>/", letters.batch_file, name="batch_file"),
    path("envois/<int:sent_pk>/", letters.sent_detail, name="sent_detail"),
    path("envois/<int:sent_pk>/fichier/<str:what>/", letters.sent_file, name="sent_file"),
    path("envois/<int:sent_pk>/<str:action>/", letters.sent_action, name="sent_action"),
    path(D + "echeanciers/<int:plan_pk>/pdf/", letters.plan_pdf, name="plan_pdf"),
]
