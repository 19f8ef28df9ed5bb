"""The information notice in every message, and the warning on sensitive words in notes."""

import pytest
from django.urls import reverse

from journee.forms import PromiseForm
from legal.minimisation import sensitive_words
from rgpd.notice import information_notice
from tests.factories import ConsumerFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db


def test_notice_names_controller_purpose_basis_rights_dpo_and_policy():
    creditor = CreditorFactory(legal_name="Menuiserie Vasseur SARL", dpo_contact="dpo@vasseur.fr")
    text = information_notice(creditor, ConsumerFactory())
    assert "Menuiserie Vasseur SARL" in text and creditor.siren in text
    assert "gestion des impayés" in text
    assert "article 6-1-b" in text
    assert "dpo@vasseur.fr" in text and "https://www.example.fr/confidentialite" in text
    assert "2 ans" in text  # consumer: C. conso. L218-2
    assert "opposition" not in text  # no legitimate interest, no art. 21 objection


def test_notice_with_legitimate_interest_offers_the_right_to_object():
    creditor = CreditorFactory(
        legal_basis="legitimate_interest", balancing_test="Créance certaine, données limitées."
    )
    text = information_notice(creditor, DebtorFactory())
    assert "article 6-1-f" in text and "droit d'opposition" in text
    assert "5 ans" in text  # between professionals: C. com. L110-4


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Le gérant est hospitalisé jusqu'à fin du mois", "santé"),
        ("Paiement retardé, en plein DIVORCE", "situation familiale ou vie privée"),
        ("Ne répond pas pendant le ramadan", "religion ou convictions"),
    ],
)
def test_sensitive_words_are_found_whatever_the_case_and_accents(text, category):
    assert category in sensitive_words(text)


def test_ordinary_notes_raise_no_warning():
    assert sensitive_words("Promet un virement vendredi, facture FA-12 contestée") == {}
    assert sensitive_words("Marie Dupont, comptable, rappellera") == {}


def test_note_with_a_sensitive_word_is_saved_only_once_confirmed(client, controller):
    from datetime import date

    data = {"amount": "10", "due_on": "2099-01-01", "reason": "au téléphone", "note": "malade"}
    form = PromiseForm(data, today=date(2026, 11, 23))
    assert not form.is_valid()
    assert "données sensibles" in form.errors["note"][0]
    assert "confirmer_donnees_sensibles" in form.fields
    confirmed = PromiseForm({**data, "confirmer_donnees_sensibles": "on"}, today=date(2026, 11, 23))
    assert confirmed.is_valid()


def test_promise_page_warns_before_saving_a_health_note(client, manager):
    from dossiers.models import Promise
    from tests.factories import ClaimFactory

    claim = ClaimFactory()
    claim.creditor.managers.add(manager)
    client.force_login(manager)
    response = client.post(
        reverse("journee:promise", args=[claim.dossier_id]),
        {"amount": "10", "due_on": "2099-01-01", "reason": "tél.", "note": "sort de l'hôpital"},
    )
    assert response.status_code == 200
    assert "données sensibles" in response.content.decode()
    assert not Promise.objects.exists()
