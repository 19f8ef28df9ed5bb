"""Every write of the dossiers app: one function per business action, keyword-only arguments.

Each function runs in one transaction, validates the whole change before writing anything
(French messages), and records who did it and why on every history row it creates
(``_history_user`` and ``_change_reason``). Nothing is half-written: an error rolls back all.
"""

from dossiers.services._common import (
    accessories_claimed,
    dossier_balance,
    dossier_refresh,
    lock_dossier,
    paid_since,
    save_dossier,
)
from dossiers.services.lifecycle import (
    accessories_waive,
    claim_declaration_deadline,
    dispute_open,
    dispute_resolve,
    dossier_decide,
    formal_notice_deposited,
    formal_notice_sent,
    insolvency_open,
    installment_missed,
    plan_accept,
    plan_check,
    promise_check,
    promise_record,
    restriction_set,
    task_create,
)
from dossiers.services.portfolio import creditor_pool_set
from dossiers.services.prescription import prescription_event_record
from dossiers.services.rates import ecb_rate_add, legal_rate_add, parse_half_year, parse_percent
from dossiers.services.records import (
    allocate_oldest_first,
    claim_cancel,
    claim_create,
    closed_dossier_message,
    creditor_create,
    debtor_contact_add,
    debtor_create,
    debtor_update,
    debtors_create_many,
    dossier_open_or_join,
    dossiers_open_or_join,
    dossiers_refresh_opened,
    evidence_add,
    payment_record,
    payment_reverse,
    payment_unallocated,
)
from journal.journaled import journaled_save

__all__ = [
    "accessories_claimed",
    "accessories_waive",
    "allocate_oldest_first",
    "claim_cancel",
    "claim_create",
    "claim_declaration_deadline",
    "closed_dossier_message",
    "creditor_create",
    "creditor_pool_set",
    "debtor_contact_add",
    "debtor_create",
    "debtor_update",
    "debtors_create_many",
    "dispute_open",
    "dispute_resolve",
    "dossier_balance",
    "dossier_decide",
    "dossier_open_or_join",
    "dossier_refresh",
    "dossiers_open_or_join",
    "dossiers_refresh_opened",
    "ecb_rate_add",
    "evidence_add",
    "formal_notice_deposited",
    "formal_notice_sent",
    "insolvency_open",
    "installment_missed",
    "journaled_save",
    "legal_rate_add",
    "lock_dossier",
    "paid_since",
    "parse_half_year",
    "parse_percent",
    "payment_record",
    "payment_reverse",
    "payment_unallocated",
    "plan_accept",
    "plan_check",
    "prescription_event_record",
    "promise_check",
    "promise_record",
    "restriction_set",
    "save_dossier",
    "task_create",
]
