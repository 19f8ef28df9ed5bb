"""The evidence bundle: a complete dossier's ZIP verifies; one altered byte fails it."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from escalade.bundle import verify_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle_file(client, manager, to_go_no_go, complete, tmp_path):
    dossier = complete(to_go_no_go())
    client.force_login(manager)
    response = client.get(reverse("escalade:bundle", args=[dossier.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    path = tmp_path / "preuves.zip"
    path.write_bytes(response.content)
    return dossier, path


def _rewrite(path, name, change):
    """Copy the archive, with ``change(bytes) -> bytes`` applied to one member."""
    source = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == name else data)
    path.write_bytes(out.getvalue())


def test_bundle_holds_report_messages_evidence_and_manifest(bundle_file):
    dossier, path = bundle_file
    archive = zipfile.ZipFile(path)
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert archive.read("rapport.pdf").startswith(b"%PDF")
    assert len([n for n in names if n.startswith("pieces/")]) == 4
    # R+7 email, R+15 email, R+30 letter, formal notice: every message sent is there.
    assert len([n for n in names if n.startswith("messages/")]) == 4
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    assert manifest["dossier"] == dossier.reference
    assert manifest["chain"]["seq"] > 0 and len(manifest["chain"]["hash"]) == 64


def test_bundle_verify_passes_then_fails_on_one_altered_byte(bundle_file, capsys):
    _dossier, path = bundle_file
    call_command("bundle_verify", str(path))
    assert "Dossier de preuves conforme" in capsys.readouterr().out

    piece = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("pieces/"))
    _rewrite(path, piece, lambda data: bytes([data[0] ^ 0x01]) + data[1:])
    with pytest.raises(CommandError) as excinfo:
        call_command("bundle_verify", str(path))
    assert excinfo.value.returncode == 1
    assert f"{piece} : empreinte SHA-256 différente" in capsys.readouterr().err


def test_a_manifest_edited_to_match_is_caught_by_its_signature(bundle_file):
    _dossier, path = bundle_file
    name = "journal.csv"

    def edit_manifest(data):
        manifest = json.loads(data)
        for entry in manifest["files"]:
            if entry["path"] == name:
                entry["sha256"] = "0" * 64
        return json.dumps(manifest).encode()

    _rewrite(path, "manifest.json", edit_manifest)
    check = verify_bundle(path)
    assert any("Signature du manifeste invalide" in e for e in check.errors)


def test_bundle_holds_the_pdf_of_every_letter_as_it_was_sent(bundle_file):
    from courriers.models import SentMessage

    dossier, path = bundle_file
    archive = zipfile.ZipFile(path)
    letters = sorted(n for n in archive.namelist() if n.startswith("courriers/"))
    sent = SentMessage.objects.filter(dossier=dossier, is_test=False).exclude(pdf="")
    # R+7 email, R+15 email, R+30 letter, formal notice: each one's PDF, byte for byte.
    assert len(letters) == sent.count() == 4
    stored = {m.pdf_sha256 for m in sent}
    assert {hashlib.sha256(archive.read(n)).hexdigest() for n in letters} == stored
    assert all(archive.read(n).startswith(b"%PDF") for n in letters)


def test_the_report_is_printed_with_its_own_style_sheet(bundle_file):
    from pypdf import PdfReader

    _dossier, path = bundle_file
    report = PdfReader(io.BytesIO(zipfile.ZipFile(path).read("rapport.pdf")))
    pages = len(report.pages)
    # The page numbers come from journal/bundle_report.css (no <style> in the template).
    assert f"page 1 / {pages}" in report.pages[0].extract_text()


def test_bundle_holds_the_request_ready_to_file(bundle_file):
    """docs/legal.md §8: the injonction de payer's request fields (Cerfa 12946 between
    traders, CPC 1407: parties, sum with its items, basis, documents) travel in the bundle,
    listed in its manifest and the same as the dossier page's export."""
    dossier, path = bundle_file
    archive = zipfile.ZipFile(path)
    name = f"requete/requete-injonction-{dossier.reference}.csv"
    assert name in archive.namelist()
    text = archive.read(name).decode("utf-8")
    assert text.startswith("\ufeffRubrique;Champ;Valeur")
    assert "Cerfa;12946 (tribunal de commerce)" in text
    assert dossier.creditor.siren in text and dossier.debtor.name in text
    assert "Somme réclamée;Total;" in text
    # Every piece of the bundle is listed in the request with its SHA-256.
    manifest = json.loads(archive.read("manifest.json"))
    pieces = [f for f in manifest["files"] if f["path"].startswith("pieces/")]
    for piece in pieces:
        assert hashlib.sha256(archive.read(piece["path"])).hexdigest() in text
    assert name in {f["path"] for f in manifest["files"]}
