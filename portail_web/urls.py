from django.urls import path

from portail_web import actions, views

app_name = "portail_web"

urlpatterns = [
    path("<str:token>/", views.entry, name="entry"),
    path("<str:token>/dossier/", views.dossier, name="dossier"),
    path("<str:token>/courriers/<int:sent_pk>/", views.letter_copy, name="letter_copy"),
    path("<str:token>/factures/<int:evidence_pk>/", views.invoice_copy, name="invoice_copy"),
    path("<str:token>/payer/", views.pay, name="pay"),
    path("<str:token>/promesse/", actions.promise, name="promise"),
    path("<str:token>/echeancier/", actions.plan, name="plan"),
    path("<str:token>/contestation/", actions.dispute, name="dispute"),
    path("<str:token>/deja-paye/", actions.already_paid, name="already_paid"),
    path("<str:token>/coordonnees/", actions.contact, name="contact"),
    path("<str:token>/donnees-personnelles/", actions.rights, name="rights"),
]
