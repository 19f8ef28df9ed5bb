"""Every change made through a service leaves a history row naming its user and its reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from dossiers import services
from dossiers.models import Evidence
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_every_service_write_is_journaled_with_user_and_reason(controller):
    claim = ClaimFactory(actor=controller, reason="facture reçue du service comptable")
    dossier = claim.dossier
    services.payment_record(
        dossier=dossier,
        amount=Decimal("200.00"),
        received_on=datetime.date(2026, 11, 2),
        actor=controller,
        reason="virement reçu le 02/11/2026",
    )
    services.debtor_update(
        debtor=dossier.debtor,
        actor=controller,
        reason="adresse corrigée par le débiteur",
        address_line1="8 avenue Jean Jaurès",
    )
    services.claim_cancel(claim=claim, actor=controller, reason="doublon de facturation")

    claim_history = list(claim.history.order_by("history_id"))
    assert [h.history_change_reason for h in claim_history] == [
        "facture reçue du service comptable",
        f"paiement {claim.payments.get().pk} imputé",
        "annulation : doublon de facturation",
    ]
    assert {h.history_user for h in claim_history} == {controller}
    assert dossier.history.earliest().history_change_reason == "ouverture du dossier"
    assert dossier.debtor.history.latest().history_change_reason == (
        "adresse corrigée par le débiteur"
    )
    assert dossier.debtor.history.latest().history_user == controller
    assert dossier.payments.get().history.get().history_user == controller
    # The previous address is still in the journal.
    assert dossier.debtor.history.earliest().address_line1 == "3 place du Marché"


def test_a_change_without_a_reason_is_refused(controller):
    claim = ClaimFactory()
    with pytest.raises(Exception) as exc:
        services.claim_cancel(claim=claim, actor=controller, reason="  ")
    assert "motif" in str(exc.value)
    claim.refresh_from_db()
    assert claim.cancelled_on is None


def test_evidence_keeps_the_sha256_of_its_bytes(controller, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    claim = ClaimFactory()
    evidence = services.evidence_add(
        dossier=claim.dossier,
        claim=claim,
        kind=Evidence.Kind.INVOICE,
        actor=controller,
        file=ContentFile(b"%PDF-1.4 facture FA-1", name="facture.pdf"),
    )
    # sha256 of b"%PDF-1.4 facture FA-1", computed independently with `sha256sum`.
    import hashlib

    assert evidence.sha256 == hashlib.sha256(b"%PDF-1.4 facture FA-1").hexdigest()
    assert evidence.original_name == "facture.pdf"
    assert evidence.history.get().history_user == controller
