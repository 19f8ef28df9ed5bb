"""The facts of many dossiers' claims read as rows (``selectors.dossiers_claim_facts``, what a
bank statement's cleared dossiers read once for their accessories and purge dates) are the
facts ``claim_facts`` reads claim by claim: payments, credit notes, a payment the bank took
back, a payment plan, an act covering the dossier and one covering a single invoice."""

import datetime
from decimal import Decimal

import pytest

from dossiers import selectors, services
from dossiers.models import Claim, Dossier, Payment, PrescriptionEvent
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_facts_read_as_rows_are_the_facts_read_claim_by_claim(controller):
    creditor, debtor = CreditorFactory(), DebtorFactory()
    first = ClaimFactory(
        creditor=creditor, debtor=debtor, invoice_number="FA-1",
        issue_date=datetime.date(2026, 5, 1), amount=D("300.00"),
    )  # fmt: skip
    second = ClaimFactory(
        creditor=creditor, debtor=debtor, invoice_number="FA-2",
        issue_date=datetime.date(2026, 7, 1), amount=D("500.00"),
    )  # fmt: skip
    other = ClaimFactory(issue_date=datetime.date(2026, 6, 1), amount=D("80.00"))
    dossier = first.dossier
    assert second.dossier_id == dossier.pk
    pay = services.payment_record(
        dossier=dossier, amount=D("120.00"), received_on=datetime.date(2026, 8, 3),
        actor=controller, reference="VIR 1",
    )  # fmt: skip
    services.payment_record(
        dossier=dossier, amount=D("50.00"), received_on=datetime.date(2026, 8, 20),
        actor=controller, kind=Payment.Kind.CREDIT_NOTE, reference="AV-1",
    )  # fmt: skip
    services.payment_record(
        dossier=dossier, amount=D("200.00"), received_on=datetime.date(2026, 9, 1),
        actor=controller, reference="VIR 2",
    )  # fmt: skip
    services.payment_reverse(
        payment=pay, actor=controller, reason="rejet", on=datetime.date(2026, 9, 5)
    )
    services.plan_accept(
        dossier=Dossier.objects.get(pk=dossier.pk),
        installments=[(datetime.date(2026, 12, 1), D("550.00"))],
        actor=controller,
        on=datetime.date(2026, 6, 15),
    )
    for kind, claim in ((PrescriptionEvent.Kind.WRITTEN_ACKNOWLEDGMENT, None),
                        (PrescriptionEvent.Kind.TIME_REQUEST, second)):  # fmt: skip
        services.prescription_event_record(
            dossier=dossier, kind=kind, occurred_on=datetime.date(2026, 6, 10),
            actor=controller, reason="pièce reçue", claim=claim,
        )  # fmt: skip
    dossiers = list(
        Dossier.objects.filter(pk__in=[dossier.pk, other.dossier_id]).select_related(
            "debtor", "creditor"
        )
    )
    rows = selectors.dossiers_claim_facts(dossiers)
    for pk in (dossier.pk, other.dossier_id):
        expected = {
            c.pk: (selectors.claim_facts(c), c.formal_notice_on, c.cancelled_on)
            for c in selectors.claims_for_figures(Claim.objects.filter(dossier_id=pk))
        }
        assert {r.pk: (r.facts, r.formal_notice_on, r.cancelled_on) for r in rows[pk]} == expected
    facts = {r.pk: r.facts for r in rows[dossier.pk]}
    # FA-1: 120 € taken back by the bank (counts for nothing), 50 € credit note (no prescription
    # event), then 130 € of the 200 € payment.
    assert [amount for _, amount in facts[first.pk].payments] == [D("130.00")]
    assert [amount for _, amount in facts[first.pk].credit_notes] == [D("50.00")]
    # The acknowledgment and the plan (before FA-2 was issued) cover FA-1; the request for time
    # names FA-2 alone.
    labels = {pk: [e.label for e in facts[pk].prescription_events] for pk in facts}
    assert labels[first.pk][1:] == ["Échéancier accepté", "Reconnaissance écrite de la dette"]
    assert labels[second.pk][1:] == ["Demande de délai de paiement"]
