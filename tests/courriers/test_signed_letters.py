"""Issue #21: with a signing certificate, every letter PDF that goes out is signed PAdES and
timestamped (a test CA and a loopback TSA made at test time); the preview's bytes are the
signed file's first bytes; without a certificate, nothing changes."""

import hashlib
import io
import shutil
import zipfile

import pytest
from django.core import mail

from courriers import rendering
from courriers.models import SentMessage
from escalade import verifier
from relances.models import Reminder
from tests.courriers.letters_helpers import STEP_DAYS, D, make_claim, reminder, walk_to
from tests.courriers.test_letters_dated import SENDING, _approve_and_deliver

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl absent"),
]


def _check(name: str, pdf: bytes, *, ca: str, tsa_ca: str) -> verifier.Report:
    """The stand-alone verifier's signature check on one PDF."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, pdf)
    report = verifier.Report()
    with zipfile.ZipFile(buffer) as archive:
        verifier.check_signatures(archive, report, ca=[ca], tsa_ca=[tsa_ca])
    return report


def test_a_notice_sent_is_signed_timestamped_and_starts_with_the_previews_bytes(
    frozen, walk, django_capture_on_commit_callbacks, signing_certificate, tsa, settings
):
    claim = make_claim(frozen)
    walk_to(walk, claim, D(2026, 11, 16))
    notice = reminder(claim, "r45-mise-en-demeure")
    with frozen(SENDING):
        preview = rendering.render_letter(notice)  # what the controller sees before approving
    assert b"/ByteRange" not in preview

    notice = _approve_and_deliver(claim, frozen, django_capture_on_commit_callbacks)

    assert notice.status == Reminder.Status.SENT
    sent = SentMessage.objects.get(reminder=notice)
    stored = sent.pdf.read()
    assert hashlib.sha256(stored).hexdigest() == sent.pdf_sha256
    # The signature is an incremental update: the preview's bytes, then the signature.
    assert stored.startswith(preview) and len(stored) > len(preview)
    assert b"/ETSI.CAdES.detached" in stored
    assert tsa  # the authority was asked

    report = _check(
        "courrier.pdf",
        stored,
        ca=str(signing_certificate["ca.pem"]),
        tsa_ca=settings.JOURNAL_TSA_CA_FILE,
    )
    assert report.ok, report.errors
    (note,) = report.notes
    assert "signature intègre de « " in note and "Cabinet de recouvrement de test" in note
    assert "le certificat remonte à l'autorité de certification fournie" in note
    assert "horodatage RFC 3161 du " in note and "la signature existait à cette date" in note


def test_the_email_carries_the_signed_pdf_kept_and_an_alteration_fails(
    frozen, walk, signing_certificate
):
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    stored = SentMessage.objects.get(reminder=reminder(claim, "r7-email")).pdf.read()
    (attachment,) = mail.outbox[-1].attachments
    assert attachment[1] == stored  # the e-mail carries the very bytes kept as evidence

    ca = str(signing_certificate["ca.pem"])
    report = _check("courrier.pdf", stored, ca=ca, tsa_ca=ca)
    assert report.ok and "sans horodatage" in report.notes[0]

    position = stored.index(b"Page 1") if b"Page 1" in stored else len(stored) // 3
    altered = stored[:position] + bytes([stored[position] ^ 1]) + stored[position + 1 :]
    report = _check("courrier.pdf", altered, ca=ca, tsa_ca=ca)
    assert not report.ok
    assert "signature invalide (le PDF modifié après sa signature" in report.errors[0]


def test_without_a_certificate_letters_stay_unsigned(frozen, walk, settings):
    settings.PDF_SIGNING_PKCS12 = ""
    settings.PDF_SIGNING_KEY = ""
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    stored = SentMessage.objects.get(reminder=reminder(claim, "r7-email")).pdf.read()
    assert b"/ByteRange" not in stored


def test_a_pem_key_and_certificate_sign_too(frozen, walk, signing_certificate, settings):
    settings.PDF_SIGNING_PKCS12 = ""
    settings.PDF_SIGNING_KEY = str(signing_certificate["signer.key"])
    settings.PDF_SIGNING_CERT = str(signing_certificate["signer.pem"])
    claim = make_claim(frozen)
    walk_to(walk, claim, STEP_DAYS["r7-email"])
    stored = SentMessage.objects.get(reminder=reminder(claim, "r7-email")).pdf.read()
    ca = str(signing_certificate["ca.pem"])
    assert _check("courrier.pdf", stored, ca=ca, tsa_ca=ca).ok
