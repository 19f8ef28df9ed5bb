from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("double-facteur/", views.otp_verify, name="otp_verify"),
    path("double-facteur/enrolement/", views.otp_enrol, name="otp_enrol"),
    path("double-facteur/enrolement/qr.svg", views.otp_qr, name="otp_qr"),
    path("double-facteur/invitation/<str:key>/", views.otp_invitation, name="otp_invitation"),
    path("reinitialisation/<str:key>/", views.access_reset, name="access_reset"),
    path("reinitialisation/<str:key>/qr.svg", views.access_reset_qr, name="access_reset_qr"),
    path("jetons/", views.api_tokens, name="api_tokens"),
    path("jetons/<int:token_pk>/revoquer/", views.api_token_revoke, name="api_token_revoke"),
]
