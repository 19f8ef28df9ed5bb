"""The evidence bundle of a dossier: what a lawyer or a court receives.

A ZIP holding ``rapport.pdf`` (identities, claims and amounts, chronology, messages and
evidence listed), ``messages/`` (the exact text of every message and letter sent),
``courriers/`` (the PDF stored when each message or letter went out, ``SentMessage.pdf``),
``pieces/`` (every evidence file), ``journal.csv`` (the timeline), ``requete/`` (the court
request's fields or the commissaire de justice's file, ``escalade.filing``, ready to file),
``journal/chaine.json`` (the dossier's hash chain up to its head, checkable without the
database), ``journal/sceaux.json`` and ``journal/sceaux/`` (the chain-head files that recorded
this chain, one per state of it, with their RFC 3161 answers: ``journal.heads.seals_of``),
``verifier.py`` (the stand-alone verifier, ``escalade/verifier.py``) and ``manifest.json``: the
SHA-256 of each file, the dossier's chain head, and an HMAC of the manifest with the
installation's journal key.
With a signing certificate (``journal.signing``), ``rapport.pdf`` is signed PAdES and the
manifest has a detached CMS signature ``manifest.json.p7s``, both timestamped when a TSA is
configured; the letters in ``courriers/`` were signed when they went out. ``verify_bundle``
checks it all (the verifier's checks, then the HMAC and the head against this journal).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from dossiers.models import Dossier
from escalade import verifier
from escalade.filing import filing_csv, filing_name, filing_route, filing_rows
from journal import chain, heads, signing
from journee.timeline import timeline, timeline_csv
from relances.models import CallLog, Channel, Reminder

MANIFEST = verifier.MANIFEST
VERIFIER = Path(verifier.__file__)
# The report's print style, a file of its own (no <style> in templates: the CSP policy).
REPORT_CSS = Path(__file__).with_name("bundle_report.css")
# A head file holds every chain's last link (ids and hashes, no personal data); above this size
# (some ten thousand chains) only its digest and its timestamp go in the bundle.
SEAL_FILE_MAX_BYTES = 2_000_000


def _safe(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return name[:80] or "fichier"


def _sign(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(chain._key(), text.encode(), hashlib.sha256).hexdigest()


def _messages(dossier: Dossier) -> list[tuple[str, str, object]]:
    """(file name, text, source) of every message and letter sent, oldest first."""
    out = []
    reminders = (
        Reminder.objects.filter(dossier=dossier, status=Reminder.Status.SENT)
        .exclude(channel=Channel.PHONE)  # a call made, not a message: in the journal
        .select_related("step")
        .order_by("sent_at", "pk")
    )
    for r in reminders:
        when = timezone.localtime(r.sent_at).strftime("%Y-%m-%d") if r.sent_at else "sans-date"
        name = f"messages/{when}-relance-{r.pk}-{_safe(r.step.code)}-{r.channel}.txt"
        header = (
            f"{r.step.label} — {r.get_channel_display()}\n"
            f"Envoyée le {timezone.localtime(r.sent_at):%d/%m/%Y %H:%M}\n\n"
            if r.sent_at
            else f"{r.step.label} — {r.get_channel_display()}\n\n"
        )
        out.append((name, header + (r.content or ""), r))
    recaps = CallLog.objects.filter(dossier=dossier, recap_status=CallLog.Recap.SENT).order_by(
        "called_at", "pk"
    )
    for c in recaps:
        name = f"messages/{timezone.localtime(c.called_at):%Y-%m-%d}-recapitulatif-appel-{c.pk}.txt"
        out.append((name, c.recap_content, c))
    return out


def _sent_pdfs(dossier: Dossier) -> list[tuple[str, bytes, object]]:
    """(file name, bytes, sent message) of every PDF stored at sending, oldest first (test
    sends excluded); a file missing from storage is left out of the archive."""
    from courriers.models import SentMessage

    out = []
    sent = (
        SentMessage.objects.filter(dossier=dossier, is_test=False)
        .exclude(pdf="")
        .order_by("sent_at", "pk")
    )
    for m in sent:
        try:
            with m.pdf.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, ValueError):
            continue
        when = timezone.localtime(m.sent_at).strftime("%Y-%m-%d")
        out.append((f"courriers/{when}-envoi-{m.pk}-{_safe(m.kind)}-{m.channel}.pdf", data, m))
    return out


def build_bundle(dossier: Dossier, *, actor=None) -> bytes:
    """The ZIP's bytes (the chain is sealed first, so the head covers everything)."""
    from weasyprint import CSS, HTML

    from journee.selectors import dossier_detail

    seq, head = chain.dossier_head(dossier)
    dossier = Dossier.objects.select_related("creditor", "debtor").get(pk=dossier.pk)
    today = timezone.localdate()
    detail = dossier_detail(dossier, today=today)
    files: dict[str, bytes] = {}
    messages = _messages(dossier)
    for name, text, _source in messages:
        files[name] = text.encode("utf-8")
    letters = _sent_pdfs(dossier)
    for name, data, _source in letters:
        files[name] = data
    pieces = []
    for ev in dossier.evidence.select_related("claim").order_by("uploaded_at", "pk"):
        name = f"pieces/{ev.pk}-{_safe(ev.original_name or Path(ev.file.name).name)}"
        with ev.file.open("rb") as handle:
            files[name] = handle.read()
        pieces.append((name, ev))
    files["journal.csv"] = timeline_csv(dossier).encode("utf-8")
    # The request ready to file (docs/legal.md §8): the route followed, else the injonction
    # de payer's request before the competent court (``escalade.filing``).
    route = filing_route(dossier)
    filing = f"requete/{filing_name(dossier, route)}"
    files[filing] = filing_csv(filing_rows(dossier, route=route, today=today)).encode("utf-8")
    entries = list(reversed(timeline(dossier)))
    html = render_to_string(
        "escalade/bundle_report.html",
        {
            "d": detail,
            "dossier": dossier,
            "entries": entries,
            "messages": messages,
            "letters": letters,
            "pieces": pieces,
            "filing": filing,
            "chain_seq": seq,
            "chain_head": head,
            "generated_at": timezone.localtime(),
            "actor": actor,
        },
    )
    report = HTML(string=html).write_pdf(stylesheets=[CSS(filename=REPORT_CSS)])
    files["rapport.pdf"] = signing.sign_pdf(
        report, reason=f"Dossier de preuves {dossier.reference}"
    )
    files[verifier.CHAIN_EXTRACT] = json.dumps(
        chain.extract(dossier, seq), indent=1, ensure_ascii=False
    ).encode("utf-8")
    files[verifier.SEALS] = _seals(dossier, files)
    files[verifier.SELF] = VERIFIER.read_bytes()
    manifest = {
        "format": "recouvrement-bundle/1",
        "dossier": dossier.reference,
        "creditor_siren": dossier.creditor.siren,
        "generated_at": timezone.now().isoformat(),
        "chain": {"name": chain.chain_of(dossier.pk), "seq": seq, "hash": head},
        "files": [
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    manifest["signature"] = _sign(manifest)
    manifest_bytes = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
    signature = signing.sign_data(manifest_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest_bytes)
        if signature:
            archive.writestr(verifier.MANIFEST_SIGNATURE, signature)
    return buffer.getvalue()


def _seals(dossier: Dossier, files: dict[str, bytes]) -> bytes:
    """The head files that recorded the dossier's chain (one per state of it) and their RFC 3161
    answers, into ``files``; returns ``journal/sceaux.json``, the list the verifier reads."""
    name = chain.chain_of(dossier.pk)
    listed = []
    for seal in heads.seals_of(name):
        data = seal["path"].read_bytes()
        file_name = seal["path"].name
        entry = {
            "file": file_name,
            "kind": seal["kind"],
            "written_at": seal["written_at"],
            "seq": seal["seq"],
            "hash": seal["hash"],
            "model": seal["model"],
            "history_id": seal["history_id"],
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "included": len(data) <= SEAL_FILE_MAX_BYTES,
            "timestamp": None,
        }
        if entry["included"]:
            files[f"{verifier.SEAL_DIR}{file_name}"] = data
        if seal["timestamp"] is not None:
            entry["timestamp"] = f"{verifier.SEAL_DIR}{seal['timestamp'].name}"
            files[entry["timestamp"]] = seal["timestamp"].read_bytes()
        listed.append(entry)
    document = {"chain": name, "seals": listed}
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")


@dataclass
class BundleCheck:
    files: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def verify_bundle(source) -> BundleCheck:
    """Check a bundle: what the stand-alone verifier checks (every file against the manifest,
    the chain extract, the signatures and timestamps, offline, against ``PDF_SIGNING_CA_FILE``
    and ``JOURNAL_TSA_CA_FILE``), then the manifest's HMAC with this installation's key and
    (when this installation holds the dossier) the chain head against the journal."""
    from django.conf import settings

    check = BundleCheck()
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile):
        check.errors.append("Le fichier n'est pas une archive ZIP lisible.")
        return check
    ca = [p for p in [getattr(settings, "PDF_SIGNING_CA_FILE", "")] if p]
    tsa_ca = [p for p in [getattr(settings, "JOURNAL_TSA_CA_FILE", "")] if p]
    with archive:
        report = verifier.verify(archive, ca=ca, tsa_ca=tsa_ca or ca)
        check.files, check.errors, check.notes = report.files, report.errors, report.notes
        if report.errors and report.errors[0] == "Manifeste absent ou illisible.":
            return check
        manifest = json.loads(archive.read(MANIFEST))
    if not hmac.compare_digest(str(manifest.get("signature", "")), _sign(manifest)):
        check.errors.append(
            "Signature du manifeste invalide (manifeste modifié, ou clé d'une autre installation)."
        )
    _check_head(manifest, check)
    return check


def _check_head(manifest: dict, check: BundleCheck) -> None:
    from journal.models import ChainLink

    head = manifest.get("chain") or {}
    if not head.get("seq"):
        return
    link = ChainLink.objects.filter(chain=head.get("name"), seq=head["seq"]).first()
    if link is None:
        check.notes.append("Tête de chaîne inconnue de cette base (vérification hors ligne).")
    elif link.hash != head.get("hash"):
        check.errors.append("La tête de chaîne du manifeste ne correspond pas au journal.")
    else:
        check.notes.append(f"Tête de chaîne conforme au journal (maillon {head['seq']}).")
