"""A closed dossier is an intermediate archive: read-only for every role, in every action (pages,
letters, API, admin). Only the GDPR purge still writes to it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from courriers.models import SentMessage
from dossiers import scoping
from dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def _close(dossier: Dossier) -> Dossier:
    Dossier.objects.filter(pk=dossier.pk).update(state="paid", closed_on=timezone.localdate())
    return Dossier.objects.get(pk=dossier.pk)  # a protected state: read again


def test_a_manager_cannot_mark_a_sent_letter_of_a_closed_dossier_as_returned(client, world):
    """The audit's finding: ``sent_action`` took the letter from the read scope."""
    dossier = _close(world.mine.dossier)
    sent = SentMessage.objects.get(pk=world.mine.objects["sent_pk"])
    client.force_login(world.users["manager"])
    for action, data in [
        ("retour", {"note": "Texte libre après la clôture"}),
        ("recommande", {"number": "1A 234 567 8901 2"}),
    ]:
        url = reverse("courriers:sent_action", args=[sent.pk, action])
        response = client.post(url, data)
        assert response.status_code == 403, (action, response.status_code)
    sent.refresh_from_db()
    assert sent.status != SentMessage.Status.RETURNED
    assert "Texte libre" not in str(sent.__dict__)
    assert not sent.registered_number
    # Still readable by the manager (archive).
    assert client.get(reverse("courriers:sent_detail", args=[sent.pk])).status_code == 200
    assert scoping.visible_dossiers(world.users["manager"]).filter(pk=dossier.pk).exists()


def test_no_role_may_act_on_a_closed_dossier(world):
    dossier = _close(world.mine.dossier)
    for role in ("controller", "manager", "dpo", "admin"):
        user = world.users[role]
        assert not scoping.editable_dossiers(user).filter(pk=dossier.pk).exists(), role
        assert not scoping.can_act(user, dossier), role


def test_the_api_refuses_writes_on_a_closed_dossier(world):
    dossier = _close(world.mine.dossier)
    for role in ("manager", "admin"):
        api = APIClient()
        api.force_login(world.users[role])
        url = f"/api/v1/dossiers/{dossier.pk}/"
        assert api.get(url).status_code == 200, role  # still read
        response = api.post(
            "/api/v1/payments/",
            {"dossier": dossier.pk, "amount": "5.00", "received_on": "2026-11-23"},
            format="json",
        )
        assert response.status_code == 400, (role, response.status_code)
        # Said in French, with the dossier's state (never « Clé primaire non valide »).
        (message,) = response.json()["dossier"]
        assert f"Le dossier {dossier.reference} est clos (Payé le " in message, message


def test_the_admin_shows_a_closed_dossiers_objects_read_only(client, world):
    dossier = _close(world.mine.dossier)
    client.force_login(world.users["admin"])
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # no save button: read-only
    response = client.post(url, {"assigned_to": world.users["controller"].pk})
    assert response.status_code == 403
