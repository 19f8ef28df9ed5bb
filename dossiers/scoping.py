"""Who may see what: the one place that turns a user's roles into the dossiers they may read
and the dossiers they may change.

- a controller (chargé(e) de recouvrement) sees the dossiers assigned to them, plus the
  unassigned dossiers of the creditors whose manager opened that pool
  (``Creditor.unassigned_pool_open``);
- a manager (responsable) sees the dossiers of the creditors they are in charge of
  (``Creditor.managers``);
- the DPO reads every dossier (access requests, purge reports) but changes none;
- an administrator configures the product and sees everything.

A user holding several roles gets the union. Everything here is a SQL filter (no per-object
permission rows): selectors, views, the API and the admin all start from these querysets, so
an object out of scope is simply not found (404), whatever its id.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from accounts import roles
from dossiers.models import (
    Claim,
    Creditor,
    Debtor,
    DebtorContact,
    Dispute,
    Dossier,
    Evidence,
    Installment,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    PrescriptionEvent,
    Promise,
    Task,
)

NOTHING = Q(pk__in=[])
OPEN = Q(closed_on__isnull=True)

# How each model reaches its dossier (the lookup path), for ``restrict``. Apps with their own
# dossier-bound models either name a ``dossier`` field (found without being listed) or add
# their model here with ``register``.
DOSSIER_PATHS: dict[type[Model], str] = {
    Dossier: "",
    Claim: "dossier",
    Payment: "dossier",
    PaymentAllocation: "payment__dossier",
    Evidence: "dossier",
    Promise: "dossier",
    PaymentPlan: "dossier",
    Installment: "plan__dossier",
    Dispute: "dossier",
    Task: "dossier",
    PrescriptionEvent: "dossier",
}


def register(model: type[Model], path: str) -> None:
    """Declare how a model of another app reaches its dossier (e.g. ``"reminder__dossier"``)."""
    DOSSIER_PATHS[model] = path


def managed_creditor_ids(user) -> QuerySet:
    """The ids of the creditors in the user's charge (``Creditor.managers``), as a subquery."""
    return Creditor.managers.through.objects.filter(user_id=user.pk).values("creditor_id")


def dossier_condition(user, *, editable: bool = False, closed_too: bool = False) -> Q | None:
    """The filter on ``Dossier`` for this user; ``None`` means every dossier.

    A closed dossier is an intermediate archive (GDPR): managers, the DPO and admins read it;
    a controller no longer does; and **nobody acts on it** (``editable``), whatever the role:
    only the GDPR purge, which takes no user scope, still writes to it. ``closed_too`` (with
    ``editable``): the user's portfolio, closed dossiers included (``portfolio_dossiers``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    held = roles.roles_of(user)
    if roles.ADMIN in held:
        return OPEN if editable and not closed_too else None
    if roles.DPO in held and not editable:
        return None
    parts = []
    if roles.MANAGER in held:
        parts.append(Q(creditor_id__in=managed_creditor_ids(user)))
    if roles.CONTROLLER in held:
        parts.append(Q(assigned_to_id=user.pk))
        parts.append(Q(assigned_to__isnull=True, creditor__unassigned_pool_open=True))
    if not parts:
        return NOTHING
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    if closed_too and editable:
        return condition
    if editable or roles.MANAGER not in held:
        condition &= OPEN
    return condition


def _dossiers(user, queryset, *, editable: bool) -> QuerySet[Dossier]:
    queryset = Dossier.objects.all() if queryset is None else queryset
    condition = dossier_condition(user, editable=editable)
    return queryset if condition is None else queryset.filter(condition)


def visible_dossiers(user, queryset: QuerySet[Dossier] | None = None) -> QuerySet[Dossier]:
    """The dossiers this user may read."""
    return _dossiers(user, queryset, editable=False)


def editable_dossiers(user, queryset: QuerySet[Dossier] | None = None) -> QuerySet[Dossier]:
    """The dossiers this user may act on (record, send, assign...): never any for the DPO."""
    return _dossiers(user, queryset, editable=True)


def portfolio_dossiers(user, queryset: QuerySet[Dossier] | None = None) -> QuerySet[Dossier]:
    """The dossiers the user would act on were they open, closed ones included (never any for
    the DPO): a payment the bank takes back on a dossier it had paid reopens it for them
    (``imports.statements``; the write service still decides, ``refuse_closed``)."""
    queryset = Dossier.objects.all() if queryset is None else queryset
    condition = dossier_condition(user, editable=True, closed_too=True)
    return queryset if condition is None else queryset.filter(condition)


def sees_every_dossier(user) -> bool:
    return dossier_condition(user) is None


def _path_of(model: type[Model]) -> str | None:
    if model in DOSSIER_PATHS:
        return DOSSIER_PATHS[model]
    try:
        field = model._meta.get_field("dossier")
    except Exception:
        return None
    return "dossier" if getattr(field, "related_model", None) is Dossier else None


def _debtor_path_of(model: type[Model]) -> str | None:
    """A model of another app naming a person through a ``debtor`` key (a rights request, a
    cadence override...) is seen with that debtor."""
    try:
        field = model._meta.get_field("debtor")
    except Exception:
        return None
    return "debtor" if getattr(field, "related_model", None) is Debtor else None


def is_scoped(model: type[Model]) -> bool:
    """Whether rows of this model belong to a dossier's scope (debtors and contacts do too)."""
    return (
        model in (Debtor, DebtorContact, Creditor)
        or _path_of(model) is not None
        or _debtor_path_of(model) is not None
    )


def restrict(queryset: QuerySet, user, *, editable: bool = False) -> QuerySet:
    """Any queryset of a dossier-bound model, a debtor, a contact or a model naming a debtor
    (``debtor`` key), cut to the user's scope.

    A model with no known way to its dossier is refused loudly rather than shown whole.
    """
    model = queryset.model
    condition = dossier_condition(user, editable=editable)
    if condition is None:
        return queryset
    if model is Debtor:
        return queryset.filter(Exists(Dossier.objects.filter(condition, debtor=OuterRef("pk"))))
    if model is DebtorContact:
        return queryset.filter(
            Exists(Dossier.objects.filter(condition, debtor=OuterRef("debtor_id")))
        )
    if model is Creditor:
        return visible_creditors(user, queryset)
    path = _path_of(model)
    if path is None and _debtor_path_of(model) is not None:
        debtors = Debtor.objects.filter(
            Exists(Dossier.objects.filter(condition, debtor=OuterRef("pk")))
        )
        return queryset.filter(**{f"{_debtor_path_of(model)}__in": debtors.values("pk")})
    if path is None:
        raise LookupError(f"{model._meta.label} n'a pas de chemin vers un dossier (scoping).")
    if path == "":
        return queryset.filter(condition)
    return queryset.filter(**{f"{path}__in": Dossier.objects.filter(condition).values("pk")})


def visible_debtors(user, queryset: QuerySet[Debtor] | None = None) -> QuerySet[Debtor]:
    """Debtors with at least one dossier in scope (every debtor for the DPO and admins)."""
    return restrict(Debtor.objects.all() if queryset is None else queryset, user)


def visible_creditors(user, queryset: QuerySet[Creditor] | None = None) -> QuerySet[Creditor]:
    """A manager sees the creditors in their charge; the other roles see every creditor (a
    controller records invoices for any of them; creditors are companies, not personal data)."""
    queryset = Creditor.objects.all() if queryset is None else queryset
    held = roles.roles_of(user)
    if not held:
        return queryset.none()
    if held == {roles.MANAGER}:
        return queryset.filter(pk__in=managed_creditor_ids(user))
    return queryset


def debtors_to_record_for(user) -> QuerySet[Debtor]:
    """The debtors a user may record a new invoice for: those with a dossier they may act on,
    and those with no dossier yet (just created: they belong to no portfolio)."""
    return restrict(Debtor.objects.all(), user, editable=True) | Debtor.objects.filter(
        ~Exists(Dossier.objects.filter(debtor=OuterRef("pk")))
    )


OUT_OF_PORTFOLIO = (
    "Le dossier de ce débiteur chez ce créancier n'est pas dans votre portefeuille : "
    "demandez à son responsable d'y enregistrer cette écriture."
)


def may_join(user, dossier: Dossier) -> bool:
    """Whether a write may land in this existing dossier (a new invoice, a payment, a status):
    the user must be able to act on it, as for any other action. An unassigned dossier is in
    its creditor's pool: its managers and admins act on it, controllers only while the pool is
    open (the README's « unassigned pool rule »)."""
    return editable_dossiers(user, Dossier.objects.filter(pk=dossier.pk)).exists()


def may_record_claim(user, *, creditor: Creditor, debtor: Debtor) -> bool:
    """A new invoice joins the pair's open dossier, or opens an unassigned one: the user must
    be able to act on the dossier it joins (writes are scoped like reads)."""
    if not visible_creditors(user).filter(pk=creditor.pk).exists():
        return False
    joined = Dossier.objects.filter(creditor=creditor, debtor=debtor, closed_on__isnull=True)
    return not joined.exists() or editable_dossiers(user, joined).exists()


def get_dossier(user, pk: int, *, editable: bool = False) -> Dossier:
    """The dossier to read (or, ``editable``, to act on) with its parties; one out of the user's
    scope is not found (404), whatever its id."""
    scope = editable_dossiers(user) if editable else visible_dossiers(user)
    try:
        return scope.select_related("debtor", "creditor", "assigned_to").get(pk=pk)
    except Dossier.DoesNotExist as exc:
        raise Http404("Dossier introuvable.") from exc


CLOSED_MESSAGE = "Dossier clos : archive intermédiaire en lecture seule jusqu'à sa purge (RGPD)."


def get_open_dossier(user, pk: int) -> Dossier:
    """The dossier, for an action: a closed dossier is read-only (intermediate archive), for
    every role (403 with the reason when the user reads it; 404 when out of scope)."""
    dossier = get_dossier(user, pk)
    if dossier.is_closed:
        raise PermissionDenied(CLOSED_MESSAGE)
    return get_dossier(user, pk, editable=True)


def can_act(user, dossier: Dossier) -> bool:
    """Whether the dossier page shows its action buttons: the workspace's roles, on an open
    dossier they may change; the DPO only reads."""
    return (
        roles.has_role(user, *roles.WORKSPACE)
        and not dossier.is_closed
        and editable_dossiers(user).filter(pk=dossier.pk).exists()
    )
