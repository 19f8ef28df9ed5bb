"""What the site needs comes from its own files (issue #18, item 10): the API's documentation
(Swagger UI and ReDoc, from drf-spectacular-sidecar) works without internet, the favicon is
there, and one list of Debian packages feeds both the bootstrap script and the Dockerfile."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def _assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_loads_only_the_sites_own_files(client, url):
    client.force_login(UserFactory(username="dev", role="controller"))
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assets = _assets(page)
    assert assets, page
    for asset in assets:
        assert asset.startswith("/"), f"{url} charge {asset} depuis l'extérieur"
        if asset.startswith(settings.STATIC_URL):
            path = asset.removeprefix(settings.STATIC_URL).split("?")[0]
            assert finders.find(path), f"{asset} : fichier statique absent"
    assert "<script>" not in page and "<style>" not in page  # no inline script or style
    policy = response["Content-Security-Policy"]
    assert "http" not in policy, policy  # no CDN allowed


def test_the_swagger_ui_script_is_served_by_the_site(client):
    client.force_login(UserFactory(username="dev", role="controller"))
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.content.decode()


def test_the_favicon_is_served(client):
    """Every browser asks for /favicon.ico, logged in or not: it was a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = response["Location"]
    assert icon.startswith(settings.STATIC_URL) and icon.endswith(".ico")
    path = finders.find(icon.removeprefix(settings.STATIC_URL))
    assert path and Path(path).read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/connexion/").content.decode()
    assert 'rel="icon"' in page and finders.find("favicon.svg")
