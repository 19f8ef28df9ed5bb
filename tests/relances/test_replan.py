"""A cadence change made in the admin moves the next action of the dossiers it governs."""

import datetime

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from relances.models import CadencePolicy, CadenceStep
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_debtor_override_in_the_admin_replans_the_existing_dossier(
    client, admin_user, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(due_date=datetime.date(2099, 10, 1), issue_date=datetime.date(2099, 9, 1))
    # Default policy: R+7 on Thursday 08/10/2099.
    assert Dossier.objects.get(pk=claim.dossier.pk).next_action_at == datetime.date(2099, 10, 8)
    fast = CadencePolicy.objects.create(name="Rapide", debtor_kind="professional")
    CadenceStep.objects.create(
        policy=fast,
        code="r2",
        label="Relance rapide",
        offset_days=2,
        stage="reminder_1",
        channel="email",
        template_code="relance-amiable",
    )
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:relances_debtorcadenceoverride_add"),
            {"debtor": claim.dossier.debtor.pk, "policy": fast.pk, "reason": "client sensible"},
        )
    assert response.status_code == 302
    # R+2 = Saturday 03/10/2099 → Monday 05/10/2099.
    assert Dossier.objects.get(pk=claim.dossier.pk).next_action_at == datetime.date(2099, 10, 5)
