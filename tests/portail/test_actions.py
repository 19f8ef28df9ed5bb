"""What the debtor does on their page (issue #23), each through the controllers' services:
the dossier, the cadence and the journal after it; what is outside the creditor's rules is
refused in French and changes nothing."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Dispute, Dossier, Evidence, PaymentPlan, Promise, Task
from portail.models import PortalEvent, PortalSettings
from relances.models import DossierHold
from rgpd.models import RightsRequest
from tests.portail.conftest import R7

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def flat(response) -> str:
    text = html.unescape(response.content.decode())
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def opened(client, reminded, verified):
    """(dossier, link path) of a reminded professional, past the second factor."""
    dossier, path = reminded()
    verified(dossier, path)
    return dossier, path


def _event(dossier, kind) -> PortalEvent:
    return PortalEvent.objects.get(dossier=dossier, kind=kind)


def _journaled_by_the_debtor(model, **filters):
    row = model.history.filter(**filters).order_by("history_id").last()
    assert row.history_user is None
    assert row.history_change_reason.startswith("le débiteur (espace en ligne)")


def test_promise_within_the_limit_pauses_the_cadence_with_its_acknowledgment(
    client, opened, frozen
):
    dossier, path = opened
    due = R7 + datetime.timedelta(days=20)
    with frozen(R7):
        response = client.post(
            f"{path}promesse/",
            {"amount": "1200,00", "due_on": due.isoformat(), "acknowledge": "on"},
        )
        assert response.status_code == 302
        page = flat(client.get(response["Location"]))
    assert "Votre promesse de paiement est enregistrée" in page
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "promise"
    promise = Promise.objects.get(dossier=dossier)
    assert (promise.amount, promise.due_on) == (Decimal("1200.00"), due)
    _journaled_by_the_debtor(Promise, id=promise.pk)
    event = _event(dossier, "promise")
    assert event.checked_at is None and event.evidence.kind == Evidence.Kind.OTHER
    assert "2240" in event.evidence.description
    assert event.evidence.file.read().startswith(b"%PDF")
    assert "pour le" in page and "aucun rappel" in page


def test_promise_beyond_the_creditors_limit_is_refused_in_french(client, opened, frozen):
    dossier, path = opened
    PortalSettings.objects.create(creditor=dossier.creditor, promise_max_days=15)
    with frozen(R7):
        response = client.post(
            f"{path}promesse/",
            {
                "amount": "1200,00",
                "due_on": (R7 + datetime.timedelta(days=16)).isoformat(),
                "acknowledge": "on",
            },
        )
    text = flat(response)
    assert response.status_code == 400
    assert "Le créancier accepte une promesse à 15 jours au plus, soit jusqu'au 23/10/2026" in text
    assert 'role="alert"' in text
    assert not Promise.objects.filter(dossier=dossier).exists()
    assert Dossier.objects.get(pk=dossier.pk).state == "reminder_1"
    assert not PortalEvent.objects.filter(dossier=dossier, kind="promise").exists()


def test_promise_without_the_acknowledgment_is_refused(client, opened, frozen):
    dossier, path = opened
    with frozen(R7):
        response = client.post(f"{path}promesse/", {"amount": "100", "due_on": R7.isoformat()})
    assert response.status_code == 400
    assert "Cochez la case" in flat(response)
    assert not Promise.objects.filter(dossier=dossier).exists()


def test_plan_within_the_rules_is_accepted_at_once_with_its_schedule(client, opened, frozen):
    dossier, path = opened
    first = R7 + datetime.timedelta(days=7)
    with frozen(R7):
        response = client.post(
            f"{path}echeancier/",
            {"installments": "3", "first_due_on": first.isoformat(), "acknowledge": "on"},
        )
    assert response.status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == "payment_plan"
    plan = PaymentPlan.objects.get(dossier=dossier, status="active")
    assert [(i.due_on, i.amount) for i in plan.installments.all()] == [
        (first, Decimal("400.00")),
        (datetime.date(2026, 11, 15), Decimal("400.00")),
        (datetime.date(2026, 12, 15), Decimal("400.00")),
    ]
    _journaled_by_the_debtor(PaymentPlan, id=plan.pk)
    event = _event(dossier, "plan")
    assert event.evidence.file.read().startswith(b"%PDF")


def test_the_schedule_and_the_promise_kept_are_signed_when_a_certificate_is_configured(
    client, opened, frozen, signing_certificate
):
    """Like the letters (docs/journal.md §6): the PDF kept as evidence is sealed PAdES."""
    dossier, path = opened
    first = R7 + datetime.timedelta(days=7)
    with frozen(R7):
        client.post(
            f"{path}echeancier/",
            {"installments": "3", "first_due_on": first.isoformat(), "acknowledge": "on"},
        )
    schedule = _event(dossier, "plan").evidence.file.read()
    assert schedule.startswith(b"%PDF") and b"/ETSI.CAdES.detached" in schedule


def test_plan_outside_the_rules_is_refused_in_french_then_sent_for_approval(client, opened, frozen):
    dossier, path = opened
    PortalSettings.objects.create(
        creditor=dossier.creditor, plan_max_installments=4, plan_min_installment=Decimal("300")
    )
    form = {
        "installments": "6",
        "first_due_on": (R7 + datetime.timedelta(days=7)).isoformat(),
        "acknowledge": "on",
    }
    with frozen(R7):
        refused = client.post(f"{path}echeancier/", form)
        text = flat(refused)
        assert refused.status_code == 400
        assert "Cet échéancier ne peut pas être accepté en ligne" in text
        assert "4 mensualités au plus" in text
        assert "au moins 300,00 €" in text
        assert not PaymentPlan.objects.filter(dossier=dossier).exists()
        assert not PortalEvent.objects.filter(dossier=dossier, kind="plan_proposed").exists()
        sent = client.post(f"{path}echeancier/", {**form, "pour_examen": "1"})
    assert sent.status_code == 302
    assert not PaymentPlan.objects.filter(dossier=dossier).exists()
    assert Dossier.objects.get(pk=dossier.pk).state == "reminder_1"
    event = _event(dossier, "plan_proposed")
    assert event.checked_at is None and "6 mensualités" in event.summary


def test_contest_opens_a_dispute_with_its_attachment_and_pauses_the_cadence(client, opened, frozen):
    dossier, path = opened
    claim = dossier.claims.get()
    with frozen(R7):
        response = client.post(
            f"{path}contestation/",
            {
                "reason": "quality",
                "claim": str(claim.pk),
                "description": "Marchandise livrée abîmée.",
                "attachment": SimpleUploadedFile("photo.pdf", PDF, "application/pdf"),
            },
        )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == "disputed"
    dispute = Dispute.objects.get(dossier=dossier)
    assert (dispute.claim, dispute.reason) == (claim, "quality")
    event = _event(dossier, "dispute")
    assert event.evidence.original_name == "photo.pdf"


def test_contest_attachment_of_a_disguised_type_is_refused_and_nothing_changes(
    client, opened, frozen
):
    dossier, path = opened
    with frozen(R7):
        response = client.post(
            f"{path}contestation/",
            {
                "reason": "other",
                "description": "Voir pièce",
                "attachment": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" * 20),
            },
        )
    assert response.status_code == 400
    assert "Type de fichier refusé" in flat(response)
    assert not Dispute.objects.filter(dossier=dossier).exists()
    assert not Evidence.objects.filter(dossier=dossier).exists()
    assert Dossier.objects.get(pk=dossier.pk).state == "reminder_1"


def test_already_paid_makes_a_task_and_holds_the_cadence_a_few_days(client, opened, frozen):
    dossier, path = opened
    with frozen(R7):
        response = client.post(
            f"{path}deja-paye/",
            {
                "paid_on": (R7 - datetime.timedelta(days=2)).isoformat(),
                "amount": "1200",
                "method": "virement",
                "proof": SimpleUploadedFile("avis.pdf", PDF, "application/pdf"),
            },
        )
    assert response.status_code == 302
    task = Task.objects.get(dossier=dossier, kind="payment_claimed")
    assert "1 200,00" in task.note.replace("\u202f", " ").replace("\xa0", " ")
    hold = DossierHold.objects.get(dossier=dossier)
    assert hold.until == R7 + datetime.timedelta(days=7)
    assert Dossier.objects.get(pk=dossier.pk).payments.count() == 0  # nothing recorded as paid
    assert _event(dossier, "already_paid").evidence.original_name == "avis.pdf"


def test_already_paid_without_proof_is_refused(client, opened, frozen):
    dossier, path = opened
    with frozen(R7):
        response = client.post(
            f"{path}deja-paye/", {"paid_on": R7.isoformat(), "amount": "10", "method": "cheque"}
        )
    assert response.status_code == 400
    assert "Joignez un justificatif" in flat(response)
    assert not Task.objects.filter(dossier=dossier, kind="payment_claimed").exists()


def test_new_contact_details_wait_for_the_controllers_check(client, opened, frozen):
    dossier, path = opened
    before = list(dossier.debtor.contacts.values_list("email", flat=True))
    with frozen(R7):
        response = client.post(f"{path}coordonnees/", {"email": "nouveau@example.fr"})
    assert response.status_code == 302
    assert list(dossier.debtor.contacts.values_list("email", flat=True)) == before
    event = _event(dossier, "contact")
    assert "nouveau@example.fr" in event.details and "e-mail" in event.summary


def test_gdpr_request_goes_into_the_dpos_queue(client, opened, frozen):
    dossier, path = opened
    with frozen(R7):
        response = client.post(
            f"{path}donnees-personnelles/",
            {"kind": "objection", "details": "Je m'oppose à la prospection."},
        )
    assert response.status_code == 302
    request = RightsRequest.objects.get(debtor=dossier.debtor)
    assert (request.kind, request.status, request.received_on) == ("objection", "open", R7)
    assert _event(dossier, "rights").summary.startswith(f"Demande RGPD n° {request.pk}")


def test_a_creditor_can_limit_the_actions(client, opened, frozen):
    dossier, path = opened
    PortalSettings.objects.create(creditor=dossier.creditor, allow_promise=False)
    with frozen(R7):
        page = flat(client.get(f"{path}dossier/"))
        assert "Promettre un paiement" not in page and "Proposer un échéancier" in page
        response = client.post(
            f"{path}promesse/", {"amount": "1", "due_on": R7.isoformat(), "acknowledge": "on"}
        )
    assert response.status_code == 302 and response["Location"].endswith("/dossier/")
    assert not Promise.objects.filter(dossier=dossier).exists()


def test_actions_need_the_second_factor(client, reminded, frozen):
    dossier, path = reminded()
    with frozen(R7):
        response = client.post(
            f"{path}promesse/", {"amount": "1", "due_on": R7.isoformat(), "acknowledge": "on"}
        )
    assert response.status_code == 302 and response["Location"] == path
    assert not Promise.objects.filter(dossier=dossier).exists()
