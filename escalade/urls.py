from django.urls import path

from escalade import views

app_name = "escalade"

D = "dossiers/<int:pk>/"
urlpatterns = [
    path("go-no-go/", views.decisions, name="decisions"),
    path(D + "go-no-go/", views.go_no_go, name="go_no_go"),
    path(D + "solvabilite/", views.solvency, name="solvency"),
    path(D + "resolution-amiable/", views.amicable_attempt, name="amicable_attempt"),
    path(D + "procedure/", views.court, name="court"),
    path(D + "procedure/requete.csv", views.court_file, name="court_file"),
    path(D + "journal.csv", views.timeline_export, name="timeline_csv"),
    path(D + "preuves.zip", views.bundle, name="bundle"),
    path(D + "pieces/<int:evidence_pk>/", views.evidence_file, name="evidence"),
    path(D + "messages/<int:reminder_pk>/", views.message, name="message"),
]
