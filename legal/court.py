"""The court route's own deadlines, after the Go/No-Go decision (docs/legal.md §8).

Every duration here carries its article; each deadline is a procedural one, so a last day on a
Saturday, Sunday or public holiday moves to the next working day (CPC 641-642, via
``legal.calendar.roll_forward``), and a deadline in months ends on the same day number of the
last month (CPC 641 al. 2; ``add_months``: 31 → 30 or 28/29).

- Simplified procedure for small claims (CPCE L125-1, R125-1 et s.): the commissaire de justice
  invites the debtor (registered letter or electronic means); the debtor has one month from that
  invitation to accept; on agreement the commissaire de justice issues an enforceable title; a
  refusal or silence ends the procedure, and the other routes (injonction de payer, assignation)
  are open.
- Injonction de payer (CPC 1405 et s.): the order is void unless served within six months of its
  date (CPC 1411) — three months for orders issued from 1 September 2026 (décret n° 2026-96);
  the debtor may oppose within one month of service (CPC 1416 al. 1); without opposition, the
  creditor asks for the executory formula within the month that follows the end of the
  opposition period (CPC 1422-1423), i.e. up to two months after service — the opposition
  period ending on its last day as moved by CPC 642, the month for the formula runs from that
  day. When the order was not served to the debtor in person (at home, at the commissaire de
  justice's office…), the opposition stays open until one month after the first act served to
  the person or, failing that, the first enforcement measure making the debtor's goods
  unavailable in whole or in part (CPC 1416 al. 2); the formula may still be asked after the
  first month, « quelles que soient les modalités de la signification » (CPC 1422).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from legal.calendar import add_months, roll_forward

# CPCE L125-1, R125-1 et s.: the debtor has one month from the invitation to accept.
SMALL_CLAIMS_ACCEPTANCE_MONTHS = 1
# CPC 1411: an order not served within six months of its date is void ...
INJUNCTION_SERVICE_MONTHS_BEFORE_2026_09 = 6
# ... three months for the orders issued from 1 September 2026 (décret n° 2026-96).
INJUNCTION_SERVICE_MONTHS = 3
INJUNCTION_SHORTER_SERVICE_FROM = date(2026, 9, 1)
# CPC 1416 al. 1: opposition within one month of the service.
INJUNCTION_OPPOSITION_MONTHS = 1
# CPC 1422-1423: without opposition, the executory formula is asked within the month that
# follows the end of the opposition period.
INJUNCTION_ENFORCEMENT_REQUEST_MONTHS = 1


@dataclass(frozen=True)
class Deadline:
    """A last day, with the article that sets it and what it is for (in French)."""

    last_day: date
    reference: str
    label: str


def small_claims_acceptance(invited_on: date, *, postal_code: str = "") -> Deadline:
    """The debtor's month to accept the commissaire de justice's invitation (CPCE L125-1, R125-1
    et s.)."""
    day = add_months(invited_on, SMALL_CLAIMS_ACCEPTANCE_MONTHS)
    return Deadline(
        roll_forward(day, postal_code=postal_code),
        "CPCE L125-1, R125-1 et s.",
        "Réponse du débiteur à l'invitation du commissaire de justice (un mois)",
    )


def injunction_service_months(order_on: date) -> int:
    """Six months to serve the order (CPC 1411), three for an order issued from 01/09/2026
    (décret n° 2026-96)."""
    if order_on >= INJUNCTION_SHORTER_SERVICE_FROM:
        return INJUNCTION_SERVICE_MONTHS
    return INJUNCTION_SERVICE_MONTHS_BEFORE_2026_09


def injunction_service(order_on: date, *, postal_code: str = "") -> Deadline:
    """The last day to serve the order, after which it is void (CPC 1411; décret n° 2026-96)."""
    months = injunction_service_months(order_on)
    reference = "CPC 1411"
    if order_on >= INJUNCTION_SHORTER_SERVICE_FROM:
        reference += " ; décret n° 2026-96"
    return Deadline(
        roll_forward(add_months(order_on, months), postal_code=postal_code),
        reference,
        f"Signification de l'ordonnance d'injonction de payer ({months} mois, sinon non avenue)",
    )


def injunction_opposition(served_on: date, *, postal_code: str = "") -> Deadline:
    """The debtor's month to oppose, from the service made to the person (CPC 1416 al. 1)."""
    return Deadline(
        roll_forward(add_months(served_on, INJUNCTION_OPPOSITION_MONTHS), postal_code=postal_code),
        "CPC 1416",
        "Délai d'opposition du débiteur (un mois à compter de la signification)",
    )


def injunction_late_opposition(first_personal_act_on: date, *, postal_code: str = "") -> Deadline:
    """Service not made to the person: the opposition is open until one month after the first
    act served to the person or, failing that, the first enforcement measure making the
    debtor's goods unavailable (CPC 1416 al. 2)."""
    return Deadline(
        roll_forward(
            add_months(first_personal_act_on, INJUNCTION_OPPOSITION_MONTHS),
            postal_code=postal_code,
        ),
        "CPC 1416 al. 2",
        "Délai d'opposition du débiteur (un mois à compter du premier acte signifié à personne "
        "ou de la première mesure d'exécution rendant ses biens indisponibles)",
    )


def injunction_enforcement(served_on: date, *, postal_code: str = "") -> Deadline:
    """Without opposition, the last day to ask for the executory formula: one month after the
    opposition period ends (CPC 1422-1423), about two months after the service. The opposition
    period ends on its last day as moved by CPC 642 (a closed day: the next working day); the
    month for the formula runs from there."""
    opposition_ends = injunction_opposition(served_on, postal_code=postal_code).last_day
    day = add_months(opposition_ends, INJUNCTION_ENFORCEMENT_REQUEST_MONTHS)
    return Deadline(
        roll_forward(day, postal_code=postal_code),
        "CPC 1422-1423",
        "Demande de la formule exécutoire, en l'absence d'opposition",
    )
