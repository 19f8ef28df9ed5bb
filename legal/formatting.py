"""French display of amounts and dates, for messages, letters and pages: 1 234,56 €, 23/11/2026."""

from datetime import date
from decimal import Decimal

from django.utils.formats import number_format

from legal.bounds import LowerBound


def euros(amount: Decimal | int | None) -> str:
    """``Decimal("1234.5")`` → ``"1 234,50 €"`` (French grouping and decimal comma); a lower
    bound (``legal.bounds.LowerBound``, a rate not published) → ``"au moins 1 234,50 €, calcul
    arrêté au 30/06/2026, taux du 2nd semestre 2026 non publié"``."""
    text = f"{number_format(amount or 0, 2, use_l10n=True, force_grouping=True)} €"
    if isinstance(amount, LowerBound):
        return f"au moins {text}, {amount.phrase}"
    return text


def french_date(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""
