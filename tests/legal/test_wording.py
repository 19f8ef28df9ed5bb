"""Forbidden wording of the amicable phase (docs/legal.md §5; C. conso. L121-2, L121-6;
CPCE L111-8; C. com. L441-10 II)."""

from legal.wording import forbidden_phrases

B2B_REMINDER = (
    "Madame, Monsieur, la facture FA-2026-00012 du 01/09/2026 reste impayée. Conformément à "
    "l'article L441-10 du code de commerce, des pénalités de retard et une indemnité "
    "forfaitaire pour frais de recouvrement de 40 € sont dues."
)


def test_professional_reminder_may_state_the_indemnity():
    """C. com. L441-10 II: the 40 EUR indemnity is a mandatory mention between professionals."""
    assert forbidden_phrases(B2B_REMINDER, consumer=False) == []


def test_consumer_letter_never_mentions_recovery_fees_nor_the_indemnity():
    """CPCE L111-8: amicable recovery costs stay with the creditor; L441-10 is B2B only."""
    findings = forbidden_phrases(B2B_REMINDER, consumer=True)
    assert [f.phrase for f in findings] == [
        "indemnité forfaitaire",
        "frais de recouvrement",
        "40 €",
    ]
    assert all("L111-8" in f.reference for f in findings)
    fees = forbidden_phrases("Des frais de dossier de 25 € seront ajoutés.", consumer=True)
    assert [f.phrase for f in fees] == ["frais de dossier"]
    assert "créancier" in fees[0].reason


def test_claims_of_enforcement_powers_are_refused_for_everyone():
    """C. conso. L121-2: no enforcement power in the amicable phase."""
    text = (
        "Un huissier a été mandaté. À défaut, nous procéderons à l'exécution forcée et à la "
        "saisie de vos biens."
    )
    findings = forbidden_phrases(text, consumer=False)
    assert [f.phrase for f in findings] == [
        "huissier a été mandaté",
        "exécution forcée",
        "saisie",
    ]
    assert all(f.reason for f in findings)


def test_avis_avant_saisie_is_reported_once_with_its_own_reason():
    """C. conso. L121-2: the specific phrase wins over the generic « saisie »."""
    findings = forbidden_phrases("AVIS AVANT SAISIE", consumer=False)
    assert len(findings) == 1
    assert findings[0].phrase == "AVIS AVANT SAISIE"
    assert "Avis avant saisie" in findings[0].reason


def test_court_look_and_official_formulas_are_refused():
    """C. conso. L121-2: fake court or administration look."""
    text = "Greffe — Dernier avis avant poursuites. Avis de passage. Tribunal de commerce."
    phrases = [f.phrase for f in forbidden_phrases(text, consumer=False)]
    assert phrases == [
        "Greffe",
        "Dernier avis avant poursuites",
        "Avis de passage",
        "Tribunal",
    ]


def test_threats_and_pressure_are_refused():
    """C. conso. L121-6: threats to inform the employer or neighbours, pressure formulas."""
    text = "Réglez immédiatement sous peine de voir informés votre employeur et vos voisins."
    phrases = [f.phrase for f in forbidden_phrases(text, consumer=False)]
    assert phrases == ["sous peine de", "votre employeur", "vos voisins"]


def test_matching_ignores_accents_case_and_apostrophes():
    """The check reads the words, not their typography; the phrase is quoted as written."""
    findings = forbidden_phrases(
        "EXECUTION FORCEE et commissaire de justice mandaté", consumer=False
    )
    assert [f.phrase for f in findings] == [
        "EXECUTION FORCEE",
        "commissaire de justice mandaté",
    ]


def test_harmless_letter_passes_and_data_entry_is_not_a_seizure():
    """A courteous reminder is accepted; « saisie de vos coordonnées » is data entry."""
    text = (
        "Sauf erreur de notre part, votre facture reste impayée. Vous pouvez régler par "
        "virement ; la saisie de vos coordonnées bancaires est sécurisée. Contactez-nous "
        "pour convenir d'un échéancier."
    )
    assert forbidden_phrases(text, consumer=True) == []
