from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from recouvrement import views

admin.site.site_header = "Recouvrement amiable — administration"
admin.site.site_title = "Recouvrement amiable"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("connexion/", include("accounts.urls")),
    path("", include("journee.urls")),
    path("", include("courriers.urls")),
    path("journal/", include("escalade.urls")),
    path("rgpd/", include("rgpd.urls")),
    path("pilotage/experiences/", include("experiences.urls")),
    path("pilotage/", include("pilotage.urls")),
    path("imports/releves/", include("imports.statements.urls")),
    path("rapprochement/", include("imports.statements.queue_urls")),
    path("imports/", include("imports.urls")),
    # The debtor's space, reached by the personal link of each message (no account).
    path("p/", include("portail_web.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's page and script apart (no inline script), its files from our static files
    # (drf-spectacular-sidecar): it works without internet, under the site's own policy.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # ReDoc, from our static files too; it styles itself with <style> elements and parses the
    # schema in a worker it builds from a blob: only this page allows both.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
]
# Uploaded files (MEDIA_ROOT) are never served as such, not even in the demo: evidence goes
# through ``journee:evidence_file``, which checks the dossier's scope.
