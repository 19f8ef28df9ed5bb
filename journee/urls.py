"""« Ma journée »: the workspace's addresses, in French, mounted at the site's root."""

from django.urls import path

from journee.views import actions, dossier, portfolio, worklist

app_name = "journee"

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
    path(D + "accessoires/abandon/", actions.accessories_waive, name="accessories_waive"),
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
    path(D + "espace-debiteur/verifiee/", actions.portal_check, name="portal_check"),
]
