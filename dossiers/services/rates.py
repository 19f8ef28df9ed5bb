"""Adding reference rates: a half-year of legal interest rate, a value of the ECB rate.

Used by ``python manage.py add_rate`` and usable from any admin action. Bad input is refused
with a French message; the history records who added the row and why.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from dossiers.models import EcbRate, LegalInterestRate, Verification
from dossiers.services._common import User
from journal.journaled import journaled_save, require_reason
from legal.rates import HalfYear

MAX_PLAUSIBLE_PERCENT = Decimal("30")


def parse_percent(value, *, label: str) -> Decimal:
    """« 2,62 », « 2.62 » or a Decimal → Decimal("2.62"); refuses anything else in French."""
    text = str(value).strip().replace(",", ".").removesuffix("%").strip()
    try:
        percent = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            f"{label} : « {value} » n'est pas un taux (exemple : 2,62)."
        ) from None
    if not percent.is_finite():
        raise ValidationError(f"{label} : « {value} » n'est pas un taux (exemple : 2,62).")
    if percent != percent.quantize(Decimal("0.01")):
        raise ValidationError(f"{label} : deux décimales au plus (les arrêtés en ont deux).")
    return percent.quantize(Decimal("0.01"))


def parse_half_year(value: str) -> HalfYear:
    """« 2026-S2 », « 2026-H2 », « 2026-2 » or « S2 2026 » → HalfYear(2026, 2)."""
    text = str(value).strip().upper().replace(" ", "-")
    parts = [p for p in text.replace("/", "-").split("-") if p]
    if len(parts) == 2 and not parts[0].isdigit():
        parts.reverse()
    if len(parts) == 2 and parts[0].isdigit() and len(parts[0]) == 4:
        half = parts[1].removeprefix("S").removeprefix("H")
        if half in ("1", "2"):
            return HalfYear(int(parts[0]), int(half))
    raise ValidationError(
        f"Semestre « {value} » illisible : écrivez par exemple 2026-S2 (2e semestre 2026)."
    )


def _verification(verified: str) -> str:
    if verified not in Verification.values:
        raise ValidationError(
            f"Vérification « {verified} » inconnue : choisissez parmi "
            f"{', '.join(Verification.values)}."
        )
    return verified


def _source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise ValidationError(
            "Indiquez la source du taux (par exemple : arrêté du 15/12/2025, JORF du 26/12/2025)."
        )
    return source


def legal_rate_add(
    *,
    half_year: HalfYear,
    consumer_creditor_percent,
    other_creditor_percent,
    source: str,
    actor: User | None,
    verified: str = Verification.OFFICIAL,
    reason: str = "ajout du taux de l'intérêt légal",
) -> LegalInterestRate:
    """Record the legal interest rates of one half-year (C. mon. fin. L313-2)."""
    consumer = parse_percent(consumer_creditor_percent, label="Taux créancier particulier")
    other = parse_percent(other_creditor_percent, label="Taux autres cas")
    for label, percent in (("particulier", consumer), ("autres cas", other)):
        if not Decimal(0) <= percent <= MAX_PLAUSIBLE_PERCENT:
            raise ValidationError(
                f"Taux {label} de {percent} % invraisemblable : un taux de l'intérêt légal est "
                f"compris entre 0 et {MAX_PLAUSIBLE_PERCENT} %."
            )
    row = LegalInterestRate(
        half_year_start=half_year.start,
        half_year_end=half_year.end,
        consumer_creditor_percent=consumer,
        other_creditor_percent=other,
        source=_source(source),
        verified=_verification(verified),
    )
    with transaction.atomic():
        if LegalInterestRate.objects.filter(half_year_start=half_year.start).exists():
            raise ValidationError(
                f"Le taux de l'intérêt légal du {half_year.label} est déjà enregistré : "
                "corrigez-le dans l'administration (l'historique garde l'ancienne valeur)."
            )
        journaled_save(row, actor=actor, reason=require_reason(reason))
    return row


def ecb_rate_add(
    *,
    effective_from: date,
    rate_percent,
    source: str,
    actor: User | None,
    verified: str = Verification.OFFICIAL,
    reason: str = "ajout du taux BCE",
) -> EcbRate:
    """Record the ECB main refinancing rate from a date: a decision, or the value confirmed in
    force on 1 January / 1 July (C. com. L441-10 II)."""
    rate = parse_percent(rate_percent, label="Taux BCE")
    if not Decimal(-5) <= rate <= MAX_PLAUSIBLE_PERCENT:
        raise ValidationError(
            f"Taux BCE de {rate} % invraisemblable : attendu entre -5 et {MAX_PLAUSIBLE_PERCENT} %."
        )
    row = EcbRate(
        effective_from=effective_from,
        rate_percent=rate,
        source=_source(source),
        verified=_verification(verified),
    )
    with transaction.atomic():
        if EcbRate.objects.filter(effective_from=effective_from).exists():
            raise ValidationError(
                f"Un taux BCE est déjà enregistré au {effective_from:%d/%m/%Y} : corrigez-le dans "
                "l'administration."
            )
        journaled_save(row, actor=actor, reason=require_reason(reason))
    return row
