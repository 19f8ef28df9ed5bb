"""What every dossier service shares: validated, journaled saves and the dossier refresh."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from dossiers import scheduling
from dossiers.models import ZERO, Dossier, DossierState, Payment, Promise
from dossiers.selectors import dossier_accessories
from journal.journaled import journaled_save

User = AbstractBaseUser
S = DossierState


def cents(total) -> Decimal:
    """An aggregated amount, exact to the cent: SQLite sums decimals as floats
    (1234.5600000000001), or as integers when read without the ORM's converters, PostgreSQL
    does not; all come out as Decimal('1234.56')."""
    if isinstance(total, float | int):
        total = Decimal(repr(total))
    return (total or ZERO).quantize(ZERO)


class DossierClosed(ValidationError):
    """An action refused because its dossier is closed (a ``ValidationError``: pages show it
    on the form, the API answers 400 with it)."""


def closed_message(dossier: Dossier, action: str) -> str:
    """Why an action is refused on a closed dossier, in French, naming the dossier and its
    state."""
    return (
        f"Le dossier {dossier.reference} est clos ({dossier.get_state_display()} le "
        f"{dossier.closed_on:%d/%m/%Y}) : {action} impossible. Un dossier clos est une archive "
        "intermédiaire en lecture seule jusqu'à sa purge (RGPD)."
    )


def refuse_closed(
    dossier: Dossier, *, action: str, allow: Iterable[str] = (), message: str = ""
) -> None:
    """Refuse a write on a closed dossier (paid, litigation, written off), whoever asks.

    Every service a person (or the debtor on their page) uses to act on a dossier calls it,
    after locking the dossier, so that no page, API route, admin screen, import or task can
    write to the intermediate archive, whatever scope it read the dossier from. ``allow`` names
    the closed states in which this very action legitimately continues: the court route's
    follow-up on a dossier in litigation (``escalade.court``: its deadline tasks and acts), a
    payment the bank took back on a dossier it had paid (it reopens). The GDPR purge writes to
    closed dossiers through its own door (``rgpd.services.purge_run``) and never calls this;
    nor do the closing's own consequences (planned reminders cancelled, purge date set,
    thank-you message), which are part of the act that closed the dossier. ``message``: a
    more precise French explanation than the general one.
    """
    if dossier.is_closed and dossier.state not in tuple(allow):
        raise DossierClosed(message or closed_message(dossier, action))


def dossier_balance(dossier: Dossier) -> Decimal:
    """What is still due on the dossier's invoices."""
    return cents(dossier.claims.aggregate(total=Sum("outstanding"))["total"])


def amount_due(dossier: Dossier, *, on: date | None = None) -> Decimal:
    """What a promise or a payment plan covers: the balance of the invoices or, once the
    principal is paid and the accessories pursued, what is left of them (C. com. L441-10 II,
    D441-5; a ``LowerBound`` while a rate is missing)."""
    if dossier.in_accessories_phase:
        return dossier_accessories(dossier, on=on).remaining
    return dossier_balance(dossier)


def lock_dossier(dossier: Dossier | int) -> Dossier:
    """The dossier's row, locked until the transaction ends: one writer at a time per dossier."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    return Dossier.objects.select_for_update().select_related("debtor", "creditor").get(pk=pk)


def save_dossier(dossier: Dossier, *, actor: User | None, reason: str, on: date) -> None:
    """Save a dossier after a change, with its next action date recomputed."""
    dossier.next_action_at = scheduling.next_action_at(dossier, on=on)
    journaled_save(dossier, actor=actor, reason=reason, exclude=["state"])


def paid_since(dossier: Dossier, start: date, until: date) -> Decimal:
    """Money received (not credit notes) between two dates, both included."""
    total = Payment.objects.filter(
        dossier=dossier,
        kind=Payment.Kind.PAYMENT,
        reversed_on__isnull=True,
        received_on__gte=start,
        received_on__lte=until,
    ).aggregate(total=Sum("amount"))["total"]
    return cents(total)


def dossier_refresh(
    *, dossier: Dossier, actor: User | None, reason: str, on: date | None = None
) -> Dossier:
    """Bring a locked dossier in line with its claims after any change.

    A cleared balance closes it as paid from any active state; a kept promise resumes the
    cadence; the reference date follows the oldest unpaid invoice (the cadence re-anchors on
    it); the next action date is recomputed.
    """
    on = on or timezone.localdate()
    if dossier.is_closed:
        return dossier
    # The dossier's invoices in one read: any at all, those unpaid, the oldest unpaid's due date.
    unpaid = Q(outstanding__gt=0, cancelled_on__isnull=True)
    claims = dossier.claims.aggregate(
        count=Count("pk"), unpaid=Count("pk", filter=unpaid), first=Min("due_date", filter=unpaid)
    )
    if claims["count"] and not claims["unpaid"]:
        on = max(on, dossier.opened_on)
        if dossier.in_accessories_phase and dossier.state != DossierState.ACCESSORIES:
            return _accessories_paused(dossier, actor=actor, reason=reason, on=on)
        return _principal_paid(dossier, actor=actor, reason=reason, on=on)
    if dossier.state == DossierState.ACCESSORIES and claims["unpaid"]:
        dossier.new_invoice()
        reason = f"{reason} : nouvelle facture impayée, reprise de la cadence"
    elif dossier.in_accessories_phase and claims["unpaid"]:
        # Paused on its accessories (promise, plan, dispute…) when a new invoice came: on
        # resuming, the principal's cadence starts again (the accessories stay in its figures).
        dossier.accessories_since = None
        if dossier.resume_state == DossierState.ACCESSORIES:
            dossier.resume_state = DossierState.OPEN
    dossier.reference_date = claims["first"]
    promise = dossier.promises.filter(status=Promise.Status.PENDING).first()
    if promise and paid_since(dossier, promise.made_on, on) >= promise.amount:
        promise.status = Promise.Status.KEPT
        promise.settled_on = on
        journaled_save(promise, actor=actor, reason="promesse tenue")
        if dossier.state == "promise":
            dossier.resume()
            reason = f"{reason} : promesse tenue, reprise de la cadence"
    save_dossier(dossier, actor=actor, reason=reason, on=on)
    return dossier


def accessories_claimed(dossier: Dossier) -> bool:
    """Whether the accessories are pursued once the principal is paid: a professional debtor
    (C. com. L441-10 II, D441-5) and a creditor that does not waive them."""
    return dossier.debtor.kind == "professional" and not dossier.creditor.waives_accessories


def _promise_kept(dossier: Dossier, *, actor: User | None, on: date) -> bool:
    promise = dossier.promises.filter(status=Promise.Status.PENDING).first()
    if promise is None or paid_since(dossier, promise.made_on, on) < promise.amount:
        return False
    promise.status = Promise.Status.KEPT
    promise.settled_on = on
    journaled_save(promise, actor=actor, reason="promesse tenue")
    return True


def _accessories_paused(dossier: Dossier, *, actor: User | None, reason: str, on: date) -> Dossier:
    """Money received while the accessories are paused by a promise, a plan or a dispute
    (docs/legal.md §11): it pays them; a promise covered resumes their cadence; once nothing
    is left the dossier closes as paid (the plan honoured)."""
    kept = _promise_kept(dossier, actor=actor, on=on)
    if dossier_accessories(dossier, on=on).remaining > 0:
        reason = f"{reason} : imputé sur les accessoires"
        if kept and dossier.state == DossierState.PROMISE:
            dossier.resume()
            reason = f"{reason}, promesse tenue : reprise de la cadence des accessoires"
        save_dossier(dossier, actor=actor, reason=reason, on=on)
        return dossier
    dossier.settle(on=on)
    journaled_save(dossier, actor=actor, reason=f"{reason} : accessoires réglés", exclude=["state"])
    scheduling.cadence_stopped.send(
        sender=Dossier, dossier=dossier, actor=actor, reason="dossier soldé"
    )
    return dossier


def _principal_paid(dossier: Dossier, *, actor: User | None, reason: str, on: date) -> Dossier:
    """Nothing is left of the principal. A professional who paid late still owes the penalties
    and the indemnity: the dossier goes to « Accessoires dus » (unless its creditor waives
    them, or they are paid already); otherwise, or once they are paid, it closes as paid."""
    if dossier.state == DossierState.ACCESSORIES:
        if dossier_accessories(dossier, on=on).remaining > 0:
            save_dossier(
                dossier, actor=actor, reason=f"{reason} : imputé sur les accessoires", on=on
            )
            return dossier
        dossier.close_accessories(on=on)
        journaled_save(
            dossier, actor=actor, reason=f"{reason} : accessoires réglés", exclude=["state"]
        )
        scheduling.cadence_stopped.send(
            sender=Dossier, dossier=dossier, actor=actor, reason="dossier soldé"
        )
        return dossier
    owed = accessories_claimed(dossier) and dossier_accessories(dossier, on=on).remaining > 0
    dossier.settle(on=on, accessories_owed=owed)
    if owed:
        # The principal's cadence stops (its planned reminders are cancelled); the accessories'
        # own cadence takes over (relances.planning).
        scheduling.cadence_stopped.send(
            sender=Dossier, dossier=dossier, actor=actor, reason="principal réglé"
        )
        save_dossier(
            dossier,
            actor=actor,
            reason=f"{reason} : principal réglé, pénalités et indemnité dues",
            on=on,
        )
        return dossier
    journaled_save(dossier, actor=actor, reason=f"{reason} : solde réglé", exclude=["state"])
    scheduling.cadence_stopped.send(
        sender=Dossier, dossier=dossier, actor=actor, reason="dossier soldé"
    )
    return dossier
