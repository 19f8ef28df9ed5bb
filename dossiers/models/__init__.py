"""The recovery domain: who is owed, who owes, the dossier that pairs them, and its claims.

Models hold data and invariants only. Every write goes through ``dossiers.services``, which
records who and why in the history (django-simple-history on every model here). Invariants are
database constraints so that no code path can break them.
"""

from dossiers.models.arrangements import Dispute, Installment, PaymentPlan, Promise, Task
from dossiers.models.claims import (
    Claim,
    ClaimQuerySet,
    Evidence,
    Payment,
    PaymentAllocation,
    evidence_upload_to,
)
from dossiers.models.dossier import (
    ACTIVE_STATES,
    CADENCE_RANK,
    CADENCE_STATES,
    CLOSED_STATES,
    PAUSED_STATES,
    ZERO,
    Dossier,
    DossierQuerySet,
    DossierState,
)
from dossiers.models.parties import Creditor, Debtor, DebtorContact, LegalBasis
from dossiers.models.prescription import PrescriptionEvent
from dossiers.models.rates import EcbRate, LegalInterestRate, Verification

__all__ = [
    "ACTIVE_STATES",
    "CADENCE_RANK",
    "CADENCE_STATES",
    "CLOSED_STATES",
    "PAUSED_STATES",
    "ZERO",
    "Claim",
    "ClaimQuerySet",
    "Creditor",
    "Debtor",
    "DebtorContact",
    "Dispute",
    "Dossier",
    "DossierQuerySet",
    "DossierState",
    "EcbRate",
    "Evidence",
    "Installment",
    "LegalBasis",
    "LegalInterestRate",
    "Payment",
    "PaymentAllocation",
    "PaymentPlan",
    "PrescriptionEvent",
    "Promise",
    "Task",
    "Verification",
    "evidence_upload_to",
]
