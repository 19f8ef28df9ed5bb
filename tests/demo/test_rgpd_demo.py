"""The demo shows the GDPR capability: a purge run with its certificate, a purge due within 30
days, no overdue purge, an access request waiting for the DPO."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from rgpd.models import PurgeCertificate, RightsRequest

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_dpo_dashboard(client):
    out = io.StringIO()
    call_command("seed_demo", dossiers=30, seed=7, force=True, stdout=out)
    assert "RGPD : purge exécutée" in out.getvalue()
    assert PurgeCertificate.objects.filter(debtors=1).exists()
    assert RightsRequest.objects.filter(kind="access", status="open").exists()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="dpo"))
    response = client.get(reverse("rgpd:dashboard"))
    d = response.context["d"]
    assert d.due_30 >= 1 and d.overdue == 0
    assert "accès (art. 15)" in response.content.decode()
