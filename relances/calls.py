"""The seeds' method for a collection call: the 10-step script, the 4C rule and call discipline.

Pure data and functions (no queries): the guided call form shows the script step by step, the
service ``relances.services.call_log`` applies the follow-up rules below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from legal import calendar
from legal.formatting import euros

# docs/legal.md §6: no text fixes hours for collection calls; the policy borrows the rule for
# commercial calls (C. conso. D223-9): Monday to Friday except public holidays, 10:00-13:00 and
# 14:00-20:00, at most 4 call attempts per debtor in 30 days.
CALL_WINDOWS = ((time(10, 0), time(13, 0)), (time(14, 0), time(20, 0)))
MAX_CALL_ATTEMPTS = 4
CALL_ATTEMPTS_WINDOW_DAYS = 30

# The seeds: a payment promised within a few days gets a follow-up call a week after the call;
# a payment promised further out (15 days, a month) gets the recap e-mail of the commitments.
QUICK_PAYMENT_DAYS = 7
FOLLOW_UP_CALL_AFTER_DAYS = 7


@dataclass(frozen=True)
class ScriptStep:
    number: int
    title: str
    guidance: str


SCRIPT: tuple[ScriptStep, ...] = (
    ScriptStep(
        1,
        "Se présenter",
        "Donnez votre nom et celui du créancier pour le compte duquel vous appelez.",
    ),
    ScriptStep(
        2,
        "Vérifier l'interlocuteur",
        "Assurez-vous de parler à la bonne personne et notez sa fonction : ne divulguez la "
        "dette à personne d'autre.",
    ),
    ScriptStep(
        3,
        "Annoncer l'objet de l'appel",
        "Citez les numéros de facture, le montant restant dû et le nombre de jours de retard.",
    ),
    ScriptStep(4, "Demander le motif du retard", "Une question ouverte, puis laissez répondre."),
    ScriptStep(5, "Écouter", "Reformulez ce que vous entendez ; notez les faits, pas les avis."),
    ScriptStep(
        6,
        "Répondre aux objections",
        "Répondez par des faits (bon de livraison, date de réception de la facture…). Une "
        "contestation sérieuse suspend les relances : ouvrez-la.",
    ),
    ScriptStep(
        7,
        "Obtenir un engagement précis",
        "Un montant et une date : « Je note un virement de 1 200,00 € le 30/11/2026. »",
    ),
    ScriptStep(
        8,
        "Proposer un échéancier si le débiteur est fragile",
        "En cas de difficulté réelle, proposez un paiement en plusieurs échéances.",
    ),
    ScriptStep(9, "Récapituler les engagements", "Relisez au débiteur le montant et la date."),
    ScriptStep(
        10,
        "Conclure courtoisement",
        "Remerciez et annoncez la suite : un rappel, ou le courriel récapitulatif.",
    ),
)

# The 4C of every contact; docs/legal.md §5: no threat, no claim of enforcement powers.
FOUR_C = (
    ("Courtois", "Vouvoiement, calme, aucune menace ni pression."),
    ("Clair", "Qui vous êtes, pour quel créancier, quelles factures, quel montant."),
    ("Concis", "Allez à l'essentiel : l'objet de l'appel tient en une phrase."),
    ("Concret", "Un montant et une date précis, puis la suite annoncée."),
)
FORBIDDEN_IN_CALLS = (
    "Ne dites jamais qu'un huissier (commissaire de justice) est mandaté, qu'une saisie ou une "
    "« exécution forcée » se prépare, ni que l'employeur, la famille ou les voisins seront "
    "informés : au stade amiable, aucune de ces mesures n'est engagée (docs/legal.md §5)."
)


def within_call_hours(moment: datetime, *, postal_code: str = "") -> bool:
    """Whether a call at ``moment`` (local time) falls in the policy's hours (C. conso. D223-9,
    borrowed)."""
    if not calendar.is_working_day(moment.date(), postal_code=postal_code):
        return False
    now = moment.time()
    return any(start <= now < end for start, end in CALL_WINDOWS)


@dataclass(frozen=True)
class FollowUp:
    """What a commitment obtained on the phone leads to."""

    call_on: date | None = None  # a follow-up call to make that day
    recap: bool = False  # the recap e-mail of the commitments is to be sent


def follow_up_for(*, called_on: date, commitment_date: date, postal_code: str = "") -> FollowUp:
    """The seeds: ≤ 7 days → call back a week after the call (on a working day); further out →
    recap e-mail of the commitments."""
    if (commitment_date - called_on).days <= QUICK_PAYMENT_DAYS:
        day = called_on + timedelta(days=FOLLOW_UP_CALL_AFTER_DAYS)
        return FollowUp(call_on=calendar.roll_forward(day, postal_code=postal_code))
    return FollowUp(recap=True)


def recap_text(
    *,
    creditor: str,
    reference: str,
    contact_name: str,
    called_on: date,
    amount: Decimal,
    due_on: date,
    invoices: list[str],
) -> str:
    """The recap of the commitments, as plain text; the letters issue renders the e-mail."""
    greeting = f"Bonjour {contact_name}," if contact_name else "Bonjour,"
    return (
        f"{greeting}\n\n"
        f"Suite à notre entretien téléphonique du {called_on:%d/%m/%Y}, nous prenons note de "
        f"votre engagement de régler {euros(amount)} au plus tard le {due_on:%d/%m/%Y}, au titre "
        f"des factures {', '.join(invoices) or '—'} (dossier {reference}).\n\n"
        f"Nous vous remercions de votre confiance.\n{creditor}"
    )
