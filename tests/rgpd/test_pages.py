"""The DPO's pages: who may open them, what they show, and the rights they carry out."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from dossiers import services
from dossiers.models import Debtor, DebtorContact, Dossier
from dossiers.services import work
from rgpd.models import RightsRequest
from rgpd.services import purge_run
from tests.factories import ClaimFactory, ConsumerFactory, CreditorFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def debtor(db):
    debtor = ConsumerFactory(
        name="Odilon Frésnel",
        contacts=[{"role": "collection", "name": "Odilon Frésnel", "email": "odilon@exemple.fr"}],
    )
    ClaimFactory(debtor=debtor, amount=Decimal("320.00"))
    return debtor


def test_only_the_dpo_and_managers_open_the_dashboard(client, controller, manager, dpo):
    client.force_login(controller)
    assert client.get(reverse("rgpd:dashboard")).status_code == 403
    for user in (manager, dpo):
        client.force_login(user)
        assert client.get(reverse("rgpd:dashboard")).status_code == 200


def test_dashboard_counts_purges_due_and_lists_certificates(
    client, dpo, django_assert_max_num_queries
):
    today = datetime.date.today()
    for days in (10, 60):
        claim = ClaimFactory(debtor=ConsumerFactory())
        Dossier.objects.filter(pk=claim.dossier_id).update(
            closed_on=F("opened_on"),
            purge_on=today + datetime.timedelta(days),
        )
    purge_run(today, actor=dpo)
    client.force_login(dpo)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("rgpd:dashboard"))
    d = response.context["d"]
    assert (d.due_30, d.due_90, d.overdue) == (1, 2, 0)
    assert "Purges exécutées et certificats" in page(response)
    assert reverse("rgpd:certificate", args=[d.certificates[0].pk]) in page(response)


def test_register_page_and_pdf_state_each_creditors_legal_basis(client, dpo):
    CreditorFactory(
        legal_name="Verrerie Lambert SA",
        legal_basis="legitimate_interest",
        balancing_test="Recouvrer une créance certaine ; atteinte limitée aux coordonnées.",
    )
    client.force_login(dpo)
    response = client.get(reverse("rgpd:register"))
    assert "Verrerie Lambert SA" in page(response)
    assert "Recouvrer une créance certaine" in page(response)
    assert "article 6-1-f" in page(response)
    pdf = client.get(reverse("rgpd:register_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_subject_access_export_holds_everything_on_the_debtor(client, dpo, debtor):
    client.force_login(dpo)
    response = client.get(reverse("rgpd:export_json", args=[debtor.pk]))
    data = json.loads(response.content)
    tables = {s["table"]: s["lignes"] for s in data["sections"]}
    assert tables["Débiteurs"][0]["nom ou raison sociale"] == "Odilon Frésnel"
    assert tables["Contacts du débiteur"][0]["e-mail"] == "odilon@exemple.fr"
    claims = next(rows for name, rows in tables.items() if name.startswith("Créance"))
    amounts = [str(row[k]) for row in claims for k in row if "montant" in k.lower()]
    assert "320.00" in amounts
    pdf = client.get(reverse("rgpd:export_pdf", args=[debtor.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_subject_access_export_holds_the_messages_sent_and_the_escalation(client, dpo, debtor):
    """Art. 15: the letters and e-mails sent to the person and the Go/No-Go reasoning about
    them are data held on them; every app of the project is read, whatever its layer."""
    from courriers.models import SentMessage
    from escalade.models import EscalationDecision

    dossier = debtor.dossiers.get()
    SentMessage.objects.create(
        dossier=dossier,
        kind="amicable",
        channel="email",
        recipient="odilon@exemple.fr",
        body_text="Madame, Monsieur, votre facture reste impayée.",
        text_sha256="0" * 64,
        sent_at=datetime.datetime(2026, 11, 23, 9, 30, tzinfo=datetime.UTC),
    )
    EscalationDecision.objects.create(
        dossier=dossier, route="amicable", reasoning="Débiteur de bonne foi, plan proposé."
    )
    client.force_login(dpo)
    data = json.loads(client.get(reverse("rgpd:export_json", args=[debtor.pk])).content)
    tables = {s["table"]: s["lignes"] for s in data["sections"]}
    assert tables["Envois"][0]["destinataire"] == "odilon@exemple.fr"
    assert "Débiteur de bonne foi" in json.dumps(tables["Décisions go/no-go"], ensure_ascii=False)


def test_managers_cannot_export_nor_decide(client, manager, debtor):
    # The manager's portfolio holds the debtor's creditor: they read its page, nothing more.
    debtor.dossiers.get().creditor.managers.add(manager)
    client.force_login(manager)
    assert client.get(reverse("rgpd:debtor", args=[debtor.pk])).status_code == 200
    assert client.get(reverse("rgpd:export_json", args=[debtor.pk])).status_code == 403
    assert client.post(reverse("rgpd:restriction", args=[debtor.pk])).status_code == 403


def test_a_manager_does_not_open_a_debtor_outside_their_portfolio(client, manager, debtor):
    client.force_login(manager)
    assert client.get(reverse("rgpd:debtor", args=[debtor.pk])).status_code == 404


def test_objection_accepted_by_the_dpo_restricts_the_processing(client, dpo, debtor):
    client.force_login(dpo)
    response = client.post(
        reverse("rgpd:request_new", args=[debtor.pk]),
        {"kind": "objection", "received_on": datetime.date.today().isoformat(), "details": "x"},
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    response = client.post(
        reverse("rgpd:request_decide", args=[request.pk]),
        {"status": "accepted", "decision": "Motifs propres à la situation du débiteur retenus."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted" and request.decided_by == dpo
    assert Debtor.objects.get(pk=debtor.pk).processing_restricted
    assert Dossier.objects.get(debtor=debtor).state == "restricted"
    assert request.history.first().history_user == dpo


def test_restriction_form_without_a_reason_changes_nothing(client, dpo, debtor):
    client.force_login(dpo)
    response = client.post(reverse("rgpd:restriction", args=[debtor.pk]), {"restricted": "1"})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in page(response)
    assert not Debtor.objects.get(pk=debtor.pk).processing_restricted


def test_rectification_is_journaled_with_the_dpo(client, dpo, debtor):
    client.force_login(dpo)
    contact = DebtorContact.objects.filter(debtor=debtor).order_by("pk").first()
    response = client.post(
        reverse("rgpd:rectify_contact", args=[debtor.pk, contact.pk]),
        {
            "name": "Odilon Fresnel",
            "email": "o.fresnel@exemple.fr",
            "phone": "",
            "reason": "art. 16",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.email == "o.fresnel@exemple.fr"
    last = contact.history.first()
    assert last.history_user == dpo and "art. 16" in last.history_change_reason


def test_dpo_reads_a_closed_dossier_but_a_controller_no_longer_sees_it(
    client, dpo, controller, manager
):
    claim = ClaimFactory(debtor=ConsumerFactory())
    claim.creditor.managers.add(manager)
    dossier = claim.dossier
    work.dossier_assign(dossier=dossier, assignee=controller, actor=manager, reason="test")
    client.force_login(controller)
    assert client.get(reverse("journee:dossier", args=[dossier.pk])).status_code == 200
    services.payment_record(
        dossier=dossier, amount=claim.amount, received_on=datetime.date.today(), actor=None
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.is_closed and dossier.purge_on
    client.force_login(dpo)
    response = client.get(reverse("journee:dossier", args=[dossier.pk]))
    assert response.status_code == 200
    assert f"purge RGPD le {dossier.purge_on:%d/%m/%Y}" in page(response)
    assert reverse("journee:payment", args=[dossier.pk]) not in page(response)
    assert client.get(reverse("journee:payment", args=[dossier.pk])).status_code == 403
    client.force_login(manager)
    assert client.post(reverse("journee:payment", args=[dossier.pk]), {}).status_code == 403
    client.force_login(controller)
    assert client.get(reverse("journee:dossier", args=[dossier.pk])).status_code == 404


def test_api_hides_closed_dossiers_from_controllers(client, controller, manager):
    open_claim = ClaimFactory(debtor=ConsumerFactory())
    closed = ClaimFactory(debtor=ConsumerFactory())
    # Both are the controller's and in the manager's portfolio: only the closure differs.
    for claim in (open_claim, closed):
        claim.creditor.managers.add(manager)
        work.dossier_assign(
            dossier=claim.dossier, assignee=controller, actor=manager, reason="test"
        )
    services.payment_record(
        dossier=closed.dossier, amount=closed.amount, received_on=datetime.date.today(), actor=None
    )
    client.force_login(controller)
    ids = {row["id"] for row in client.get("/api/v1/dossiers/").json()["results"]}
    assert ids == {open_claim.dossier_id}
    client.force_login(manager)
    ids = {row["id"] for row in client.get("/api/v1/dossiers/").json()["results"]}
    assert ids == {open_claim.dossier_id, closed.dossier_id}


def test_debtor_page_reads_in_a_fixed_number_of_queries(
    client, dpo, debtor, django_assert_max_num_queries
):
    for _ in range(3):
        ClaimFactory(debtor=debtor, creditor=CreditorFactory())
    RightsRequest.objects.create(debtor=debtor, kind="access", received_on=datetime.date.today())
    client.force_login(dpo)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("rgpd:debtor", args=[debtor.pk]))
    assert response.status_code == 200
    assert page(response).count("Exécution du contrat") == 4
