"""The statements' pages: upload, statement, « Rapprochement » queue and its three actions,
each cut by scoping; and the queue in Debian's Chromium."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Dossier, DossierState, Payment
from imports.statements import services
from imports.statements.models import BankStatement, BankTransaction
from tests.factories import UserFactory
from tests.fixtures.browser import ARTIFACTS, CHROMIUM, browser_marks
from tests.fixtures.statements import DATA, sample

Status = BankTransaction.Status


def _text(response) -> str:
    """The page's text, French thin and non-breaking spaces read as spaces."""
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


def _upload(client, name, **data):
    return client.post(
        "/imports/releves/depot/",
        {"file": SimpleUploadedFile(name, sample(name)), **data},
    )


@pytest.mark.django_db
def test_upload_shows_the_statement_and_its_reasons(client, admin_user, statement_world):
    client.force_login(admin_user)
    response = _upload(client, "camt053_releve.xml")
    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/releves/{statement.pk}/"
    page = client.get(response["Location"])
    text = _text(page)
    assert "Relevé importé : 2 paiement(s) enregistré(s), 1 proposé(s), 1 non rapproché(s)" in text
    assert "Référence RF64DOS202600001 du dossier DOS-2026-00001" in text
    assert "1 200,00" in text and "20/11/2026" in text
    # Twice: nothing new, said so.
    again = client.post(
        "/imports/releves/depot/",
        {"file": SimpleUploadedFile("copie.xml", sample("camt053_releve.xml"))},
        follow=True,
    )
    assert "déjà été importé" in _text(again)
    assert BankStatement.objects.count() == 1
    listing = _text(client.get("/imports/releves/"))
    assert "camt053_releve.xml" in listing


@pytest.mark.django_db
def test_a_bad_file_is_refused_with_its_line(client, admin_user, statement_world):
    client.force_login(admin_user)
    content = sample("cfonb120_releve.txt").replace(b"0000000003500{", b"00000000035X0{")
    response = client.post(
        "/imports/releves/depot/", {"file": SimpleUploadedFile("releve.txt", content)}
    )
    assert response.status_code == 400
    assert "Ligne 5 : montant" in _text(response)
    assert not BankStatement.objects.exists()


@pytest.mark.django_db
def test_a_controller_reads_statements_but_does_not_upload_them(
    client, controller, statement_world
):
    """A statement covers the creditor's whole account and posts payments in bulk: managers
    and administrators upload it (page and API); controllers work the queue."""
    from rest_framework.test import APIClient

    client.force_login(controller)
    page = _text(client.get("/imports/releves/"))
    assert "Importer le relevé" not in page and "responsables et les administrateurs" in page
    assert _upload(client, "camt053_releve.xml").status_code == 403
    api = APIClient()
    api.force_authenticate(controller)
    refused = api.post(
        "/api/v1/bank-statements/",
        {"file": SimpleUploadedFile("releve.xml", sample("camt053_releve.xml"))},
        format="multipart",
    )
    assert refused.status_code == 403
    assert not BankStatement.objects.exists()


@pytest.mark.django_db
def test_the_queue_confirm_assign_and_set_aside(client, manager, statement_world):
    world = statement_world
    world.creditor.managers.add(manager)
    services.statement_import(
        content=sample("camt053_releve.xml"), name="releve.xml", actor=manager
    )
    client.force_login(manager)
    page = _text(client.get("/rapprochement/"))
    assert "<strong>2</strong> opérations à traiter, 850,00" in page
    assert "IBAN …0162 déjà connu pour Cave Saint-Jean" in page
    assert "Confirmer sur DOS-2026-00003" in page

    proposed = BankTransaction.objects.get(amount=Decimal("750.00"))
    response = client.post("/rapprochement/confirmer/", {"line": proposed.pk}, follow=True)
    assert "Paiement de 750,00 € enregistré sur le dossier DOS-2026-00003." in _text(response)
    assert Dossier.objects.get(pk=world.cave.pk).state == DossierState.PAID

    unmatched = BankTransaction.objects.get(amount=Decimal("100.00"))
    refused = client.post(
        "/rapprochement/imputer/",
        {"line": unmatched.pk, "dossier": "DOS-2099-00001", "reason": "appel"},
        follow=True,
    )
    assert "Aucun dossier ouvert « DOS-2099-00001 »" in _text(refused)
    client.post(
        "/rapprochement/imputer/",
        {"line": unmatched.pk, "dossier": "dos-2026-00002", "reason": "le gérant a appelé"},
    )
    unmatched.refresh_from_db()
    assert (unmatched.status, unmatched.dossier) == (Status.POSTED, world.garage)
    assert Payment.objects.filter(dossier=world.garage, amount=Decimal("100.00")).exists()
    assert "Rien à rapprocher" in _text(client.get("/rapprochement/"))


@pytest.mark.django_db
def test_a_credit_split_between_two_dossiers(client, manager, statement_world):
    world = statement_world
    world.creditor.managers.add(manager)
    services.statement_import(
        content=sample("camt053_releve.xml"), name="releve.xml", actor=manager
    )
    client.force_login(manager)
    line = BankTransaction.objects.get(amount=Decimal("100.00"))
    wrong = client.post(
        "/rapprochement/repartir/",
        {"line": line.pk, "parts": "DOS-2026-00002 60,00\nDOS-2026-00003 30", "reason": "x"},
        follow=True,
    )
    assert "Les parts totalisent 90.00 € au lieu de 100.00 €" in _text(wrong)
    client.post(
        "/rapprochement/repartir/",
        {
            "line": line.pk,
            "parts": "dos-2026-00002 60,00\nDOS-2026-00003 40,00 €",
            "reason": "un virement pour deux sociétés du groupe",
        },
    )
    line.refresh_from_db()
    assert line.status == Status.SPLIT
    shares = {s.dossier: s.payment.amount for s in line.shares.select_related("payment")}
    assert shares == {world.garage: Decimal("60.00"), world.cave: Decimal("40.00")}
    assert "Réparti entre DOS-2026-00002, DOS-2026-00003" in line.reason


@pytest.mark.django_db
def test_the_queue_is_cut_by_scoping(client, controller, manager, statement_world):
    services.statement_import(
        content=sample("camt053_releve.xml"), name="releve.xml", actor=controller
    )
    proposed = BankTransaction.objects.get(amount=Decimal("750.00"))
    # A manager not in charge of the creditor sees nothing, and cannot act by guessing ids.
    client.force_login(manager)
    assert "Rien à rapprocher" in _text(client.get("/rapprochement/"))
    assert client.post("/rapprochement/confirmer/", {"line": proposed.pk}).status_code == 404
    assert (
        client.post("/rapprochement/ecarter/", {"line": proposed.pk, "reason": "x"}).status_code
        == 404
    )
    statement = BankStatement.objects.get()
    assert client.get(f"/imports/releves/{statement.pk}/").status_code == 404
    # Another controller: the unassigned pool is closed, so the proposal is not theirs.
    statement_world.creditor.unassigned_pool_open = False
    statement_world.creditor.save(update_fields=["unassigned_pool_open"])
    other = UserFactory(username="autre", role="controller")
    client.force_login(other)
    page = _text(client.get("/rapprochement/"))
    assert "Cave Saint-Jean" not in page
    assert client.post("/rapprochement/confirmer/", {"line": proposed.pk}).status_code == 404
    proposed.refresh_from_db()
    assert proposed.status == Status.PROPOSED


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium de Debian absent")
@browser_marks[1]
def test_a_manager_works_the_queue_in_a_browser(live_server, browser, statement_world):
    manager = UserFactory(username="dominique", role="manager")
    statement_world.creditor.managers.add(manager)
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("dominique")
    page.get_by_label("Mot de passe").fill("motdepasse-test")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/imports/releves/")
    page.locator("#id_file").set_input_files(str(DATA / "camt053_releve.xml"))
    page.get_by_role("button", name="Importer le relevé").click()
    page.wait_for_url(re.compile(r"/imports/releves/\d+/$"))
    assert page.get_by_text("2 paiement(s) enregistré(s)").count() >= 1

    page.get_by_role("link", name="Rapprochement", exact=True).click()
    page.wait_for_url(re.compile(r"/rapprochement/$"))
    assert page.locator("#file-rapprochement tbody tr").count() == 2
    assert page.get_by_text("déjà connu pour Cave Saint-Jean").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rapprochement.png"), full_page=True)
    page.get_by_role("button", name="Confirmer sur DOS-2026-00003").click()
    page.wait_for_url(re.compile(r"/rapprochement/$"))
    assert page.locator("#file-rapprochement tbody tr").count() == 1
    assert Dossier.objects.get(pk=statement_world.cave.pk).state == DossierState.PAID
    assert errors == []


@pytest.mark.django_db
def test_the_api_imports_a_statement(admin_user, statement_world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/bank-statements/",
        {"file": SimpleUploadedFile("releve.xml", sample("camt053_releve.xml"))},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["summary"]["posted"] == 2
    first = body["lines"][0]
    assert (first["status"], first["rule"], first["confidence"]) == ("posted", "rf", 100)
    again = api.post(
        "/api/v1/bank-statements/",
        {"file": SimpleUploadedFile("copie.xml", sample("camt053_releve.xml"))},
        format="multipart",
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    bad = api.post(
        "/api/v1/bank-statements/",
        {"file": SimpleUploadedFile("faux.xml", b"<Document><BkToCstmrStmt>")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert "XML mal formé" in str(bad.json())
