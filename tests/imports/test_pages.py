"""The imports pages: upload, preview, confirm, progress, Factur-X, exports; roles."""

import pytest

from dossiers.models import Claim
from imports.models import ImportBatch
from tests.factories import CreditorFactory
from tests.imports.test_file_import import GOOD

pytestmark = pytest.mark.django_db


def plain(text: str) -> str:
    """French non-breaking spaces as plain spaces (1 234,56 €)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_upload_preview_confirm_from_the_browser(
    client, controller, django_capture_on_commit_callbacks
):
    creditor = CreditorFactory()
    client.force_login(controller)
    assert "Imports" in client.get("/ma-journee/").content.decode()
    page = client.get("/imports/")
    assert page.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/depot/",
            {
                "kind": "claims",
                "creditor": creditor.pk,
                "file": SimpleUploadedFile("factures.csv", GOOD.encode()),
            },
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    page = plain(client.get(f"/imports/{batch.pk}/").content.decode())
    assert "Prêt à importer" in page
    assert "1 250,00 €" in page and "01/10/2026" in page and "à créer" in page
    assert Claim.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirmation/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Claim.objects.count() == 3
    assert "À créer : 3 lignes" in client.get(f"/imports/{batch.pk}/").content.decode()
    # the progress fragment asks the page to reload once the import is over
    fragment = client.get(f"/imports/{batch.pk}/avancement/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"


def test_progress_fragment_polls_while_running(client, controller):
    batch = ImportBatch.objects.create(
        kind="claims",
        creditor=CreditorFactory(),
        file="imports/x.csv",
        original_name="x.csv",
        sha256="0" * 64,
        status=ImportBatch.Status.IMPORTING,
        total_rows=100_000,
        processed_rows=25_000,
        created_by=controller,
    )
    client.force_login(controller)
    fragment = client.get(f"/imports/{batch.pk}/avancement/")
    body = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="25"' in body
    assert "25 000 lignes sur 100 000" in plain(body)
    assert "HX-Refresh" not in fragment
    assert "<script" not in client.get(f"/imports/{batch.pk}/").content.decode().split("</head>")[1]


def test_bad_upload_gets_french_errors(client, controller):
    client.force_login(controller)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/imports/depot/", {"kind": "claims", "file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez le créancier des factures." in body
    assert "Déposez un fichier CSV ou XLSX." in body


def test_roles(client, dpo, manager, admin_user):
    client.force_login(dpo)
    assert client.get("/imports/").status_code == 403
    for user in (manager, admin_user):
        client.force_login(user)
        assert client.get("/imports/").status_code == 200
    client.logout()
    assert client.get("/imports/").status_code == 302


def test_index_page_queries_do_not_grow_with_imports(
    client, controller, django_assert_max_num_queries
):
    creditor = CreditorFactory()
    for n in range(15):
        ImportBatch.objects.create(
            kind="claims",
            creditor=creditor,
            file=f"imports/{n}.csv",
            original_name=f"{n}.csv",
            sha256="0" * 64,
            created_by=controller,
        )
    client.force_login(controller)
    # 4 of them authenticate every request (session, user, TOTP device, roles).
    with django_assert_max_num_queries(10):
        assert client.get("/imports/").status_code == 200


def test_preview_page_queries_do_not_grow_with_rows(
    client, controller, django_assert_max_num_queries
):
    preview = [
        [n, f"FA-{n}", "Client SARL", "10.00", "2026-10-01", "create"] for n in range(2, 502)
    ]
    batch = ImportBatch.objects.create(
        kind="claims",
        creditor=CreditorFactory(),
        file="imports/none.csv",
        original_name="gros.csv",
        sha256="0" * 64,
        status=ImportBatch.Status.IMPORTING,
        total_rows=500,
        preview=preview,
        created_by=controller,
    )
    client.force_login(controller)
    # 4 of them authenticate every request (session, user, TOTP device, roles).
    with django_assert_max_num_queries(8):
        page = client.get(f"/imports/{batch.pk}/?page=2")
    body = page.content.decode()
    assert "FA-202" in body and "FA-401" in body and "FA-402" not in body
    assert "Page 2 sur 3" in body
