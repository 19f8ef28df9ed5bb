"""Dossier references are unique across the whole base: each creditor numbers its dossiers
under its own code (« DOS-FIR-2026-00002 »), and the database refuses a reference twice.

Seen in the demo: three « DOS-2026-00002 » in one worklist, one per creditor."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from dossiers import services
from dossiers.models import Creditor, Dossier
from dossiers.models.parties import creditor_code_from_name
from tests.factories import CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 2)


def _open(creditor, on=ON):
    dossier, created = services.dossier_open_or_join(
        creditor=creditor, debtor=DebtorFactory(), actor=None, on=on
    )
    assert created
    return dossier


def test_two_creditors_never_share_a_reference():
    first = CreditorFactory(legal_name="Fournitures Industrielles du Rhône SAS")
    second = CreditorFactory(legal_name="Atlantique Recouvrement SAS")
    third = CreditorFactory(legal_name="Éditions Numériques de Provence SARL")
    references = [_open(creditor).reference for creditor in (first, second, third)]
    references += [_open(first).reference]
    assert len(set(references)) == len(references)
    assert references[0] == "DOS-FIR-2026-00001"
    assert references[3] == "DOS-FIR-2026-00002"
    assert references[2] == "DOS-ENP-2026-00001"
    assert references[1].startswith("DOS-ATL-2026-")


def test_the_sequence_restarts_each_year_and_follows_the_highest_number():
    creditor = CreditorFactory(legal_name="Menuiserie Garnier SAS", code="MGA")
    assert _open(creditor, datetime.date(2025, 12, 30)).reference == "DOS-MGA-2025-00001"
    assert _open(creditor).reference == "DOS-MGA-2026-00001"
    # A number taken by hand (an import keeping the creditor's own numbering): the next follows.
    Dossier.objects.filter(reference="DOS-MGA-2026-00001").update(reference="DOS-MGA-2026-00041")
    assert _open(creditor).reference == "DOS-MGA-2026-00042"


def test_a_creditor_gets_a_code_from_its_name_unless_given_one():
    assert creditor_code_from_name("Fournitures Industrielles du Rhône SAS") == "FIR"
    assert creditor_code_from_name("Éditions Numériques de Provence SARL") == "ENP"
    assert creditor_code_from_name("Atlantique Recouvrement SAS") == "ATL"
    assert creditor_code_from_name("L'Atelier d'Orfèvrerie") == "ATE"
    first = CreditorFactory(legal_name="Fournitures Industrielles du Rhône SAS")
    twin = CreditorFactory(legal_name="Fonderie Industrielle Rémoise SA")
    chosen = CreditorFactory(legal_name="Transports Lefebvre SARL", code="tlf")
    assert (first.code, twin.code, chosen.code) == ("FIR", "FIR2", "TLF")


def test_the_database_refuses_a_reference_twice_even_for_another_creditor():
    dossier = _open(CreditorFactory())
    other = CreditorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.create(
            creditor=other, debtor=DebtorFactory(), reference=dossier.reference, opened_on=ON
        )


def test_the_database_refuses_a_creditor_code_twice():
    CreditorFactory(code="ABC")
    creditor = CreditorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Creditor.objects.filter(pk=creditor.pk).update(code="ABC")
