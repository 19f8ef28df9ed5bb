"""BODACC insolvency judgments (open-data export, recorded sample): matched by SIREN only."""

import datetime
from pathlib import Path

import pytest

from accounts import roles
from dossiers.models import Debtor, Dossier, Task
from dossiers.services import work
from tests.factories import ClaimFactory, DebtorFactory, UserFactory
from tests.imports.conftest import run_import

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent.parent / "data" / "bodacc_annonces_commerciales.csv"


def test_opening_judgments_move_matching_debtors_to_insolvency_with_the_deadline(controller):
    liquidated = DebtorFactory(siren="912345675", name="Menuiserie Lefèvre")
    receivership = DebtorFactory(siren="823456785")
    # Same name as an announcement but another SIREN: never matched by name.
    homonym = DebtorFactory(siren="645678905", name="Imprimerie Rivière SA")
    closed_only = DebtorFactory(siren="734567894")
    dossiers = [
        ClaimFactory(debtor=d).dossier for d in (liquidated, receivership, homonym, closed_only)
    ]
    for dossier in dossiers:  # the controller's portfolio (#19: the file writes only there)
        work.dossier_assign(dossier=dossier, assignee=controller, actor=None, reason="x")

    batch = run_import("bodacc", None, SAMPLE.read_bytes(), user=controller, name=SAMPLE.name)
    assert batch.status == "done", batch.errors
    assert batch.summary["done"] == {"create": 2, "ignored": 3}

    liquidated.refresh_from_db()
    assert liquidated.insolvency_status == Debtor.Insolvency.LIQUIDATION
    assert liquidated.insolvency_opened_on == datetime.date(2026, 11, 3)
    assert Dossier.objects.get(pk=dossiers[0].pk).state == "insolvency"
    task = Task.objects.get(dossier=dossiers[0], kind=Task.Kind.CLAIM_DECLARATION)
    # published 10/11/2026 → 2 months → 10/01/2027, a Sunday → Monday 11/01/2027 (R622-24)
    assert task.due_on == datetime.date(2027, 1, 11)
    receivership.refresh_from_db()
    assert receivership.insolvency_status == Debtor.Insolvency.RECEIVERSHIP
    for pk in (dossiers[2].pk, dossiers[3].pk):
        assert Dossier.objects.get(pk=pk).state == "open"

    again = run_import("bodacc", None, SAMPLE.read_bytes(), user=controller, name=SAMPLE.name)
    assert again.summary["done"] == {"unchanged": 2, "ignored": 3}
    assert Task.objects.filter(kind=Task.Kind.CLAIM_DECLARATION).count() == 2


def test_a_file_that_is_not_a_bodacc_export_is_refused(controller):
    batch = run_import("bodacc", None, "a;b\n1;2\n", user=controller, name="x.csv")
    assert batch.status == "invalid"
    assert batch.errors[0]["errors"][0].startswith(
        "Ce n'est pas un export des annonces commerciales du BODACC"
    )


def test_a_judgment_reaches_only_the_debtors_the_uploader_may_act_on(controller):
    """Issue #19: a BODACC file writes like the other imports, within the uploader's portfolio.
    A debtor followed only in another controller's portfolio is not matched (nor named in the
    preview): its dossiers stay as they were; an administrator's file reaches it."""
    theirs = DebtorFactory(siren="912345675", name="Menuiserie Lefèvre")
    mine = DebtorFactory(siren="823456785", name="Transports Garnier")
    other = UserFactory(username="autre-chargee", role=roles.CONTROLLER)
    their_dossier = ClaimFactory(debtor=theirs).dossier
    my_dossier = ClaimFactory(debtor=mine).dossier
    work.dossier_assign(dossier=their_dossier, assignee=other, actor=None, reason="x")
    work.dossier_assign(dossier=my_dossier, assignee=controller, actor=None, reason="x")

    batch = run_import("bodacc", None, SAMPLE.read_bytes(), user=controller, name=SAMPLE.name)
    assert batch.status == "done", batch.errors
    assert batch.summary["done"] == {"create": 1, "ignored": 4}
    assert "Menuiserie Lefèvre" not in str(batch.summary) + str(batch.errors)
    theirs.refresh_from_db()
    assert theirs.insolvency_status == ""
    assert Dossier.objects.get(pk=their_dossier.pk).state == "open"
    assert Dossier.objects.get(pk=my_dossier.pk).state == "insolvency"

    admin = UserFactory(username="admin-bodacc", role=roles.ADMIN)
    batch = run_import("bodacc", None, SAMPLE.read_bytes(), user=admin, name=SAMPLE.name)
    assert batch.summary["done"] == {"create": 1, "unchanged": 1, "ignored": 3}
    assert Dossier.objects.get(pk=their_dossier.pk).state == "insolvency"
