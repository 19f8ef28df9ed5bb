"""The Go/No-Go checklist (docs/legal.md §8): computed from the dossier, never ticked by hand.

The same ``Exists`` expressions serve the managers' list (one query for every dossier) and the
dossier's own page, which adds the journal's verification (a walk of the dossier's chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from dossiers.models import Dispute, Dossier, DossierState, Evidence, Payment, PaymentPlan
from escalade.models import AmicableResolutionAttempt, SolvencyAnalysis
from escalade.routes import COURT_ROUTES, needs_prior_amicable_attempt
from relances.models import CallLog, Reminder, Stage

E = Evidence.Kind


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    ok: bool
    missing: str  # what to do when it is missing
    required: bool = True

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "ok": self.ok, "required": self.required}


def _evidence(*kinds: str) -> Exists:
    return Exists(Evidence.objects.filter(dossier=OuterRef("pk"), kind__in=kinds))


def _sent(**filters) -> Exists:
    return Exists(
        Reminder.objects.filter(dossier=OuterRef("pk"), status=Reminder.Status.SENT, **filters)
    )


def annotations() -> dict[str, object]:
    """One boolean per checklist item, as SQL (``Exists``)."""
    return {
        "has_contract": _evidence(E.CONTRACT, E.ORDER),
        "has_invoice": _evidence(E.INVOICE),
        "has_delivery": _evidence(E.DELIVERY_NOTE),
        "has_reminders": _sent(
            step__stage__in=[Stage.REMINDER_1, Stage.REMINDER_2, Stage.REMINDER_3]
        ),
        "has_notice": _sent(step__stage=Stage.FORMAL_NOTICE),
        "has_receipt": _evidence(E.ACKNOWLEDGMENT),
        "has_plan_attempt": ExpressionWrapper(
            Q(Exists(PaymentPlan.objects.filter(dossier=OuterRef("pk"))))
            | Q(Exists(CallLog.objects.filter(dossier=OuterRef("pk"), plan_offered=True))),
            output_field=BooleanField(),
        ),
        "has_solvency": Exists(SolvencyAnalysis.objects.filter(dossier=OuterRef("pk"))),
        "has_amicable_attempt": Exists(
            AmicableResolutionAttempt.objects.filter(dossier=OuterRef("pk"))
        ),
        "has_open_dispute": Exists(
            Dispute.objects.filter(dossier=OuterRef("pk"), status=Dispute.Status.OPEN)
        ),
    }


def with_checklist(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.annotate(**annotations())


def paid_since_notice(dossier: Dossier) -> bool:
    """Money received since the formal notice was sent (the amicable phase still works)."""
    notice = (
        Reminder.objects.filter(
            dossier=dossier, status=Reminder.Status.SENT, step__stage=Stage.FORMAL_NOTICE
        )
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if notice is None:
        return False
    return Payment.objects.filter(
        Q(dossier=dossier, kind=Payment.Kind.PAYMENT, received_on__gte=notice.date())
    ).exists()


def items(
    row: Dossier, *, route: str | None, balance: Decimal, journal_ok: bool | None = None
) -> list[Item]:
    """The checklist of an annotated dossier; ``journal_ok`` None: not verified here."""
    result = [
        Item(
            "contract",
            "Contrat ou bon de commande",
            row.has_contract,
            "Déposez le contrat ou le bon de commande signé.",
        ),
        Item("invoice", "Facture", row.has_invoice, "Déposez la ou les factures."),
        Item(
            "delivery",
            "Preuve de livraison ou d'exécution",
            row.has_delivery,
            "Déposez le bon de livraison ou le procès-verbal de réception.",
        ),
        Item(
            "reminders", "Relances envoyées", row.has_reminders, "Aucune relance n'a été envoyée."
        ),
        Item(
            "notice",
            "Mise en demeure envoyée",
            row.has_notice,
            "La mise en demeure n'a pas été envoyée (C. civ. 1344).",
        ),
        Item(
            "receipt",
            "Accusé de réception de la mise en demeure",
            row.has_receipt,
            "Déposez l'avis de réception de la lettre recommandée.",
        ),
        Item(
            "plan",
            "Proposition d'échéancier documentée",
            row.has_plan_attempt,
            "Proposez un échéancier (appel ou échéancier enregistré).",
        ),
        Item(
            "solvency",
            "Analyse de solvabilité (sources licites)",
            row.has_solvency,
            "Enregistrez l'analyse de solvabilité et ses sources.",
        ),
    ]
    if journal_ok is not None:
        result.append(
            Item(
                "journal",
                "Journal probatoire vérifié",
                journal_ok,
                "La chaîne d'empreintes du dossier ne se vérifie pas : voir le journal.",
            )
        )
    if route and needs_prior_amicable_attempt(route, balance=balance, debtor_kind=row.debtor.kind):
        result.append(
            Item(
                "amicable",
                "Tentative préalable de résolution amiable (CPC 750-1)",
                row.has_amicable_attempt,
                "Avant le tribunal judiciaire jusqu'à 5 000 € : conciliation, médiation ou "
                "procédure participative.",
            )
        )
    return result


def missing(checklist: list[Item]) -> list[Item]:
    return [item for item in checklist if item.required and not item.ok]


def blocks(route: str, checklist: list[Item]) -> list[Item]:
    """What forbids the route: every missing piece, for a court route; nothing otherwise."""
    return missing(checklist) if route in COURT_ROUTES else []


def ready_for_decision() -> QuerySet[Dossier]:
    """The dossiers waiting for a Go/No-Go decision: at Go/No-Go, their formal notice sent (a
    notice still waiting for approval or sending holds the dossier at its step)."""
    return with_checklist(
        Dossier.objects.filter(state=DossierState.GO_NO_GO).select_related("debtor", "creditor")
    ).filter(has_notice=True)
