from django.urls import path

from experiences import views

app_name = "experiences"

urlpatterns = [
    path("", views.experiment_list, name="list"),
    path("nouvelle/", views.experiment_new, name="new"),
    path("<int:experiment_pk>/", views.experiment_detail, name="detail"),
    path("<int:experiment_pk>/terminer/", views.experiment_end, name="end"),
]
