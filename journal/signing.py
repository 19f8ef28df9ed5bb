"""Electronic signature of the PDFs that go out (letters) and of the evidence bundle.

When a signing certificate is configured, ``sign_pdf`` signs a PDF **PAdES** (pyHanko,
``/ETSI.CAdES.detached``) as an incremental update: the signed file is the unsigned bytes
followed by one revision holding the signature, so the unsigned bytes (what the preview shows)
are exactly the first bytes of the signed file. With ``JOURNAL_TSA_URL`` set, the signature is
timestamped by that RFC 3161 authority (PAdES B-T). ``sign_data`` makes a detached CMS
signature (the bundle's manifest).

Settings: ``PDF_SIGNING_PKCS12`` (a ``.p12``/``.pfx`` file) and ``PDF_SIGNING_PASSPHRASE``, or
``PDF_SIGNING_KEY`` and ``PDF_SIGNING_CERT`` (PEM; ``PDF_SIGNING_KEY_PASSPHRASE`` if the key
is encrypted) with ``PDF_SIGNING_CHAIN`` (intermediate certificates, PEM). Without them nothing
is signed and the bytes are returned unchanged. ``PDF_SIGNING_CA_FILE``: the CA certificates a
verification trusts for the signer (``bundle_verify``; the bundle's ``verifier.py``).
"""

from __future__ import annotations

import functools
import io

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELD = "Signature1"


def configured() -> bool:
    return bool(
        getattr(settings, "PDF_SIGNING_PKCS12", "")
        or (getattr(settings, "PDF_SIGNING_KEY", "") and getattr(settings, "PDF_SIGNING_CERT", ""))
    )


def _settings_key() -> tuple:
    names = (
        "PDF_SIGNING_PKCS12",
        "PDF_SIGNING_PASSPHRASE",
        "PDF_SIGNING_KEY",
        "PDF_SIGNING_CERT",
        "PDF_SIGNING_KEY_PASSPHRASE",
        "PDF_SIGNING_CHAIN",
    )
    return tuple(str(getattr(settings, name, "") or "") for name in names)


@functools.lru_cache(maxsize=4)
def _load(key: tuple):
    from pyhanko.sign import signers

    pkcs12, passphrase, key_file, cert_file, key_passphrase, chain = key
    chain_files = [chain] if chain else None
    if pkcs12:
        signer = signers.SimpleSigner.load_pkcs12(
            pkcs12, ca_chain_files=chain_files, passphrase=passphrase.encode() or None
        )
    else:
        signer = signers.SimpleSigner.load(
            key_file,
            cert_file,
            ca_chain_files=chain_files,
            key_passphrase=key_passphrase.encode() or None,
        )
    if signer is None:
        raise ImproperlyConfigured(
            "Certificat de signature illisible (chemin, format ou phrase de passe)."
        )
    return _with_loaded_key(signer)


def _with_loaded_key(signer):
    """pyHanko's ``SimpleSigner`` parses (and checks) the private key again for every raw
    signature, twice per PDF: 0.35 s each with a 2048-bit RSA key on the test machine, most of a
    letter's signing. The key is parsed once here and kept with the signer."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.general import get_pyca_cryptography_hash

    key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    original = signer.sign_raw

    def sign_raw(data: bytes, digest_algorithm: str) -> bytes:
        mechanism = signer.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15":
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return original(data, digest_algorithm)

    signer.sign_raw = sign_raw
    return signer


def signer():
    """The configured pyHanko signer (loaded once per configuration), or None."""
    return _load(_settings_key()) if configured() else None


def _timestamper():
    url = getattr(settings, "JOURNAL_TSA_URL", "")
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=20)


def sign_pdf(data: bytes, *, reason: str = "", location: str = "") -> bytes:
    """``data`` signed PAdES (timestamped when a TSA is configured); unchanged without a
    certificate."""
    current = signer()
    if current is None:
        return data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
    )
    output = signers.sign_pdf(writer, metadata, signer=current, timestamper=_timestamper())
    return output.getvalue()


def sign_data(data: bytes) -> bytes | None:
    """A detached CMS signature (DER) of ``data``, timestamped when a TSA is configured; None
    without a certificate."""
    import asyncio

    current = signer()
    if current is None:
        return None
    signed = asyncio.run(
        current.async_sign_general_data(
            data, "sha256", detached=True, use_cades=True, timestamper=_timestamper()
        )
    )
    return signed.dump()
