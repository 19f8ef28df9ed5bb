"""What an experiment shows: each variant's figures with their intervals, and, once the
experiment has reached its planned size and every dossier has been observed, the comparisons
with the control and the verdict (``stats``; design in docs/experiences.md).

A dossier's clock starts with its first reminder (the first contact planned or made, not
cancelled). It is *observed* for a measure whose window is N days:
- N days after its first reminder (the window is over): paid if paid in full by then;
- at once if it was paid (or closed) before any reminder;
- at the latest ``OBSERVATION_CAP_DAYS`` after its draw (a dossier never reminded: in dispute,
  in a plan...), then counted as not paid.
« Paid » is the principal paid in full: the dossier closed as paid, or left with its
accessories. The amount is what the debtor paid (payments not rejected, credit notes left out)
by the end of the window; the cost, the reminders sent on a channel with a cost and the calls
made by then, at the unit costs of « Pilotage › Coûts des actions ».
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Min
from django.utils import timezone
from django.utils.formats import number_format

from dossiers.models import DossierState, Payment
from experiences import stats
from experiences.models import Assignment, Experiment, Measure, Variant
from legal.formatting import euros
from pilotage import services as pilotage_services
from relances.models import CallLog, Channel, Reminder

HORIZON = {Measure.PAID_15: 15, Measure.PAID_30: 30, Measure.AMOUNT: 60, Measure.COST: 60}
OBSERVATION_CAP_DAYS = 60
MIN_OBSERVED = 2  # per variant, for a comparison
COST_FIELDS = {
    Channel.EMAIL: "email",
    Channel.SMS: "sms",
    Channel.LETTER: "letter",
    Channel.REGISTERED_LETTER: "registered_letter",
}
KIND = {
    Measure.PAID_15: "share",
    Measure.PAID_30: "share",
    Measure.AMOUNT: "mean",
    Measure.COST: "ratio",
}


@dataclass
class Facts:
    """What the reads give for one dossier drawn into the experiment."""

    variant_id: int
    assigned_on: date
    closed_on: date | None
    paid_on: date | None
    first_contact: date | None = None
    payments: list = field(default_factory=list)  # (day, amount)
    costs: list = field(default_factory=list)  # (day, cost)


@dataclass
class Outcome:
    paid: bool
    amount: float
    cost: float


def _facts(experiment: Experiment) -> dict[int, Facts]:
    """Five queries, whatever the number of dossiers."""
    facts = {}
    for dossier_id, variant_id, assigned_on, state, closed_on, accessories_since in (
        Assignment.objects.filter(experiment=experiment)
        .order_by()
        .values_list(
            "dossier_id",
            "variant_id",
            "assigned_on",
            "dossier__state",
            "dossier__closed_on",
            "dossier__accessories_since",
        )
    ):
        paid = (accessories_since, closed_on if state == DossierState.PAID else None)
        paid_on = min((d for d in paid if d), default=None)
        facts[dossier_id] = Facts(variant_id, assigned_on, closed_on, paid_on)
    ids = Assignment.objects.filter(experiment=experiment).values("dossier_id")
    contacts = (Reminder.Status.PLANNED, Reminder.Status.SENT)
    for dossier_id, first in (
        Reminder.objects.filter(dossier_id__in=ids, status__in=contacts)
        .order_by()
        .values("dossier_id")
        .annotate(first=Min("scheduled_for"))
        .values_list("dossier_id", "first")
    ):
        facts[dossier_id].first_contact = first
    for dossier_id, day, amount in Payment.objects.filter(
        dossier_id__in=ids, kind=Payment.Kind.PAYMENT, reversed_on__isnull=True
    ).values_list("dossier_id", "received_on", "amount"):
        facts[dossier_id].payments.append((day, float(amount)))
    for fact in facts.values():
        # Settled on the day the payment was recorded: paid on the day it was received.
        if fact.paid_on is not None:
            received = [day for day, _ in fact.payments if day <= fact.paid_on]
            fact.paid_on = max(received, default=fact.paid_on)
    costs = pilotage_services.cost_settings_get()
    unit = {channel: float(getattr(costs, name)) for channel, name in COST_FIELDS.items()}
    for dossier_id, channel, day in Reminder.objects.filter(
        dossier_id__in=ids, status=Reminder.Status.SENT, channel__in=list(COST_FIELDS)
    ).values_list("dossier_id", "channel", "scheduled_for"):
        facts[dossier_id].costs.append((day, unit[channel]))
    call = float(costs.call_minute * costs.call_minutes)
    for dossier_id, at in CallLog.objects.filter(dossier_id__in=ids).values_list(
        "dossier_id", "called_at"
    ):
        facts[dossier_id].costs.append((timezone.localdate(at), call))
    return facts


def outcome(facts: Facts, *, horizon: int, on: date) -> Outcome | None:
    """The dossier's outcome over a window of ``horizon`` days, or None while it is still
    being observed."""
    if facts.first_contact is not None:
        end = facts.first_contact + timedelta(days=horizon)
        if end >= on:
            return None
    elif facts.paid_on is not None or facts.closed_on is not None:
        end = facts.paid_on or facts.closed_on
    else:
        end = facts.assigned_on + timedelta(days=OBSERVATION_CAP_DAYS)
        if end >= on:
            return None
    return Outcome(
        paid=facts.paid_on is not None and facts.paid_on <= end,
        amount=sum(amount for day, amount in facts.payments if day <= end),
        cost=sum(cost for day, cost in facts.costs if day <= end),
    )


# --- Figures and verdict ----------------------------------------------------------------------


@dataclass
class Row:
    """One variant: dossiers drawn, observed, and its figure on each measure."""

    variant: Variant
    assigned: int
    observed: int
    figures: dict  # measure -> (Estimate or None, text)
    comparison: stats.Comparison | None = None
    comparison_text: str = ""


@dataclass
class Report:
    experiment: Experiment
    measure: str
    assigned: int
    observed: int
    pending: int
    inclusions_over: bool
    ready: bool
    rows: list[Row]
    verdict: str
    m: int = 1
    secondary: list = field(default_factory=list)  # the other measures, in order

    @property
    def primary_label(self) -> str:
        return Measure(self.measure).label


def _values(outcomes: list[Outcome], measure: str):
    if KIND[measure] == "share":
        return sum(o.paid for o in outcomes), len(outcomes)
    if KIND[measure] == "mean":
        return [o.amount for o in outcomes]
    return [o.cost for o in outcomes], [o.amount for o in outcomes]


def estimate(outcomes: list[Outcome], measure: str) -> stats.Estimate | None:
    values = _values(outcomes, measure)
    if KIND[measure] == "share":
        return stats.proportion(*values)
    if KIND[measure] == "mean":
        return stats.mean(values)
    return stats.ratio(*values)


def compare(outcomes: list[Outcome], control: list[Outcome], measure: str, *, m: int):
    a, b = _values(outcomes, measure), _values(control, measure)
    if KIND[measure] == "share":
        return stats.compare_proportions(*a, *b, m=m)
    if KIND[measure] == "mean":
        return stats.compare_means(a, b, m=m)
    return stats.compare_ratios(*a, *b, m=m)


def report(experiment: Experiment, *, on: date | None = None) -> Report:
    on = on or timezone.localdate()
    variants = list(experiment.variants.select_related("policy").order_by("label"))
    facts = _facts(experiment)
    measure = experiment.measure
    by_measure: dict[str, dict[int, list[Outcome]]] = {}
    for each in Measure.values:
        grouped = defaultdict(list)
        for fact in facts.values():
            result = outcome(fact, horizon=HORIZON[each], on=on)
            if result is not None:
                grouped[fact.variant_id].append(result)
        by_measure[each] = grouped
    assigned = defaultdict(int)
    for fact in facts.values():
        assigned[fact.variant_id] += 1
    primary = by_measure[measure]
    observed = sum(len(v) for v in primary.values())
    total = len(facts)
    inclusions_over = (
        experiment.planned_size is not None and total >= experiment.planned_size
    ) or (experiment.end_on is not None and on > experiment.end_on)
    ready = inclusions_over and total > 0 and observed == total
    m = max(1, len(variants) - 1)
    rows = []
    for variant in variants:
        figures = {}
        for each in Measure.values:
            found = estimate(by_measure[each].get(variant.pk, []), each)
            figures[each] = (found, describe(found, each))
        rows.append(Row(variant, assigned[variant.pk], len(primary.get(variant.pk, [])), figures))
    if ready:
        control = primary.get(variants[0].pk, [])
        for row in rows[1:]:
            observed_here = primary.get(row.variant.pk, [])
            if min(len(observed_here), len(control)) >= MIN_OBSERVED:
                row.comparison = compare(observed_here, control, measure, m=m)
            row.comparison_text = judge(row.comparison, row.variant.label, measure)
        verdict = " ; ".join(row.comparison_text for row in rows[1:])
        verdict = verdict[:1].upper() + verdict[1:] + "."
    else:
        verdict = _waiting(experiment, total=total, observed=observed, over=inclusions_over)
    return Report(
        experiment=experiment,
        measure=measure,
        assigned=total,
        observed=observed,
        pending=total - observed,
        inclusions_over=inclusions_over,
        ready=ready,
        rows=rows,
        verdict=verdict,
        m=m,
        secondary=[each for each in Measure.values if each != measure],
    )


def _waiting(experiment: Experiment, *, total: int, observed: int, over: bool) -> str:
    horizon = HORIZON[experiment.measure]
    if not experiment.is_running and not over:
        return (
            "Pas de verdict : l'expérience a été arrêtée avant sa taille prévue ; la cadence "
            "témoin (variante A) a été gardée."
        )
    if experiment.planned_size is not None and not over:
        target = f"{experiment.planned_size} dossiers prévus, {total} tirés à ce jour"
    elif not over:
        target = f"inclusions jusqu'au {experiment.end_on:%d/%m/%Y}, {total} dossiers tirés"
    else:
        target = f"inclusions closes ({total} dossiers), {total - observed} encore en observation"
    return (
        f"Pas encore de verdict ({target}). Il sera rendu quand chaque dossier aura été observé "
        f"{horizon} jours après sa première relance : regarder avant et s'arrêter sur un écart "
        "favorable ferait croire à des différences qui n'existent pas."
    )


# --- French wording ---------------------------------------------------------------------------


def _number(value: float, digits: int = 1) -> str:
    text = number_format(round(value, digits), digits, use_l10n=True, force_grouping=True)
    return text


def _points(value: float) -> str:
    return _number(value * 100)


def describe(found: stats.Estimate | None, measure: str) -> str:
    """« 42,0 % (de 36,1 à 48,2 %) », « 812,40 € par dossier (de … à …) »."""
    if found is None:
        return "—"
    kind = KIND[measure]
    if kind == "share":
        text = f"{_points(found.value)} %"
        interval = (
            f"de {_points(found.low)} à {_points(found.high)} %" if found.low is not None else ""
        )
    elif kind == "mean":
        text = euros(round(found.value, 2))
        interval = (
            f"de {euros(round(found.low, 2))} à {euros(round(found.high, 2))}"
            if found.low is not None
            else ""
        )
    else:
        text = f"{_number(found.value * 100, 2)} centimes par euro"
        interval = (
            f"de {_number(found.low * 100, 2)} à {_number(found.high * 100, 2)}"
            if found.low is not None
            else ""
        )
    return f"{text} ({interval})" if interval else text


def judge(comparison: stats.Comparison | None, label: str, measure: str) -> str:
    """The verdict on one variant against the control, in French."""
    if comparison is None:
        return (
            f"la variante {label} ne peut pas être comparée à la variante A : trop peu de "
            f"dossiers observés (au moins {MIN_OBSERVED} par variante)"
        )
    kind = KIND[measure]
    low, high = comparison.low, comparison.high
    if kind == "share":
        size = (_points(abs(low)), _points(abs(high)))
        unit, more, less = "points", "fait mieux", "fait moins bien"
    elif kind == "mean":
        size = (euros(round(abs(low), 2)), euros(round(abs(high), 2)))
        unit, more, less = "", "recouvre", "recouvre"
    else:
        size = (_number(abs(low) * 100, 2), _number(abs(high) * 100, 2))
        unit, more, less = "centimes", "coûte", "coûte"
    if not comparison.significant:
        if kind == "share":
            points = "point" if abs(round(comparison.difference * 100, 1)) < 2 else "points"
            gap = f"{_signed(comparison.difference * 100)} {points}, de {_signed(low * 100)} à "
            gap += f"{_signed(high * 100)}"
        elif kind == "mean":
            gap = f"{_signed(comparison.difference, 2)} €, de {_signed(low, 2)} à "
            gap += f"{_signed(high, 2)} €"
        else:
            gap = f"{_signed(comparison.difference * 100, 2)} centimes, de "
            gap += f"{_signed(low * 100, 2)} à {_signed(high * 100, 2)}"
        return (
            f"pas de différence significative entre la variante {label} et la variante A "
            f"(écart estimé {gap})"
        )
    positive = low > 0
    near, far = (size[0], size[1]) if positive else (size[1], size[0])
    if kind == "share":
        verb = more if positive else less
        return f"la variante {label} {verb} de {near} à {far} {unit} que la variante A"
    if kind == "mean":
        which = "de plus" if positive else "de moins"
        return (
            f"la variante {label} recouvre de {near} à {far} {which} par dossier que la variante A"
        )
    which = "de plus" if positive else "de moins"
    return (
        f"la variante {label} coûte de {near} à {far} {unit} {which} par euro recouvré "
        "que la variante A"
    )


def _signed(value: float, digits: int = 1) -> str:
    text = _number(abs(value), digits)
    if round(value, digits) == 0:
        return text
    return f"+{text}" if value > 0 else f"−{text}"


def better(comparison: stats.Comparison | None, measure: str) -> bool | None:
    """Whether the variant does significantly better than the control (None: no difference)."""
    if comparison is None or not comparison.significant:
        return None
    return (comparison.low > 0) != (KIND[measure] == "ratio")
