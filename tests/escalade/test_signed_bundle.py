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


def test_the_bundle_carries_the_timestamped_seals_that_recorded_its_chain(
    tsa, settings, controller, tmp_path
):
    """The chain-head files that recorded the dossier's chain, and their RFC 3161 answers, go
    in the bundle (``journal/sceaux``): a third party checks offline that the rows up to each
    sealed rank existed as they are at the authority's date, and a bundle rebuilt from a chain
    cut or recomputed after a seal is named."""
    import datetime

    from dossiers import services as dossier_services
    from escalade.bundle import build_bundle
    from journal import heads
    from tests.factories import ClaimFactory

    dossier = ClaimFactory().dossier
    first = heads.write_seal()
    dossier_services.task_create(
        dossier=dossier, kind="call", due_on=datetime.date(2026, 12, 4), actor=controller, note=""
    )
    second = heads.write_seal()
    path = tmp_path / "preuves.zip"
    path.write_bytes(build_bundle(dossier))
    archive = zipfile.ZipFile(path)
    seals = json.loads(archive.read("journal/sceaux.json"))["seals"]
    assert [seal["file"] for seal in seals] == [first.name, second.name]
    assert {f"journal/sceaux/{first.name}", f"journal/sceaux/{second.name}.tsr"} <= set(
        archive.namelist()
    )

    check = verify_bundle(path)
    assert check.ok, check.errors
    notes = "\n".join(check.notes)
    assert notes.count("horodatage RFC 3161 du ") == 2
    assert f"Sceau {second.name} : horodatage RFC 3161 du " in notes
    assert "premières lignes d'historique de la chaîne existaient telles qu'elles sont" in notes
    trust = ["--ac-horodatage", settings.JOURNAL_TSA_CA_FILE]
    run = _run_verifier(path, *trust, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"OK : Sceau {first.name} : horodatage RFC 3161 du " in run.stdout

    extract = json.loads(archive.read("journal/chaine.json"))

    def rebuilt(links, name):
        """A bundle whose extract and manifest a forger rebuilt from an altered chain."""
        data = json.dumps({**extract, "links": links}).encode()

        def manifest(raw):
            edited = json.loads(_rehash({"journal/chaine.json": data})(raw))
            edited["chain"].update(seq=links[-1]["seq"], hash=links[-1]["hash"])
            return json.dumps(edited).encode()

        changes = {"journal/chaine.json": lambda _d: data, "manifest.json": manifest}
        return _rewrite(path, tmp_path / name, changes)

    # 1. The rows after the first seal deleted with their links.
    cut = extract["links"][: seals[0]["seq"]]
    run = _run_verifier(rebuilt(cut, "cut.zip"), *trust, cwd=tmp_path)
    assert run.returncode == 1
    assert f"ÉCHEC : Chaîne tronquée : le sceau {second.name} atteste le rang" in run.stdout

    # 2. The first row edited and every hash recomputed.
    from escalade.verifier import GENESIS, link_hash

    prev, recomputed = GENESIS, []
    for link in extract["links"]:
        document = link["document"]
        if link["seq"] == 1:
            document = document.replace('"', "'", 1)
        digest = link_hash(prev, document)
        recomputed.append({**link, "document": document, "prev_hash": prev, "hash": digest})
        prev = digest
    run = _run_verifier(rebuilt(recomputed, "recomputed.zip"), *trust, cwd=tmp_path)
    assert run.returncode == 1
    assert "Chaîne : les " in run.stdout  # the extract holds together...
    assert f"ÉCHEC : Chaîne recalculée : le maillon {seals[0]['seq']} de l'extrait" in run.stdout

    # 3. A seal's answer swapped for another file's: the timestamp no longer matches it.
    stamp = f"journal/sceaux/{second.name}.tsr"
    other = archive.read(f"journal/sceaux/{first.name}.tsr")
    swapped = _rewrite(
        path,
        tmp_path / "swapped.zip",
        {stamp: lambda _d: other, "manifest.json": _rehash({stamp: other})},
    )
    run = _run_verifier(swapped, *trust, cwd=tmp_path)
    assert run.returncode == 1
    assert f"ÉCHEC : Sceau {second.name} : horodatage RFC 3161 invalide" in run.stdout
