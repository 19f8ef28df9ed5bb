"""Hardening: the Content-Security-Policy and templates that respect it, uploaded evidence
checked by type and size, and uploaded files never served without a scope check."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.models import Evidence

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def test_pages_carry_a_policy_without_inline_code(client, controller):
    client.force_login(controller)
    policy = client.get(reverse("journee:worklist"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "script inline"),
    (re.compile(r"<style\b", re.I), "balise <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "attribut style="),
    (re.compile(r"\son[a-z]+\s*=", re.I), "gestionnaire d'événement on…="),
    (re.compile(r"javascript:", re.I), "lien javascript:"),
]


def _templates():
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    for folder in folders:
        if ".venv" in folder.parts:
            continue
        yield from folder.rglob("*.html")


# Documents never shown by the browser, so out of the policy's reach: each is rendered to a
# string and turned into a PDF by WeasyPrint (which reads its own <style>) or sent as an e-mail
# (mail readers ignore stylesheets of the site). Only their <style> block is allowed.
DOCUMENTS = {
    "templates/courriers/document.html": "courrier : PDF (WeasyPrint) et courriel HTML",
    "templates/escalade/bundle_report.html": "rapport du dossier de preuves : PDF (WeasyPrint)",
    "templates/rgpd/_print_style.html": "registre et droit d'accès : PDF (WeasyPrint)",
    "templates/portail_web/commitment_print.html": (
        "promesse ou échéancier signé en ligne : PDF (WeasyPrint)"
    ),
}
# The documents that pull one of them in (``{% include %}``), PDF only as well.
DOCUMENT_PAGES = {"templates/rgpd/access_print.html", "templates/rgpd/register_print.html"}
PULLS_IN = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")


def test_no_template_has_inline_script_style_or_handler():
    """Every template of the project, today's and tomorrow's, keeps to the policy."""
    found = []
    for template in _templates():
        text = template.read_text(encoding="utf-8")
        if str(template.relative_to(ROOT)) in DOCUMENTS:
            text = re.sub(r"<style\b.*?</style>", "", text, flags=re.I | re.S)
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(ROOT)} : {what}")
    assert found == []


def test_documents_with_a_style_block_never_reach_a_page():
    """A document's <style> stays out of the pages: only another document includes it, and no
    view renders it as a page (they are read by ``render_to_string`` for WeasyPrint or mail)."""
    names = {path.removeprefix("templates/"): path for path in DOCUMENTS}
    assert all((ROOT / path).exists() for path in [*DOCUMENTS, *DOCUMENT_PAGES])
    for template in _templates():
        relative = str(template.relative_to(ROOT))
        for pulled in PULLS_IN.findall(template.read_text(encoding="utf-8")):
            if pulled in names:
                assert relative in DOCUMENTS or relative in DOCUMENT_PAGES, (relative, pulled)
    for source in ROOT.glob("*/**/*.py"):
        if ".venv" in source.parts or "tests" in source.parts:
            continue
        text = source.read_text(encoding="utf-8")
        for name in [*names, *(p.removeprefix("templates/") for p in DOCUMENT_PAGES)]:
            for line in text.splitlines():
                if f'"{name}"' in line:
                    assert "render(" not in line or "render_to_string(" in line, (source, line)


def _upload(client, world, name, content):
    dossier = world.mine.dossier
    return client.post(
        reverse("journee:evidence", args=[dossier.pk]),
        {"file": SimpleUploadedFile(name, content), "kind": "invoice", "description": ""},
    )


def test_evidence_of_a_disguised_type_is_refused_and_nothing_is_stored(client, world):
    client.force_login(world.users["controller"])
    before = Evidence.objects.count()
    for name, content in [
        ("facture.pdf", b"<html><script>alert(1)</script></html>"),  # a page renamed .pdf
        ("photo.png", PDF),  # a PDF named as an image
        ("programme.exe", b"MZ\x90\x00" + b"\x00" * 60),
    ]:
        response = _upload(client, world, name, content)
        assert response.status_code == 200, name
        assert "Type de fichier refusé" in response.content.decode(), name
    assert Evidence.objects.count() == before


def test_evidence_over_ten_megabytes_is_refused(client, world, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(world.users["controller"])
    before = Evidence.objects.count()
    response = _upload(client, world, "gros.pdf", PDF + b"0" * 2048)
    assert "le maximum est de" in response.content.decode()
    assert Evidence.objects.count() == before


def test_pdf_image_and_email_evidence_are_accepted(client, world):
    client.force_login(world.users["controller"])
    before = Evidence.objects.count()
    for name, content in [
        ("bon-de-commande.pdf", PDF),
        ("bon-de-livraison.png", PNG),
        ("accuse.eml", "From: client@example.fr\nSubject: Reçu\n\nBien reçu.".encode()),
    ]:
        assert _upload(client, world, name, content).status_code == 302, name
    assert Evidence.objects.count() == before + 3


def test_uploaded_files_are_not_served_at_their_media_address(client, world):
    client.force_login(world.users["controller"])
    evidence = Evidence.objects.get(pk=world.mine.objects["evidence_pk"])
    assert (
        client.get("/" + settings.MEDIA_URL.strip("/") + "/" + evidence.file.name).status_code
        == 404
    )
    page = client.get(reverse("journee:dossier", args=[world.mine.dossier.pk])).content.decode()
    assert evidence.file.url not in page
    assert reverse("journee:evidence_file", args=[world.mine.dossier.pk, evidence.pk]) in page
