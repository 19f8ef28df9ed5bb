"""Every template renders with its mandatory mentions (docs/legal.md §4), parsed back from the
PDF; consumers never read of an indemnity or a fee; forbidden wording is refused (§5); the same
reminder renders to the same bytes."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from courriers import evidence, rendering, versions
from courriers.models import CreditorMessaging, MessageTemplate, SentMessage
from dossiers.services import payment_record
from relances.models import Channel
from tests.courriers.letters_helpers import (
    DUE,
    STEP_DAYS,
    D,
    make_claim,
    pdf_text,
    reminder,
    walk_to,
)
from tests.factories import ClaimFactory

ON = D(2026, 11, 20)


def _templates_for(kind):
    return [
        t
        for t in MessageTemplate.objects.filter(is_current=True).exclude(channel=Channel.SMS)
        if t.debtor_kind in ("", kind)
    ]


def _extra(template):
    return {
        "plan_installments": [{"number": "1", "due_on": "01/12/2026", "amount": "600,00 €"}],
        "plan_accepted_on": "20/11/2026",
        "call_date": "20/11/2026",
        "commitment_amount": "1 200,00 €",
        "commitment_date": "10/12/2026",
        "dispute_opened_on": "20/11/2026",
        "dispute_reason": "qualité",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["professional", "consumer"])
def test_every_template_pdf_carries_the_mandatory_mentions(frozen, kind):
    """docs/legal.md §4: creditor identity, invoices with dates, amounts and days overdue, how to
    pay, whom to contact, the GDPR notice; penalties and the 40 EUR indemnity only for a
    professional from the firm reminder on (C. com. L441-10 II, D441-5)."""
    claim = make_claim(frozen, kind=kind)
    creditor = claim.creditor
    templates = _templates_for(kind)
    assert len(templates) >= 9
    for template in templates:
        document = rendering.render_document(template, claim.dossier, on=ON, extra=_extra(template))
        text = pdf_text(document.pdf)
        where = f"{template.code} ({template.channel})"
        for mention in [
            creditor.legal_name,
            f"SIREN {creditor.siren}",
            creditor.contact_email,
            creditor.contact_phone,
            "gestion des impayés",
            creditor.dpo_contact,
            claim.dossier.reference,
        ]:
            assert mention in text, f"{where} : « {mention} » manque"
        # A long address may wrap at a slash: compare without the line break.
        assert creditor.privacy_policy_url in text.replace("/ ", "/"), where
        if template.kind != "thank_you":
            assert creditor.iban in text, where  # how to pay (the thank-you asks for nothing)
            for mention in [claim.invoice_number, "01/09/2026", "01/10/2026", "1 200,00 €"]:
                assert mention in text, f"{where} : « {mention} » manque"
            assert "Jours de retard" in text and " 50 " in text, where  # 01/10 → 20/11
        with_penalties = template.kind in ("firm", "formal_notice") and kind == "professional"
        if with_penalties:
            assert "Indemnité forfaitaire pour frais de recouvrement de 40,00 €" in text, where
            assert "Pénalités de retard exigibles" in text, where
        if kind == "consumer":
            lowered = text.lower()
            for word in ["indemnité", "40,00 €", "frais de recouvrement", "pénalités", "frais de"]:
                assert word not in lowered, f"{where} : « {word} » écrit à un consommateur"
        if template.kind == "formal_notice":
            # Friday 20/11 + 2 working days (expected delivery, Tuesday 24/11) + 8 days.
            assert "Date limite de paiement : 02/12/2026" in text
            assert "injonction de payer" in text
            # What runs after the notice: legal interest for a consumer (C. civ. 1231-6), the
            # L441-10 penalties between professionals.
            assert ("1231-6" if kind == "consumer" else "L441-10") in text
            assert "1344" in text


@pytest.mark.django_db
def test_formal_notice_deadline_moves_off_a_closed_day(frozen):
    """CPC 641-642: sent Friday 30/10/2026, expected Tuesday 03/11 (2 working days, Sunday
    01/11 All Saints aside), + 8 days = Wednesday 11/11 (Armistice) → Thursday 12/11."""
    claim = make_claim(frozen)
    template = versions.template_for("mise-en-demeure-pro", Channel.REGISTERED_LETTER)
    document = rendering.render_document(template, claim.dossier, on=D(2026, 10, 30))
    assert "Date limite de paiement : 12/11/2026" in pdf_text(document.pdf)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["professional", "consumer"])
def test_a_collection_agency_adds_the_r124_4_mentions(frozen, kind):
    """CPCE R124-4: agency and principal identity, the sum split, L111-8 word for word."""
    claim = make_claim(frozen, kind=kind, agency=True)
    CreditorMessaging.objects.create(
        creditor=claim.creditor,
        principal_name="Matériaux Bernard SA",
        principal_address="5 quai des Chartrons, 33000 Bordeaux",
    )
    template = versions.template_for("relance-ferme", Channel.LETTER, kind)
    text = pdf_text(rendering.render_document(template, claim.dossier, on=ON).pdf)
    assert "société de recouvrement amiable de créances pour le compte de tiers" in text
    assert "pour le compte de Matériaux Bernard SA, 5 quai des Chartrons" in text
    assert "Somme due : principal 1 200,00 €" in text
    assert (
        "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du" in text
    )
    assert "débiteur de mauvaise foi. »" in text
    if kind == "consumer":
        assert "Indemnité forfaitaire" not in text and "40,00 €" not in text


@pytest.mark.django_db
def test_a_consumer_walked_to_the_formal_notice_never_reads_of_indemnity_or_fees(frozen, walk):
    claim = make_claim(frozen, kind="consumer")
    walk_to(walk, claim, D(2026, 11, 3))
    sent = list(SentMessage.objects.filter(dossier=claim.dossier))
    assert {s.kind for s in sent} >= {"amicable", "firm"}
    for message in sent:
        for text in (message.body_text, message.body_html, pdf_text(message.pdf.read())):
            lowered = text.lower()
            assert "indemnité" not in lowered and "frais de recouvrement" not in lowered
            assert "40,00" not in lowered and "pénalité" not in lowered


@pytest.mark.django_db
def test_a_template_with_a_forbidden_phrase_is_refused_with_the_reason(admin_user):
    with pytest.raises(ValidationError) as refused:
        versions.template_save(
            actor=admin_user,
            code="relance-test",
            channel=Channel.EMAIL,
            kind="firm",
            label="Relance musclée",
            subject="Dernier rappel — {{ reference }}",
            body="Payez {{ unpaid_total }} immédiatement sous peine de poursuites.",
            debtor_kind="professional",
        )
    message = " ".join(refused.value.messages)
    assert "sous peine de" in message and "L121-6" in message
    assert not MessageTemplate.objects.filter(code="relance-test").exists()

    with pytest.raises(ValidationError) as fees:
        versions.template_save(
            actor=admin_user,
            code="relance-test",
            channel=Channel.EMAIL,
            kind="amicable",
            label="Relance",
            subject="Relance",
            body="Des frais de dossier de 15 € s'ajoutent.",
            debtor_kind="consumer",
        )
    assert "CPCE L111-8" in " ".join(fees.value.messages)

    with pytest.raises(ValidationError) as unknown:
        versions.template_save(
            actor=admin_user,
            code="relance-test",
            channel=Channel.EMAIL,
            kind="amicable",
            label="Relance",
            subject="Relance",
            body="Bonjour {{ debtor.contacts }}",
        )
    assert "Variable inconnue" in " ".join(unknown.value.messages)


@pytest.mark.django_db
def test_a_used_template_is_never_edited_a_new_version_replaces_it(frozen, walk, admin_user):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    used = SentMessage.objects.get(dossier=claim.dossier).template
    original_body = used.body

    new = versions.template_save(
        actor=admin_user,
        template=used,
        code=used.code,
        channel=used.channel,
        kind=used.kind,
        label=used.label,
        subject=used.subject,
        body=used.body + "\n\nMerci de votre confiance.",
        debtor_kind=used.debtor_kind,
    )

    used.refresh_from_db()
    assert new.pk != used.pk and new.version == used.version + 1 and new.is_current
    assert used.body == original_body and not used.is_current
    assert versions.template_for(used.code, used.channel) == new
    # A version nobody used yet is simply corrected.
    again = versions.template_save(
        actor=admin_user,
        code=new.code,
        channel=new.channel,
        kind=new.kind,
        label=new.label,
        subject=new.subject,
        body=new.body + " Bien à vous.",
        debtor_kind=new.debtor_kind,
    )
    assert again.pk == new.pk and again.version == new.version


@pytest.mark.django_db
def test_the_same_reminder_renders_to_the_same_bytes_dated_by_the_reminder(frozen, walk):
    """The same letter on the same day renders to the same bytes (its metadata are dated by
    the day of the letter); rendered another day, it is dated that day (issue #18)."""
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r30-courrier"])
    letter = reminder(claim, "r30-courrier")

    first = rendering.render_letter(letter, on=letter.scheduled_for)
    with frozen(D(2026, 11, 25)):
        second = rendering.render_letter(letter, on=letter.scheduled_for)
        later = rendering.render_letter(letter)

    assert first == second
    assert later != first and ", le 25/11/2026" in pdf_text(later)
    assert first.startswith(b"%PDF-")
    info = PdfReader(io.BytesIO(first)).metadata
    assert info.creation_date.date() == letter.scheduled_for
    assert info.title.startswith("Dernière relance avant mise en demeure")
    # Stored evidence is the same document.
    sent = SentMessage.objects.get(reminder=letter)
    assert sent.pdf.read() == first


@pytest.mark.django_db
def test_what_went_out_is_never_edited(frozen, walk):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    sent = SentMessage.objects.get(dossier=claim.dossier)
    sent.subject = "Autre objet"
    with pytest.raises(ValueError, match="jamais modifiée"):
        sent.save()
    sent.refresh_from_db()
    assert sent.subject.startswith("Relance : facture(s) impayée(s)")


@pytest.mark.django_db
def test_the_letter_is_a4_with_the_address_in_the_window_and_numbered_pages(frozen):
    """A French DL window envelope shows the address 110 mm from the left edge and about
    50 mm from the top of the sheet."""
    import pdfplumber

    claim = make_claim(frozen)
    template = versions.template_for("mise-en-demeure-pro", Channel.REGISTERED_LETTER)
    pdf = rendering.render_document(template, claim.dossier, on=ON).pdf
    mm = 25.4 / 72
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        first = document.pages[0]
        assert (round(first.width * mm), round(first.height * mm)) == (210, 297)
        name = claim.dossier.debtor.name.split()[0]
        (word,) = [w for w in first.extract_words() if w["text"] == name]
        assert 105 <= word["x0"] * mm <= 115 and 45 <= word["top"] * mm <= 60
        pages = len(document.pages)
        assert f"Page 1 / {pages}" in first.extract_text()
    assert PdfReader(io.BytesIO(pdf)).metadata.author == claim.creditor.legal_name


@pytest.mark.django_db
def test_kept_evidence_holds_the_rendered_pdf_and_its_hash(frozen, walk):
    import hashlib

    claim = make_claim(frozen)
    with frozen(STEP_DAYS["r7-email"]):
        from relances import services

        services.run_cadence(on=STEP_DAYS["r7-email"])  # delivery queued, not run
    planned = reminder(claim, "r7-email")
    pdf = rendering.render_letter(planned)

    kept = evidence.keep_reminder_evidence(planned)

    assert (
        kept.pdf_sha256
        == hashlib.sha256(pdf).hexdigest()
        == hashlib.sha256(kept.pdf.read()).hexdigest()
    )
    assert kept.recipient == claim.dossier.debtor.contacts.get().email
    assert kept.html_sha256 == hashlib.sha256(kept.body_html.encode()).hexdigest()


@pytest.mark.django_db
def test_a_letter_reads_its_facts_in_the_same_few_queries_whatever_its_claims(frozen, walk):
    """Once the reminder is read: it again with its dossier, parties and step, the debtor's
    contacts, the template, the two rate tables, the claims with their payments, the payment
    plans, the prescription events, the open disputes, whether reminders went out and the
    debtor's personal link (portail); twelve queries for one claim as for four, paid in part."""
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r30-courrier"])
    letter = reminder(claim, "r30-courrier")
    with CaptureQueriesContext(connection) as one:
        rendering.render_letter(letter)

    with frozen(D(2026, 11, 3)):
        for number in range(3):
            ClaimFactory(
                creditor=claim.creditor,
                debtor=claim.dossier.debtor,
                invoice_number=f"FA-AUTRE-{number}",
                due_date=DUE,
            )
        payment_record(
            dossier=claim.dossier, amount=Decimal("500"), received_on=D(2026, 11, 3), actor=None
        )
    assert claim.dossier.claims.count() == 4
    with CaptureQueriesContext(connection) as four:
        pdf = rendering.render_letter(letter)

    assert "FA-AUTRE-2" in pdf_text(pdf)
    assert len(one) == len(four) == 12


@pytest.mark.django_db
def test_a_prescribed_invoice_is_left_out_of_the_letter_the_others_stay(frozen):
    """C. conso. L218-2: a consumer's invoice due on 01/09/2024 is prescribed after 01/09/2026.
    The letter of 20/11/2026 names and totals only the invoice still enforceable (docs/legal.md
    §3: a prescribed claim is never reminded as if it could be enforced)."""
    claim = make_claim(frozen, kind="consumer")
    with frozen(D(2024, 8, 1)):
        ClaimFactory(
            creditor=claim.creditor,
            debtor=claim.dossier.debtor,
            invoice_number="FA-ANCIENNE-1",
            issue_date=D(2024, 8, 1),
            due_date=D(2024, 9, 1),
            amount=Decimal("700.00"),
        )
    from dossiers.models import Dossier

    dossier = Dossier.objects.get(pk=claim.dossier_id)
    assert dossier.claims.count() == 2  # the same dossier (same creditor and debtor)
    template = versions.template_for("relance-ferme", Channel.LETTER, "consumer")
    text = pdf_text(rendering.render_document(template, dossier, on=ON).pdf)
    assert claim.invoice_number in text
    assert "FA-ANCIENNE-1" not in text and "700,00" not in text
    assert "1 200,00 €" in text and "1 900,00" not in text


@pytest.mark.django_db
def test_a_letter_states_the_total_as_a_lower_bound_when_a_rate_is_missing(frozen):
    """C. com. L441-10 II, D441-5: the firm reminder of an invoice of 1 200 € due 01/10/2026, on
    20/11/2026, with no rate for the 2nd half of 2026: no day of penalties can be computed, the
    total is at least 1 200 + 40 = 1 240 €, said so, never « à calculer »."""
    claim = make_claim(frozen)
    template = versions.template_for("relance-ferme", Channel.LETTER, "professional")
    document = rendering.render_document(template, claim.dossier, on=ON)
    text = " ".join(document.text.replace("\xa0", " ").replace("\u202f", " ").split())
    assert (
        "Total à régler : au moins 1 240,00 €, calcul arrêté au 01/10/2026, taux du 2nd "
        "semestre 2026 non publié"
    ) in text
    assert "à calculer" not in text
