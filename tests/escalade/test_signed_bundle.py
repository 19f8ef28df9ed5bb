"""Issue #21: with a signing certificate the evidence bundle's report and manifest are signed
and timestamped (a test CA and a loopback TSA made at test time); ``bundle_verify`` and the
stand-alone ``verifier.py`` shipped in the bundle check hashes, the chain extract, signatures
and timestamps offline and say in French what each proves; a tampered copy fails."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from escalade.bundle import verify_bundle

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl absent"),
]


def _download(client, manager, dossier, path):
    client.force_login(manager)
    response = client.get(reverse("escalade:bundle", args=[dossier.pk]))
    assert response.status_code == 200
    path.write_bytes(response.content)
    return path


@pytest.fixture
def signed_bundle(signing_certificate, tsa, client, manager, to_go_no_go, complete, tmp_path):
    dossier = complete(to_go_no_go())  # its letters went out signed, too
    return dossier, _download(client, manager, dossier, tmp_path / "preuves.zip")


@pytest.fixture
def unsigned_bundle(client, manager, to_go_no_go, complete, tmp_path):
    dossier = complete(to_go_no_go())
    return dossier, _download(client, manager, dossier, tmp_path / "preuves.zip")


def _rewrite(path, target, changes: dict, *, drop=()):
    """A copy of the archive at ``target``, each member in ``changes`` rewritten by its
    function, members in ``drop`` left out."""
    source = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = source.read(info.filename)
            change = changes.get(info.filename)
            archive.writestr(info.filename, change(data) if change else data)
    target.write_bytes(out.getvalue())
    return target


def _rehash(altered: dict[str, bytes]):
    """A manifest edited to match altered members (what a forger would do)."""

    def edit(data):
        manifest = json.loads(data)
        for entry in manifest["files"]:
            if entry["path"] in altered:
                entry["sha256"] = hashlib.sha256(altered[entry["path"]]).hexdigest()
                entry["size"] = len(altered[entry["path"]])
        return json.dumps(manifest).encode()

    return edit


def _run_verifier(bundle, *args, cwd):
    """The verifier taken out of the bundle, run alone: isolated mode (no project on the path,
    no Django settings), as a third party would."""
    script = cwd / "verifier.py"
    script.write_bytes(zipfile.ZipFile(bundle).read("verifier.py"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))}
    return subprocess.run(  # noqa: S603 - the test's own interpreter and files
        [sys.executable, "-I", str(script), str(bundle), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_signed_bundle_verifies_and_says_what_each_signature_proves(signed_bundle, capsys):
    _dossier, path = signed_bundle
    archive = zipfile.ZipFile(path)
    names = set(archive.namelist())
    assert {"manifest.json.p7s", "verifier.py", "journal/chaine.json"} <= names
    letters = [n for n in names if n.startswith("courriers/")]
    assert letters and all(b"/ETSI.CAdES.detached" in archive.read(n) for n in letters)
    assert b"/ETSI.CAdES.detached" in archive.read("rapport.pdf")

    check = verify_bundle(path)
    assert check.ok, check.errors
    call_command("bundle_verify", str(path))
    out = capsys.readouterr().out
    assert "Empreintes : les " in out and "aucun ne manque ni n'a été ajouté" in out
    assert "rien n'a été retiré, inséré ni modifié" in out
    for name in ["manifest.json", "rapport.pdf", *letters]:
        assert f"{name} : signature intègre de « " in out, name
    assert out.count("horodatage RFC 3161 du ") == 2 + len(letters)
    assert "le certificat remonte à l'autorité de certification fournie" in out
    assert "Dossier de preuves conforme" in out


def test_the_shipped_verifier_runs_alone_and_names_each_tampering(
    signed_bundle, signing_certificate, settings, tmp_path
):
    _dossier, path = signed_bundle
    trust = ["--ac", str(signing_certificate["ca.pem"])]
    trust += ["--ac-horodatage", settings.JOURNAL_TSA_CA_FILE]
    run = _run_verifier(path, *trust, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Dossier de preuves conforme" in run.stdout
    assert "OK : rapport.pdf : signature intègre" in run.stdout
    assert "OK : Chaîne : les " in run.stdout

    archive = zipfile.ZipFile(path)
    piece = next(n for n in archive.namelist() if n.startswith("pieces/"))
    altered = b"X" + archive.read(piece)[1:]

    # 1. A piece replaced: its hash.
    copy = _rewrite(path, tmp_path / "1.zip", {piece: lambda _d: altered})
    run = _run_verifier(copy, *trust, cwd=tmp_path)
    assert run.returncode == 1
    assert f"ÉCHEC : {piece} : empreinte SHA-256 différente du manifeste (modifié)." in run.stdout
    assert "Dossier de preuves NON CONFORME" in run.stdout

    # 2. ...and the manifest rewritten to match: its signature.
    copy = _rewrite(
        path,
        tmp_path / "2.zip",
        {piece: lambda _d: altered, "manifest.json": _rehash({piece: altered})},
    )
    run = _run_verifier(copy, *trust, cwd=tmp_path)
    assert run.returncode == 1
    assert "ÉCHEC : manifest.json : signature invalide" in run.stdout

    # 3. A row of the chain extract edited, the manifest rehashed, its signature removed.
    extract = json.loads(archive.read("journal/chaine.json"))
    extract["links"][0]["document"] = extract["links"][0]["document"].replace('"', "'", 1)
    edited = json.dumps(extract).encode()
    changes = {
        "journal/chaine.json": lambda _d: edited,
        "manifest.json": _rehash({"journal/chaine.json": edited}),
    }
    copy = _rewrite(path, tmp_path / "3.zip", changes, drop={"manifest.json.p7s"})
    run = _run_verifier(copy, *trust, cwd=tmp_path)
    assert run.returncode == 1
    assert "contenu différent de celui qui a été scellé (modifié)" in run.stdout
    assert "manifest.json.p7s absent alors que des PDF sont signés" in run.stdout

    # 4. The report's signed PDF with a page appended after signing (an incremental update).
    report = archive.read("rapport.pdf")
    grown = report + b"\n1000 0 obj\n<< >>\nendobj\n"
    copy = _rewrite(path, tmp_path / "4.zip", {"rapport.pdf": lambda _d: grown})
    run = _run_verifier(copy, *trust, cwd=tmp_path)
    assert run.returncode == 1 and "ÉCHEC : rapport.pdf" in run.stdout

    # 5. Another CA than the signer's: not trusted.
    other = tmp_path / "autre"
    from tests.fixtures.pki import make_signing_pki

    other_ca = make_signing_pki(other)["ca.pem"]
    run = _run_verifier(path, "--ac", str(other_ca), cwd=tmp_path)
    assert run.returncode == 1
    assert "ne remonte pas à l'autorité fournie" in run.stdout


def test_an_unsigned_bundle_carries_the_verifier_too(unsigned_bundle, tmp_path):
    _dossier, path = unsigned_bundle
    assert "manifest.json.p7s" not in zipfile.ZipFile(path).namelist()
    run = _run_verifier(path, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Signatures : aucune (installation sans certificat de signature)" in run.stdout
    assert "Dossier de preuves conforme" in run.stdout

    extract = json.loads(zipfile.ZipFile(path).read("journal/chaine.json"))
    del extract["links"][-1]  # the newest row cut off, the manifest rehashed
    cut = json.dumps(extract).encode()
    changes = {
        "journal/chaine.json": lambda _d: cut,
        "manifest.json": _rehash({"journal/chaine.json": cut}),
    }
    run = _run_verifier(_rewrite(path, tmp_path / "cut.zip", changes), cwd=tmp_path)
    assert run.returncode == 1
    assert "n'est pas la tête de chaîne du manifeste (extrait tronqué ou prolongé)" in run.stdout
