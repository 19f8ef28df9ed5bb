"""The prescription (limitation) date of a claim and the trail of events that set it.

Periods: 5 years between professionals (C. com. L110-4; C. civ. 2224), 2 years for a
professional's claim on a consumer (C. conso. L218-2); an unknown debtor gets the shorter one,
shown as an assumption. The period starts at the due date. It is counted in days (C. civ. 2228)
and reached once its last day has passed (2229): the prescription date is the same day number N
years later (29 February → 28 February), the last day on which the creditor may still act.
Weekends and public holidays do not extend it (CPC 642 is for procedural deadlines).

An acknowledgment by the debtor (accepted payment plan, partial payment, written acknowledgment,
request for time) interrupts it: a new period of the same length starts from its date (C. civ.
2240, 2231). A mediation or conciliation agreed in writing suspends it (2238): the clock stops at
its start and, at its end, resumes for what was left, and never less than 6 months. Reminders and
formal notices have no effect on it, so they are not inputs here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from legal import rules
from legal.calendar import add_months


class EventKind:
    """What an event does to the prescription."""

    INTERRUPTION = "interruption"
    SUSPENSION_START = "suspension_start"
    SUSPENSION_END = "suspension_end"


DEBTOR_PERIODS = {
    "professional": (
        rules.PRESCRIPTION_YEARS_PROFESSIONAL,
        "C. com. L110-4, C. civ. 2224",
    ),
    "consumer": (rules.PRESCRIPTION_YEARS_CONSUMER, "C. conso. L218-2"),
}
UNKNOWN_KIND_ASSUMPTION = (
    "Type de débiteur inconnu : le délai le plus court (2 ans, C. conso. L218-2) est retenu "
    "par prudence, à confirmer."
)


@dataclass(frozen=True)
class PrescriptionEvent:
    """A fact that acts on the prescription: its date, what it does, and how to name it."""

    day: date
    effect: str  # an ``EventKind`` value
    label: str  # « Paiement partiel de 200,00 € », « Échéancier accepté »...


@dataclass(frozen=True)
class TrailEntry:
    day: date
    event: str
    effect: str
    prescription_date: date | None

    def as_dict(self) -> dict:
        return {
            "date": self.day.isoformat(),
            "evenement": self.event,
            "effet": self.effect,
            "prescription": self.prescription_date.isoformat() if self.prescription_date else None,
        }


@dataclass(frozen=True)
class Prescription:
    """The answer: the date (None while suspended), why, and the whole trail."""

    date: date | None
    years: int
    reason: str
    trail: tuple[TrailEntry, ...]
    assumption: str = ""
    suspended_since: date | None = None
    notes: tuple[str, ...] = field(default=())

    def is_reached(self, on: date) -> bool:
        """C. civ. 2229: reached once the last day has passed."""
        return self.date is not None and on > self.date


def _years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def _fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def prescription_date(
    *,
    due_date: date,
    debtor_kind: str,
    events: Iterable[PrescriptionEvent] = (),
    on: date | None = None,
) -> Prescription:
    """The prescription date of a claim at ``on`` (events after ``on`` are ignored).

    C. com. L110-4, C. civ. 2224, C. conso. L218-2 (periods); C. civ. 2228-2229 (counting),
    2231 and 2240 (interruption by acknowledgment), 2238 (suspension by mediation).
    """
    assumption = ""
    if debtor_kind in DEBTOR_PERIODS:
        years, article = DEBTOR_PERIODS[debtor_kind]
    else:
        years, article = DEBTOR_PERIODS["consumer"]
        assumption = UNKNOWN_KIND_ASSUMPTION
    expiry = _years(due_date, years)
    reason = f"Échéance du {_fr(due_date)} : délai de {years} ans ({article})"
    trail = [
        TrailEntry(
            due_date,
            "Échéance de la facture",
            f"point de départ du délai de {years} ans ({article})",
            expiry,
        )
    ]
    suspended_since: date | None = None
    remaining_days = 0
    # Same day: an interruption counts before a suspension starts, a suspension ends last.
    order = {EventKind.INTERRUPTION: 0, EventKind.SUSPENSION_START: 1, EventKind.SUSPENSION_END: 2}
    for event in sorted(events, key=lambda e: (e.day, order[e.effect])):
        if on is not None and event.day > on:
            break
        if suspended_since is None and event.day > expiry:
            trail.append(
                TrailEntry(
                    event.day,
                    event.label,
                    f"sans effet : prescription acquise à la fin du {_fr(expiry)}",
                    expiry,
                )
            )
            continue
        if event.effect == EventKind.INTERRUPTION:
            if event.day <= due_date:
                trail.append(
                    TrailEntry(
                        event.day, event.label, "sans effet : antérieur à l'échéance", expiry
                    )
                )
                continue
            new_expiry = _years(event.day, years)
            if suspended_since is not None:
                remaining_days = (new_expiry - event.day).days
                effect = (
                    f"interrompt la prescription (C. civ. 2240) : nouveau délai de {years} ans, "
                    "qui courra à la fin de la médiation"
                )
                trail.append(TrailEntry(event.day, event.label, effect, None))
            else:
                expiry = new_expiry
                reason = (
                    f"{event.label} le {_fr(event.day)} : nouveau délai de {years} ans "
                    "(reconnaissance de dette, C. civ. 2240 et 2231)"
                )
                trail.append(
                    TrailEntry(
                        event.day,
                        event.label,
                        f"interrompt la prescription : nouveau délai de {years} ans (C. civ. "
                        "2240, 2231)",
                        expiry,
                    )
                )
        elif event.effect == EventKind.SUSPENSION_START:
            if suspended_since is not None or event.day < due_date:
                trail.append(TrailEntry(event.day, event.label, "sans effet", expiry))
                continue
            suspended_since = event.day
            remaining_days = (expiry - event.day).days
            trail.append(
                TrailEntry(
                    event.day,
                    event.label,
                    f"suspend la prescription (C. civ. 2238) ; il restait {remaining_days} jours",
                    None,
                )
            )
        elif event.effect == EventKind.SUSPENSION_END:
            if suspended_since is None:
                trail.append(TrailEntry(event.day, event.label, "sans effet", expiry))
                continue
            expiry = max(
                event.day + timedelta(days=remaining_days),
                add_months(event.day, rules.MEDIATION_MINIMUM_REMAINING_MONTHS),
            )
            reason = (
                f"{event.label} le {_fr(event.day)} : la prescription reprend son cours, "
                f"au moins 6 mois (C. civ. 2238)"
            )
            trail.append(
                TrailEntry(
                    event.day,
                    event.label,
                    "la prescription reprend pour le temps qui restait, au moins 6 mois "
                    "(C. civ. 2238)",
                    expiry,
                )
            )
            suspended_since = None
    if suspended_since is not None:
        return Prescription(
            date=None,
            years=years,
            reason=(
                f"Prescription suspendue depuis le {_fr(suspended_since)} (médiation ou "
                "conciliation en cours, C. civ. 2238)"
            ),
            trail=tuple(trail),
            assumption=assumption,
            suspended_since=suspended_since,
        )
    return Prescription(
        date=expiry, years=years, reason=reason, trail=tuple(trail), assumption=assumption
    )
