"""What every statement parser returns, and the limits every parser keeps to."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings

# A statement is read whole in memory: its size and its number of lines are capped.
MAX_BYTES = getattr(settings, "STATEMENT_MAX_BYTES", 20 * 1024 * 1024)
MAX_TRANSACTIONS = getattr(settings, "STATEMENT_MAX_TRANSACTIONS", 200_000)
MAX_ERRORS = 50
# The largest amount a payment can hold (12 digits, 2 decimals).
MAX_AMOUNT = Decimal("9999999999.99")


class Kind:
    """What a statement line is, from the bank's own codes."""

    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    CHEQUE = "cheque"
    CARD = "card"
    RETURN = "return"  # a returned direct debit or transfer (rejet, impayé)
    FEES = "fees"
    OTHER = "other"


CREDIT = "credit"
DEBIT = "debit"


@dataclass
class ParsedTransaction:
    line: int  # where it is in the file: the line (CFONB, MT940) or the element's line (camt)
    account: str
    booked_on: date
    amount: Decimal  # always positive; the direction says which way
    direction: str
    value_on: date | None = None
    currency: str = "EUR"
    bank_reference: str = ""
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""
    structured_reference: str = ""
    bank_code: str = ""
    kind: str = Kind.OTHER


@dataclass
class ParsedStatement:
    format: str
    accounts: list[str] = field(default_factory=list)
    statement_id: str = ""
    currency: str = "EUR"
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    start: date | None = None
    end: date | None = None
    transactions: list[ParsedTransaction] = field(default_factory=list)


class StatementError(ValueError):
    """A file that cannot be read as a statement; ``messages`` name the line or element."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class Problems:
    """Collects French error messages; too many stop the reading."""

    def __init__(self):
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)
        if len(self.messages) >= MAX_ERRORS:
            self.messages.append("Trop d'erreurs : lecture arrêtée.")
            raise StatementError(self.messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise StatementError(self.messages)


def check_size(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise StatementError(
            f"Fichier trop volumineux ({len(content) // 1024} Kio) : "
            f"{MAX_BYTES // (1024 * 1024)} Mio au plus."
        )
    if not content.strip():
        raise StatementError("Le fichier est vide.")


def check_count(count: int) -> None:
    if count > MAX_TRANSACTIONS:
        raise StatementError(f"Trop d'opérations dans le fichier : {MAX_TRANSACTIONS} au plus.")


_SPACES = re.compile(r"\s+")


def clean(text: str | None, limit: int = 500) -> str:
    return _SPACES.sub(" ", text or "").strip()[:limit]


@functools.lru_cache(maxsize=256)
def french_rib_to_iban(bank: str, branch: str, account: str) -> str:
    """The French IBAN of a RIB (bank code, branch code, 11-character account number): the RIB
    key from the three, then the IBAN check digits (ISO 13616). Kept for the last accounts read:
    every record of a CFONB statement repeats its account (100,000 records at 1M claims)."""
    letters = str.maketrans(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789"
    )  # the RIB's letter table (A–I 1–9, J–R 1–9, S–Z 2–9)
    digits = account.upper().translate(letters)
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97
    bban = f"{bank}{branch}{account.upper()}{key:02d}"
    number = "".join(str(int(char, 36)) for char in bban + "FR00")
    return f"FR{98 - int(number) % 97:02d}{bban}"


def normalize_account(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()[:34]
