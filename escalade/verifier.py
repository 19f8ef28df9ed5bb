#!/usr/bin/env python3
"""Vérificateur autonome d'un dossier de preuves (application « recouvrement »).

Ce fichier est livré dans chaque dossier de preuves (``verifier.py``). Il se lance sans
l'application ni sa base de données, avec Python 3.10 ou plus :

    python3 verifier.py preuves-DOS-2026-00003-2026-11-23.zip --ac ac-signature.pem

Il vérifie :
1. les empreintes : chaque fichier de l'archive est celui que liste le manifeste (SHA-256 et
   taille), aucun fichier manquant ni ajouté ;
2. l'extrait de chaîne (``journal/chaine.json``) : chaque maillon suit le précédent et son
   empreinte est celle du contenu scellé de la ligne d'historique, et le dernier maillon est la
   tête de chaîne du manifeste ;
3. les sceaux (``journal/sceaux.json`` et ``journal/sceaux/``) : les fichiers de têtes de chaîne
   que l'installation a écrits hors de sa base et qui ont enregistré la chaîne du dossier, avec
   leur horodatage RFC 3161 (commande ``openssl``) : chaque sceau doit retrouver, au rang qu'il
   atteste, le maillon de l'extrait (sinon la chaîne a été recalculée ou tronquée depuis), et
   son horodatage prouve que ces lignes existaient telles quelles à sa date ;
4. les signatures électroniques (si pyHanko est installé : ``pip install pyhanko``) : la
   signature CMS du manifeste (``manifest.json.p7s``) et la signature PAdES de chaque PDF,
   avec leur horodatage RFC 3161, hors ligne. ``--ac`` : le certificat de l'autorité de
   certification du signataire (PEM) ; ``--ac-horodatage`` : celui de l'autorité d'horodatage
   (par défaut, les mêmes).

Code de sortie : 0 si tout est conforme, 1 sinon ; chaque constat est écrit en français avec ce
qu'il prouve. Bibliothèque standard seulement (pyHanko en option, pour les signatures ; la
commande ``openssl`` pour les horodatages des sceaux).

L'application importe ce même fichier (``escalade.bundle.verify_bundle``) : il n'importe rien
d'elle.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.json.p7s"
CHAIN_EXTRACT = "journal/chaine.json"
SEALS = "journal/sceaux.json"
SEAL_DIR = "journal/sceaux/"
SELF = "verifier.py"
GENESIS = "0" * 64
NOT_LISTED = {MANIFEST, MANIFEST_SIGNATURE}


@dataclass
class Report:
    files: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- 1. Hashes --------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile, report: Report) -> dict | None:
    try:
        manifest = json.loads(archive.read(MANIFEST))
        {entry["path"]: entry for entry in manifest["files"]}
    except (KeyError, ValueError, TypeError):
        report.errors.append("Manifeste absent ou illisible.")
        return None
    return manifest


def check_hashes(archive: zipfile.ZipFile, manifest: dict, report: Report) -> None:
    listed = {entry["path"]: entry for entry in manifest["files"]}
    present = set(archive.namelist()) - NOT_LISTED
    for name in sorted(present - set(listed)):
        report.errors.append(f"{name} : fichier absent du manifeste (ajouté).")
    bad = 0
    for name, entry in sorted(listed.items()):
        if name not in present:
            report.errors.append(f"{name} : fichier manquant.")
            bad += 1
            continue
        try:
            data = archive.read(name)
        except (zipfile.BadZipFile, OSError) as exc:
            report.errors.append(f"{name} : illisible ({exc}).")
            bad += 1
            continue
        report.files += 1
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            report.errors.append(f"{name} : empreinte SHA-256 différente du manifeste (modifié).")
            bad += 1
        elif "size" in entry and len(data) != entry["size"]:
            report.errors.append(f"{name} : taille différente du manifeste.")
            bad += 1
    if not bad:
        report.notes.append(
            f"Empreintes : les {report.files} fichiers sont identiques à ceux que liste le "
            "manifeste (SHA-256), aucun ne manque ni n'a été ajouté."
        )


# --- 2. The chain extract ---------------------------------------------------------------------


def link_hash(prev_hash: str, document: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{document}".encode()).hexdigest()


def check_chain(archive: zipfile.ZipFile, manifest: dict, report: Report) -> None:
    head = manifest.get("chain") or {}
    if CHAIN_EXTRACT not in archive.namelist():
        if head.get("seq"):
            report.notes.append("Extrait de chaîne absent (dossier de preuves d'un ancien format).")
        return
    try:
        extract = json.loads(archive.read(CHAIN_EXTRACT))
        links = extract["links"]
    except (KeyError, ValueError, TypeError):
        report.errors.append(f"{CHAIN_EXTRACT} : extrait de chaîne illisible.")
        return
    prev, expected = GENESIS, 1
    for link in links:
        where = f"maillon {link.get('seq')} ({link.get('model')} n° {link.get('history_id')})"
        if link.get("seq") != expected:
            report.errors.append(f"Chaîne : {where} : maillon manquant (rang {expected} attendu).")
            return
        if link.get("prev_hash") != prev:
            report.errors.append(f"Chaîne : {where} : ne suit pas le maillon précédent.")
            return
        if link_hash(prev, str(link.get("document", ""))) != link.get("hash"):
            report.errors.append(
                f"Chaîne : {where} : contenu différent de celui qui a été scellé (modifié)."
            )
            return
        prev, expected = link["hash"], expected + 1
    if (expected - 1, prev) != (head.get("seq"), head.get("hash")):
        report.errors.append(
            "Chaîne : le dernier maillon de l'extrait n'est pas la tête de chaîne du manifeste "
            "(extrait tronqué ou prolongé)."
        )
        return
    report.notes.append(
        f"Chaîne : les {len(links)} lignes d'historique du dossier (chaîne {extract.get('chain')}) "
        "se suivent sans manque, chacune telle qu'elle a été scellée, jusqu'à la tête du "
        f"manifeste (maillon {head.get('seq')}) : rien n'a été retiré, inséré ni modifié."
    )


# --- 3. The seals: head files written outside the database, and their timestamps -----------


def _head_digest(chains: dict) -> str:
    """The ``head`` of a head file: SHA-256 of its chains as canonical JSON (journal.heads)."""
    text = json.dumps(chains, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp(answer: bytes, digest: str, tsa_ca: list[str]) -> tuple[str | None, str]:
    """Check an RFC 3161 answer over a file's SHA-256, offline, with ``openssl ts``: (problem
    or None, the time it states or what was not checked)."""
    if not shutil.which("openssl"):
        return None, "non vérifié (commande openssl absente)"
    if not tsa_ca:
        return None, "non vérifié : donnez --ac-horodatage (ou --ac)"
    with tempfile.TemporaryDirectory() as scratch:
        reply, authority = Path(scratch) / "reponse.tsr", Path(scratch) / "ac.pem"
        reply.write_bytes(answer)
        authority.write_bytes(b"\n".join(Path(p).read_bytes() for p in tsa_ca))
        checked = subprocess.run(  # noqa: S603 - fixed program, our own temporary files
            [
                *("openssl", "ts", "-verify", "-digest", digest),
                *("-in", str(reply), "-CAfile", str(authority)),
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if checked.returncode:
            lines = (checked.stderr or checked.stdout).decode(errors="replace").split("\n")
            detail = next((line for line in reversed(lines) if line.strip()), "")
            return f"horodatage RFC 3161 invalide ({detail.strip()[-160:]})", ""
        text = subprocess.run(  # noqa: S603
            ["openssl", "ts", "-reply", "-in", str(reply), "-text"],  # noqa: S607
            capture_output=True,
            timeout=60,
            check=False,
        ).stdout.decode(errors="replace")
    found = re.search(r"Time stamp: (\w{3}) +(\d+) (\d\d:\d\d:\d\d)(?:\.\d+)? (\d{4})", text)
    if not found:
        return None, "date illisible"
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    month = months.index(found.group(1)) + 1 if found.group(1) in months else 0
    return None, f"{int(found.group(2)):02d}/{month:02d}/{found.group(4)} {found.group(3)} UTC"


def check_seals(
    archive: zipfile.ZipFile, manifest: dict, report: Report, *, tsa_ca: list[str]
) -> None:
    """Each seal recorded the chain at a rank with a hash: the extract must still hold that
    link (else the chain was recomputed or cut after the seal); a timestamped seal proves the
    rows up to that rank existed as they are at the authority's date."""
    names = set(archive.namelist())
    if SEALS not in names:
        return
    try:
        listed = json.loads(archive.read(SEALS))
        seals = listed["seals"]
        links = json.loads(archive.read(CHAIN_EXTRACT))["links"]
    except (KeyError, ValueError, TypeError):
        report.errors.append(f"{SEALS} : liste des sceaux illisible.")
        return
    hashes = {link.get("seq"): link.get("hash") for link in links}
    chain_name = listed.get("chain", "")
    if not seals:
        report.notes.append(
            "Sceaux : aucun fichier de tête n'a encore enregistré la chaîne de ce dossier (elle "
            "n'est attestée que par le manifeste)."
        )
    for seal in seals:
        name, seq, digest = seal.get("file", ""), seal.get("seq"), seal.get("hash")
        where = f"Sceau {name}"
        member = f"{SEAL_DIR}{name}"
        if seal.get("included"):
            if member not in names:
                report.errors.append(f"{where} : fichier de tête manquant.")
                continue
            data = archive.read(member)
            if hashlib.sha256(data).hexdigest() != seal.get("sha256"):
                report.errors.append(f"{where} : fichier différent de celui que liste {SEALS}.")
                continue
            try:
                document = json.loads(data)
                recorded = document["chains"]
                entry = recorded.get(chain_name) or {}
            except (KeyError, ValueError, TypeError, AttributeError):
                report.errors.append(f"{where} : fichier de tête illisible.")
                continue
            if _head_digest(recorded) != document.get("head"):
                report.errors.append(f"{where} : fichier de tête altéré (empreinte fausse).")
                continue
            if (entry.get("seq"), entry.get("hash")) != (seq, digest):
                report.errors.append(
                    f"{where} : le fichier n'enregistre pas le maillon que liste {SEALS}."
                )
                continue
        if not isinstance(seq, int) or seq > len(links):
            report.errors.append(
                f"Chaîne tronquée : le sceau {name} atteste le rang {seq} ({seal.get('model', '')} "
                f"n° {seal.get('history_id')}), l'extrait s'arrête au rang {len(links)} : des "
                "lignes ont été supprimées après ce sceau."
            )
            continue
        if hashes.get(seq) != digest:
            report.errors.append(
                f"Chaîne recalculée : le maillon {seq} de l'extrait n'est plus celui que le "
                f"sceau {name} a enregistré."
            )
            continue
        answer = seal.get("timestamp")
        if answer:
            if answer not in names:
                report.errors.append(f"{where} : horodatage manquant ({answer}).")
                continue
            problem, when = _stamp(archive.read(answer), str(seal.get("sha256")), tsa_ca)
            if problem:
                report.errors.append(f"{where} : {problem}.")
                continue
            if when.startswith("non vérifié") or when == "date illisible":
                report.notes.append(
                    f"{where} : enregistre les {seq} premières lignes de la chaîne telles "
                    f"qu'elles sont ; horodatage RFC 3161 {when}."
                )
                continue
            sentence = (
                f"{where} : horodatage RFC 3161 du {when} vérifié : les {seq} premières lignes "
                "d'historique de la chaîne existaient telles qu'elles sont à cette date"
            )
        else:
            sentence = (
                f"{where} (écrit le {seal.get('written_at', '')[:19].replace('T', ' ')}) : non "
                f"horodaté ; il enregistre les {seq} premières lignes de la chaîne telles qu'elles "
                "sont, sans preuve de date indépendante de l'installation"
            )
        if not seal.get("included"):
            sentence += (
                " (fichier de tête trop volumineux pour être joint : l'horodatage porte sur son "
                "empreinte, son contenu se vérifie sur la copie du répertoire des têtes)"
            )
        report.notes.append(sentence + ".")


# --- 4. Signatures and timestamps (pyHanko) ---------------------------------------------------


def _certificates(paths: list[str]) -> list:
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder(paths)) if paths else []


def _context(roots: list):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _who(certificate) -> str:
    try:
        return certificate.subject.human_friendly
    except AttributeError:  # pragma: no cover - a certificate always has a subject
        return "signataire inconnu"


def _when(moment) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S UTC") if moment else "date inconnue"


def _judge(
    name: str, status, report: Report, *, trusted_roots: bool, tsa_roots: bool, what: str
) -> None:
    """One signature's status as French sentences (what it proves, or what is wrong)."""
    report.signatures += 1
    if not (status.intact and status.valid):
        report.errors.append(
            f"{name} : signature invalide ({what} modifié après sa signature, ou signature "
            "altérée)."
        )
        return
    sentence = f"{name} : signature intègre de « {_who(status.signing_cert)} » : {what} n'a pas "
    sentence += "été modifié depuis sa signature"
    if trusted_roots:
        if not status.trusted:
            report.errors.append(
                f"{name} : le certificat du signataire ne remonte pas à l'autorité fournie (--ac)."
            )
            return
        sentence += " ; le certificat remonte à l'autorité de certification fournie"
    else:
        sentence += " (certificat non rattaché à une autorité : donnez --ac)"
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is None:
        sentence += " ; sans horodatage (la date de signature est celle que déclare le signataire)"
    elif not (stamp.intact and stamp.valid):
        report.errors.append(f"{name} : horodatage RFC 3161 de la signature invalide.")
        return
    elif tsa_roots and not stamp.trusted:
        report.errors.append(
            f"{name} : l'horodatage ne remonte pas à l'autorité d'horodatage fournie."
        )
        return
    else:
        sentence += (
            f" ; horodatage RFC 3161 du {_when(stamp.timestamp)} : la signature existait à cette "
            "date"
        )
        if not tsa_roots:
            sentence += " (autorité d'horodatage non vérifiée : donnez --ac-horodatage)"
    report.notes.append(sentence + ".")


def _run(coroutine):
    import asyncio

    return asyncio.run(coroutine)


def check_signatures(
    archive: zipfile.ZipFile, report: Report, *, ca: list[str], tsa_ca: list[str]
) -> None:
    names = archive.namelist()
    pdfs = sorted(n for n in names if n.lower().endswith(".pdf"))
    if MANIFEST_SIGNATURE not in names and not any(_signed_pdf(archive.read(n)) for n in pdfs):
        report.notes.append(
            "Signatures : aucune (installation sans certificat de signature) ; l'intégrité "
            "repose sur les empreintes du manifeste et sur la signature HMAC de l'installation."
        )
        return
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
        from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
    except ImportError:
        report.notes.append(
            "Signatures présentes mais non vérifiées : installez pyHanko (pip install pyhanko) "
            "et relancez."
        )
        return
    from asn1crypto import cms

    roots, tsa_roots = _certificates(ca), _certificates(tsa_ca or ca)
    signer_context, tsa_context = _context(roots), _context(tsa_roots)
    options = {"trusted_roots": bool(roots), "tsa_roots": bool(tsa_roots)}
    if MANIFEST_SIGNATURE not in names and MANIFEST in names:
        report.errors.append(
            f"{MANIFEST_SIGNATURE} absent alors que des PDF sont signés : le manifeste n'est "
            "plus celui que l'installation a signé (signature retirée)."
        )
    elif MANIFEST_SIGNATURE in names:
        try:
            info = cms.ContentInfo.load(archive.read(MANIFEST_SIGNATURE))
            status = _run(
                async_validate_detached_cms(
                    archive.read(MANIFEST),
                    info["content"],
                    signer_validation_context=signer_context,
                    ts_validation_context=tsa_context,
                )
            )
        except Exception as exc:  # any malformed signature is a finding, not a crash
            report.errors.append(f"{MANIFEST_SIGNATURE} : signature illisible ({exc}).")
        else:
            _judge(
                MANIFEST,
                status,
                report,
                what="le manifeste (la liste et les empreintes de tous les fichiers)",
                **options,
            )
    for name in pdfs:
        data = archive.read(name)
        if not _signed_pdf(data):
            continue
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = reader.embedded_signatures
        except Exception as exc:
            report.errors.append(f"{name} : PDF illisible ({exc}).")
            continue
        for signature in signatures:
            try:
                status = _run(
                    async_validate_pdf_signature(
                        signature,
                        signer_validation_context=signer_context,
                        ts_validation_context=tsa_context,
                    )
                )
            except Exception as exc:
                report.errors.append(f"{name} : signature illisible ({exc}).")
                continue
            if status.intact and status.valid and not _whole_file(status):
                report.errors.append(
                    f"{name} : le PDF a été complété après sa signature (la signature ne couvre "
                    "pas tout le fichier)."
                )
                continue
            _judge(name, status, report, what="le PDF", **options)


def _signed_pdf(data: bytes) -> bool:
    return b"/ByteRange" in data


def _whole_file(status) -> bool:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    return status.coverage == SignatureCoverageLevel.ENTIRE_FILE


# --- Everything -------------------------------------------------------------------------------


def verify(archive: zipfile.ZipFile, *, ca: list[str] = (), tsa_ca: list[str] = ()) -> Report:
    report = Report()
    manifest = read_manifest(archive, report)
    if manifest is None:
        return report
    check_hashes(archive, manifest, report)
    check_chain(archive, manifest, report)
    check_seals(archive, manifest, report, tsa_ca=list(tsa_ca or ca))
    check_signatures(archive, report, ca=list(ca), tsa_ca=list(tsa_ca))
    return report


def verify_file(path, *, ca: list[str] = (), tsa_ca: list[str] = ()) -> Report:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        report = Report()
        report.errors.append("Le fichier n'est pas une archive ZIP lisible.")
        return report
    with archive:
        return verify(archive, ca=ca, tsa_ca=tsa_ca)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Vérifie un dossier de preuves sans l'application (empreintes, chaîne, "
        "signatures et horodatages)."
    )
    parser.add_argument("archive", help="le dossier de preuves (ZIP)")
    parser.add_argument(
        "--ac", action="append", default=[], help="certificat(s) PEM de l'autorité du signataire"
    )
    parser.add_argument(
        "--ac-horodatage",
        action="append",
        default=[],
        help="certificat(s) PEM de l'autorité d'horodatage (défaut : ceux de --ac)",
    )
    args = parser.parse_args(argv)
    report = verify_file(args.archive, ca=args.ac, tsa_ca=args.ac_horodatage)
    for note in report.notes:
        print(f"OK : {note}")
    for error in report.errors:
        print(f"ÉCHEC : {error}")
    print(
        "Signature HMAC du manifeste : vérifiable seulement par l'installation qui l'a produit "
        "(python manage.py bundle_verify)."
    )
    if report.ok:
        print(f"Dossier de preuves conforme : {report.files} fichier(s) vérifié(s).")
        return 0
    print(f"Dossier de preuves NON CONFORME : {len(report.errors)} anomalie(s).")
    return 1


if __name__ == "__main__":
    sys.exit(main())
