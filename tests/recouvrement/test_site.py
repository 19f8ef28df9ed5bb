"""The site's entrance: French login, each role sent to its landing page, nothing without login."""

import html

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_in_french(client):
    page = html.unescape(client.get(reverse("login")).content.decode())
    assert '<html lang="fr">' in page
    assert "Connexion" in page and "Mot de passe" in page and "Se connecter" in page


def test_wrong_password_gives_a_french_message(client, controller):
    response = client.post(reverse("login"), {"username": "controleur", "password": "faux"})
    assert "Identifiant ou mot de passe incorrect" in html.unescape(response.content.decode())


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("controller", "journee:worklist"),
        ("manager", "journee:worklist"),
        ("dpo", "rgpd:dashboard"),
        ("admin", "admin:index"),
    ],
)
def test_each_role_lands_on_its_page_and_may_open_it(client, role, landing):
    user = UserFactory(username=f"u-{role}", role=role)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(landing)
    assert client.get(response["Location"]).status_code == 200


def test_a_user_without_role_is_told_so(client):
    client.force_login(UserFactory(username="sansrole"))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "Aucun rôle attribué" in html.unescape(response.content.decode())


def test_login_then_logout(client, controller):
    response = client.post(
        reverse("login"), {"username": "controleur", "password": "motdepasse-test"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_dpo_cannot_open_creditor_editing(client, dpo):
    client.force_login(dpo)
    assert client.get(reverse("admin:dossiers_creditor_add")).status_code == 403
    # The DPO reads claims (GDPR) but never changes them.
    assert client.get(reverse("admin:dossiers_claim_add")).status_code == 403
