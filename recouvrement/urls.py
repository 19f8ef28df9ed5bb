from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from recouvrement import views

SWAGGER_CDN = "https://cdn.jsdelivr.net"

admin.site.site_header = "Recouvrement amiable — administration"
admin.site.site_title = "Recouvrement amiable"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", views.home, name="home"),
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
    path("pilotage/", include("pilotage.urls")),
    path("imports/releves/", include("imports.statements.urls")),
    path("rapprochement/", include("imports.statements.queue_urls")),
    path("imports/", include("imports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's page and script apart (no inline script); its files come from its CDN.
    path(
        "api/docs/",
        csp_update(
            {"script-src": [SWAGGER_CDN], "style-src": [SWAGGER_CDN], "img-src": [SWAGGER_CDN]}
        )(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
]
# Uploaded files (MEDIA_ROOT) are never served as such, not even in the demo: evidence goes
# through ``journee:evidence_file``, which checks the dossier's scope.
