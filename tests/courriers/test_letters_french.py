"""Issue #18, « What was seen » 4 and 5: French that reads right by construction (contractions,
elision, percentages), and a thank-you that asks for nothing."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils.html import strip_tags

from courriers import rendering, versions
from courriers.models import CreditorMessaging, MessageTemplate, SentMessage
from courriers.templatetags.francais import a, de, pourcent, que
from dossiers import services as dossier_services
from relances.models import Channel
from tests.courriers.letters_helpers import D, flat
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory, DebtorFactory

ON = D(2026, 11, 20)


@pytest.mark.parametrize(
    ("value", "with_de", "with_a"),
    [
        ("le créancier mandant", "du créancier mandant", "au créancier mandant"),
        ("les factures n° FA-1, FA-2", "des factures n° FA-1, FA-2", "aux factures n° FA-1, FA-2"),
        ("la facture n° FA-1", "de la facture n° FA-1", "à la facture n° FA-1"),
        ("Atlantique Négoce", "d'Atlantique Négoce", "à Atlantique Négoce"),
        ("Éditions du Lac", "d'Éditions du Lac", "à Éditions du Lac"),
        ("Habitat 44", "d'Habitat 44", "à Habitat 44"),
        ("Hauts-de-Seine Habitat", "de Hauts-de-Seine Habitat", "à Hauts-de-Seine Habitat"),
        ("Le Comptoir", "du Comptoir", "au Comptoir"),
        ("Les Jardins de Provence", "des Jardins de Provence", "aux Jardins de Provence"),
        ("La Fabrique", "de La Fabrique", "à La Fabrique"),
        ("Durand SAS", "de Durand SAS", "à Durand SAS"),
        ("Yves Martin", "d'Yves Martin", "à Yves Martin"),
    ],
)
def test_the_grammar_filters_contract_and_elide(value, with_de, with_a):
    assert de(value) == with_de
    assert a(value) == with_a


def test_que_elides_and_rates_read_in_french():
    assert que("Atlantique") == "qu'Atlantique" and que("Durand") == "que Durand"
    assert pourcent(Decimal("12")) == "12,00\u00a0%" and pourcent("7.5") == "7,50\u00a0%"


def test_the_filters_are_built_into_the_template_engine():
    """The engine of the editable templates has no library but these filters (builtin)."""
    text = versions.render_text("Le service recouvrement {{ name|de }}", {"name": "Atlantique"})
    assert text == "Le service recouvrement d'Atlantique"
    assert not versions.template_check(
        subject="x",
        body="{{ creditor_name|de }} {{ total_due|euros }}",
        debtor_kind="",
        channel="email",
        kind="amicable",
    )


# Seen: « au titre de les factures », « pour le compte de le créancier », « de la part de
# Éditions… », « Le service recouvrement de Atlantique », « 12.00 % ».
WRONG = re.compile(
    r"\b(de|à) (le|les|Le|Les) |\bde [AEIOUYÉÈÊÀaeiouyéèê]|\bde Hab|\b\d+\.\d\d ?%",
)


def layout_text(html: str) -> str:
    """The words a reader sees in an HTML message (no style sheet, no tags)."""
    return flat(strip_tags(re.sub(r"<style.*?</style>", " ", html, flags=re.S)))


NAMES = [
    ("Atlantique Négoce", "d'Atlantique Négoce"),  # vowel
    ("Éditions du Lac", "d'Éditions du Lac"),  # accented vowel
    ("Habitat 44", "d'Habitat 44"),  # mute h
    ("Les Jardins de Provence", "des Jardins de Provence"),  # plural article
    ("La Fabrique", "de La Fabrique"),  # feminine article
    ("Le Comptoir", "du Comptoir"),  # masculine article
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "after_de"), NAMES)
@pytest.mark.parametrize("kind", ["professional", "consumer"])
def test_every_default_template_reads_right_for_every_kind_of_name(frozen, name, after_de, kind):
    """Every default template (wording and layout, text and HTML), rendered for a creditor
    whose name starts with a vowel, a mute h, a plural, feminine or masculine article, with
    two invoices, as a collection agency for « le créancier mandant », with a contractual
    rate of 12 %."""
    creditor = CreditorFactory(
        legal_name=name, is_collection_agency=True, contractual_penalty_rate=Decimal("12")
    )
    debtor = DebtorFactory() if kind == "professional" else ConsumerFactory()
    with frozen(D(2026, 9, 1)):
        first = ClaimFactory(creditor=creditor, debtor=debtor, due_date=D(2026, 10, 1))
        ClaimFactory(creditor=creditor, debtor=debtor, due_date=D(2026, 10, 5))
    dossier = first.dossier
    templates = [
        t for t in MessageTemplate.objects.filter(is_current=True) if t.debtor_kind in ("", kind)
    ]
    assert len(templates) >= 10
    for template in templates:
        document = rendering.render_document(
            template,
            dossier,
            on=ON,
            extra={"call_date": "20/11/2026", "commitment_amount": "100,00 €"},
        )
        where = f"{template.code} ({template.channel}, {name})"
        texts = [flat(document.text), flat(document.subject)]
        if template.channel != Channel.SMS:
            # The layout's own sentences too (the e-mail's HTML and the printed letter), where
            # the total may read « au moins … » (a rate not published): « montant d'au moins ».
            texts += [layout_text(document.html), layout_text(document.print_html)]
        for text in texts:
            found = WRONG.search(text)
            assert not found, f"{where} : « {text[max(found.start() - 40, 0) : found.end() + 40]} »"
        if template.channel != Channel.SMS:
            assert f"Le service recouvrement {after_de}" in flat(document.text), where
        if template.kind in ("firm", "formal_notice"):
            assert "au titre des factures n° " in flat(document.text), where
        if template.kind != "thank_you" and template.channel != Channel.SMS:
            assert "pour le compte du créancier mandant" in flat(document.text), where
            if kind == "professional" and template.kind in ("firm", "formal_notice"):
                assert "au taux de 12,00 % l'an" in flat(document.text), where


@pytest.mark.django_db
def test_the_thank_you_thanks_confirms_the_sums_and_the_zero_balance_and_nothing_else(frozen):
    """Seen: after the payment that cleared a dossier, « Merci pour votre règlement » still held
    « Comment régler… en ligne » with ``montant=0.00`` and an invitation to contest."""
    with frozen(D(2026, 9, 1)):
        # Paid late: the thank-you goes once nothing is owed, the accessories waived by policy.
        claim = ClaimFactory(
            creditor=CreditorFactory(legal_name="Atlantique Négoce", waives_accessories=True),
            debtor=DebtorFactory(),
            due_date=D(2026, 10, 1),
            amount=Decimal("1200.00"),
        )
    CreditorMessaging.objects.create(
        creditor=claim.creditor,
        thank_you_enabled=True,
        payment_link_pattern="https://paiement.example.fr/?facture={invoice}&montant={amount}",
    )
    from tests.courriers.test_letters_delivery import delivery_on_commit

    for day, amount in ((D(2026, 11, 2), "200.00"), (D(2026, 11, 5), "1000.00")):
        with frozen(day), delivery_on_commit():
            dossier_services.payment_record(
                dossier=claim.dossier,
                amount=Decimal(amount),
                received_on=day,
                actor=None,
                reason="virement reçu",
            )
    sent = SentMessage.objects.get(dossier=claim.dossier, kind="thank_you")
    body = flat(mail.outbox[-1].body)
    for text in (flat(sent.body_text), body, flat(sent.body_html)):
        assert "nous vous en remercions" in text
        assert "200,00 € le 02/11/2026 ; 1 000,00 € le 05/11/2026" in text
        assert "soit 1 200,00 € au total" in text and "de 0,00 €" in text
        for asking in ("Comment régler", "montant=", "en ligne", "contester", "IBAN"):
            assert asking not in text, asking
    assert "Le service recouvrement d'Atlantique Négoce" in body
