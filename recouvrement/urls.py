from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

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
    path("", include("relances.urls")),
    path("journal/", include("journal.urls")),
    path("rgpd/", include("rgpd.urls")),
    path("pilotage/", include("pilotage.urls")),
    path("imports/", include("dossiers.imports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("dossiers.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
