"""Who sees what, beyond the URL matrix: the unassigned pool, manager portfolios, the DPO who
reads without acting, and ids guessed through the API and the admin."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import scoping
from dossiers.models import Dossier, Payment
from tests.factories import ClaimFactory, CreditorFactory

pytestmark = pytest.mark.django_db


def test_controller_sees_the_unassigned_pool_only_where_the_manager_opened_it(client, controller):
    opened = ClaimFactory(creditor=CreditorFactory(unassigned_pool_open=True)).dossier
    closed = ClaimFactory(creditor=CreditorFactory()).dossier
    assert list(scoping.visible_dossiers(controller)) == [opened]
    client.force_login(controller)
    assert client.get(reverse("journee:dossier", args=[opened.pk])).status_code == 200
    assert client.get(reverse("journee:dossier", args=[closed.pk])).status_code == 404
    page = client.get(reverse("journee:worklist"), {"tous": "1"}).content.decode()
    assert opened.debtor.name in page and closed.debtor.name not in page


def test_manager_sees_the_creditors_in_their_charge_and_nothing_else(manager):
    mine = ClaimFactory().dossier
    mine.creditor.managers.add(manager)
    ClaimFactory()
    assert list(scoping.visible_dossiers(manager)) == [mine]
    assert list(scoping.editable_dossiers(manager)) == [mine]
    assert list(scoping.visible_creditors(manager)) == [mine.creditor]


def test_dpo_reads_every_dossier_but_may_act_on_none(client, world):
    dpo = world.users["dpo"]
    assert scoping.visible_dossiers(dpo).count() == Dossier.objects.count() == 2
    assert not scoping.editable_dossiers(dpo).exists()
    client.force_login(dpo)
    dossier = world.mine.dossier
    page = client.get(reverse("journee:dossier", args=[dossier.pk])).content.decode()
    assert dossier.reference in page
    assert "Journal d'appel" not in page and "Valider et envoyer" not in page
    before = Payment.objects.count()
    response = client.post(
        reverse("journee:payment", args=[dossier.pk]),
        {"amount": "50,00", "received_on": "23/11/2026", "method": "transfer"},
    )
    assert response.status_code == 403
    assert Payment.objects.count() == before


def test_controller_guessing_ids_in_the_api_gets_nothing(world):
    client = APIClient()
    client.force_authenticate(world.users["controller"])
    theirs = world.theirs
    assert client.get(f"/api/v1/dossiers/{theirs.dossier.pk}/").status_code == 404
    assert client.get(f"/api/v1/claims/{theirs.claim.pk}/").status_code == 404
    listed = client.get("/api/v1/dossiers/").json()["results"]
    assert [row["id"] for row in listed] == [world.mine.dossier.pk]
    filtered = client.get("/api/v1/claims/", {"dossier": theirs.dossier.pk}).json()
    assert filtered["results"] == []
    before = Payment.objects.count()
    response = client.post(
        "/api/v1/payments/",
        {"dossier": theirs.dossier.pk, "amount": "5.00", "received_on": "2026-11-23"},
        format="json",
    )
    assert response.status_code == 400
    assert "dossier" in response.json()
    assert Payment.objects.count() == before


def test_controller_guessing_ids_in_the_admin_gets_nothing(client, world):
    client.force_login(world.users["controller"])
    listing = client.get("/admin/dossiers/dossier/").content.decode()
    assert world.mine.dossier.debtor.name in listing
    assert world.theirs.dossier.debtor.name not in listing
    response = client.get(f"/admin/dossiers/dossier/{world.theirs.dossier.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect, nothing shown
    claims = client.get("/admin/dossiers/claim/").content.decode()
    assert world.theirs.claim.invoice_number not in claims


def test_controller_cannot_download_another_dossiers_evidence(client, world):
    client.force_login(world.users["controller"])
    theirs = world.theirs.objects
    own = world.mine.objects
    url = reverse("journee:evidence_file", args=[own["pk"], own["evidence_pk"]])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # Their evidence, through their dossier or smuggled under mine: not found.
    assert (
        client.get(
            reverse("journee:evidence_file", args=[theirs["pk"], theirs["evidence_pk"]])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("journee:evidence_file", args=[own["pk"], theirs["evidence_pk"]])
        ).status_code
        == 404
    )


def test_manager_opens_the_pool_of_their_creditor_and_a_controller_then_sees_it(
    client, controller, manager
):
    unassigned = ClaimFactory().dossier
    creditor = unassigned.creditor
    creditor.managers.add(manager)
    foreign = CreditorFactory()
    client.force_login(manager)
    page = client.get(reverse("journee:portfolio")).content.decode()
    assert creditor.legal_name in page and foreign.legal_name not in page
    # Another manager's creditor cannot be opened, even by posting its id.
    url = reverse("journee:portfolio")
    assert client.post(url, {"creditor": foreign.pk, "pool": "1"}).status_code == 404
    assert client.post(url, {"creditor": creditor.pk, "pool": "1"}).status_code == 302
    creditor.refresh_from_db()
    assert creditor.unassigned_pool_open
    assert "portefeuille du responsable" in creditor.history.first().history_change_reason
    assert creditor.history.first().history_user == manager
    assert list(scoping.visible_dossiers(controller)) == [unassigned]
    foreign.refresh_from_db()
    assert not foreign.unassigned_pool_open


def test_lists_of_other_apps_show_a_manager_only_their_portfolio(client, world):
    """Go/No-Go waiting list, GDPR debtor search and e-invoicing statuses start from the scope."""
    from django.utils import timezone

    from relances.models import CadenceStep, Reminder, Stage

    Dossier.objects.filter(pk__in=[world.mine.dossier.pk, world.theirs.dossier.pk]).update(
        state="go_no_go"
    )
    notice = CadenceStep.objects.filter(stage=Stage.FORMAL_NOTICE).first()
    for dossier in (world.mine.dossier, world.theirs.dossier):  # a notice that went out
        Reminder.objects.create(
            dossier=dossier,
            step=notice,
            cycle=1,
            channel=notice.channel,
            status=Reminder.Status.SENT,
            scheduled_for=timezone.localdate(),
            sent_at=timezone.now(),
        )
    client.force_login(world.users["manager"])
    page = client.get(reverse("escalade:decisions")).content.decode()
    assert world.mine.dossier.creditor.legal_name in page  # references restart per creditor
    assert world.theirs.dossier.creditor.legal_name not in page
    found = client.get(reverse("rgpd:debtors"), {"q": "Moreau"}).content.decode()
    mine, theirs = world.mine.dossier.debtor, world.theirs.dossier.debtor
    assert mine.name in found and theirs.name not in found, (mine.name, theirs.name)
    api = APIClient()
    api.force_login(world.users["controller"])
    statuses = api.get("/api/v1/invoice-statuses/").json()["results"]
    assert [s["claim"] for s in statuses] == [world.mine.claim.pk]


def test_imports_show_a_manager_their_creditors_batches_only(client, world):
    """An import batch's preview names debtors: another portfolio's batch is not found, and
    the upload form offers a manager the creditors in their charge only."""
    from django.core.files.base import ContentFile

    from imports.models import ImportBatch

    manager = world.users["manager"]

    def batch(portfolio, name):
        return ImportBatch.objects.create(
            kind="claims",
            creditor=portfolio.dossier.creditor,
            file=ContentFile(b"a;b\n", name=name),
            original_name=f"portefeuille-{name}",
            sha256="0" * 64,
            created_by=world.users["controller"],
        )

    theirs, ours = batch(world.theirs, "b.csv"), batch(world.mine, "a.csv")
    client.force_login(manager)
    page = client.get(reverse("imports:index")).content.decode()
    assert "portefeuille-a.csv" in page and "portefeuille-b.csv" not in page
    assert client.get(reverse("imports:batch", args=[ours.pk])).status_code == 200
    assert client.get(reverse("imports:batch", args=[theirs.pk])).status_code == 404
    assert world.theirs.dossier.creditor.legal_name not in page  # not in the creditor choices
    before = ImportBatch.objects.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("imports:upload"),
        {
            "kind": "claims",
            "creditor": world.theirs.dossier.creditor.pk,
            "file": SimpleUploadedFile("f.csv", b"numero;montant\n"),
        },
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert ImportBatch.objects.count() == before
    # The controller who made both still sees both (a controller imports for any creditor).
    client.force_login(world.users["controller"])
    page = client.get(reverse("imports:index")).content.decode()
    assert "portefeuille-a.csv" in page and "portefeuille-b.csv" in page


def test_a_manager_cannot_record_a_facturx_invoice_for_another_portfolio(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.models import Claim
    from tests.imports.test_facturx import facturx_pdf

    pdf = facturx_pdf(seller_siren=world.theirs.dossier.creditor.siren, number="FA-B-1")
    before = Claim.objects.count()
    client.force_login(world.users["manager"])
    response = client.post(reverse("imports:facturx"), {"file": SimpleUploadedFile("fa.pdf", pdf)})
    assert response.status_code == 400
    assert "pas un créancier de votre portefeuille" in response.content.decode()
    assert Claim.objects.count() == before


def test_the_gdpr_dashboard_shows_a_manager_their_portfolios_requests_only(client, world):
    # The world holds one rights request per portfolio.
    client.force_login(world.users["manager"])
    response = client.get(reverse("rgpd:dashboard"))
    debtors = {r.debtor_id for r in response.context["d"].requests}
    assert world.mine.dossier.debtor_id in debtors
    assert world.theirs.dossier.debtor_id not in debtors
    client.force_login(world.users["dpo"])
    response = client.get(reverse("rgpd:dashboard"))
    debtors = {r.debtor_id for r in response.context["d"].requests}
    assert {world.mine.dossier.debtor_id, world.theirs.dossier.debtor_id} <= debtors
