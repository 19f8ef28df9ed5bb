"""Read a bank statement file, whatever its format: ``parse(content)`` → ``ParsedStatement``.

The format is recognised from the content (not the file name): XML is camt.053/054, a file of
120-character records starting with ``01`` is CFONB 120, a file with ``:20:``/``:61:`` fields
is MT940. Every parser is bounded (size, number of lines) and raises ``StatementError`` with
French messages naming the line or element; nothing is written by a parser.
"""

from __future__ import annotations

from imports.statements.parsers.camt import CAMT053, CAMT054, parse_camt
from imports.statements.parsers.cfonb import CFONB120, parse_cfonb120
from imports.statements.parsers.common import (
    CREDIT,
    DEBIT,
    Kind,
    ParsedStatement,
    ParsedTransaction,
    StatementError,
    check_size,
)
from imports.statements.parsers.mt940 import MT940, parse_mt940

FORMATS = {
    CAMT053: "ISO 20022 camt.053 (relevé)",
    CAMT054: "ISO 20022 camt.054 (avis de crédit/débit)",
    CFONB120: "CFONB 120",
    MT940: "SWIFT MT940",
}

__all__ = [
    "CAMT053",
    "CAMT054",
    "CFONB120",
    "CREDIT",
    "DEBIT",
    "FORMATS",
    "MT940",
    "Kind",
    "ParsedStatement",
    "ParsedTransaction",
    "StatementError",
    "detect",
    "parse",
]


def detect(content: bytes) -> str:
    """The format of a statement file, from its first bytes."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return CAMT054 if b"BkToCstmrDbtCdtNtfctn" in content[:65536] else CAMT053
    if b":61:" in content or b":60F:" in content or head.startswith(b"{1:"):
        return MT940
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if first[:2] in (b"01", b"04", b"05", b"07") and len(first) >= 80 and first[2:7].isdigit():
        return CFONB120
    raise StatementError(
        "Format de relevé non reconnu : camt.053/054 (XML), CFONB 120 ou MT940 attendus."
    )


def parse(content: bytes) -> ParsedStatement:
    check_size(content)
    fmt = detect(content)
    if fmt == MT940:
        return parse_mt940(content)
    if fmt == CFONB120:
        return parse_cfonb120(content)
    return parse_camt(content)
