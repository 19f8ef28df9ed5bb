"""New dossiers are drawn into the variants: at random, for good, in the planned shares, only
when they open, and each draw is journaled."""

import datetime
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from scipy import stats

from experiences import services
from experiences.models import Assignment, Measure
from relances import planning
from relances.models import DebtorCadenceOverride, DossierCadence
from tests.experiences.conftest import TODAY
from tests.factories import ClaimFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db


class Arm:
    def __init__(self, label, share):
        self.label, self.share = label, share


def test_draws_are_uniform_and_the_variants_get_their_shares():
    """Chi-square on 20,000 draws: the counts match the shares (50/50, then 50/30/20)."""
    two = [Arm("A", 50), Arm("B", 50)]
    counts = Counter(services.variant_for(services.draw(7, pk), two).label for pk in range(20_000))
    assert stats.chisquare([counts["A"], counts["B"]], [10_000, 10_000]).pvalue > 0.001
    three = [Arm("A", 50), Arm("B", 30), Arm("C", 20)]
    counts = Counter(
        services.variant_for(services.draw(8, pk), three).label for pk in range(20_000)
    )
    observed = [counts["A"], counts["B"], counts["C"]]
    assert stats.chisquare(observed, [10_000, 6_000, 4_000]).pvalue > 0.001
    # The draws themselves are uniform on [0, 1) (Kolmogorov-Smirnov).
    draws = [float(services.draw(9, pk)) for pk in range(5_000)]
    assert stats.kstest(draws, "uniform").pvalue > 0.001


def test_draws_are_random_not_a_pattern_of_the_ids():
    """Neither even and odd ids, nor consecutive ids, nor two seeds go together."""
    two = [Arm("A", 50), Arm("B", 50)]
    labels = [services.variant_for(services.draw(11, pk), two).label for pk in range(10_000)]
    table = [
        [sum(1 for pk, x in enumerate(labels) if pk % 2 == parity and x == v) for v in "AB"]
        for parity in (0, 1)
    ]
    assert stats.chi2_contingency(table).pvalue > 0.001
    same_as_next = sum(a == b for a, b in itertools.pairwise(labels))
    assert abs(same_as_next / (len(labels) - 1) - 0.5) < 0.03
    other = [services.variant_for(services.draw(12, pk), two).label for pk in range(10_000)]
    agreement = sum(a == b for a, b in zip(labels, other, strict=True)) / len(labels)
    assert abs(agreement - 0.5) < 0.03


def test_a_draw_is_the_same_every_time_it_is_asked():
    assert services.draw(1234, 42) == services.draw(1234, 42)
    assert Decimal(0) <= services.draw(1234, 42) < Decimal(1)


def test_a_new_dossier_is_drawn_journaled_and_planned_by_its_variant(experiment, creditor):
    claim = ClaimFactory(creditor=creditor, due_date=TODAY, issue_date=TODAY)
    assignment = Assignment.objects.get(dossier=claim.dossier)
    assert assignment.experiment == experiment
    assert assignment.draw == services.draw(1234, claim.dossier.pk)
    expected = services.variant_for(assignment.draw, list(experiment.variants.order_by("label")))
    assert assignment.variant == expected
    # The draw is in the dossier's journal, with the seed that reproduces it.
    reason = assignment.history.get().history_change_reason
    assert f"variante {expected.label} tirée" in reason and "graine 1234" in reason
    own = DossierCadence.objects.get(dossier=claim.dossier)
    assert own.policy == expected.policy == planning.policy_for(claim.dossier)
    # The daily run's batch reading gives the same cadence.
    dossiers = list(planning.with_debtor(type(claim.dossier).objects.filter(pk=claim.dossier.pk)))
    ctx = planning.BatchContext(
        dossiers, on=TODAY, batch=type(claim.dossier).objects.filter(pk=claim.dossier.pk)
    )
    assert ctx.policy_for(dossiers[0]) == expected.policy


def test_both_variants_are_drawn_and_each_dossier_keeps_its_own(experiment, creditor):
    claims = [ClaimFactory(creditor=creditor) for _ in range(16)]
    drawn = {a.dossier_id: a.variant.label for a in Assignment.objects.select_related("variant")}
    assert set(drawn.values()) == {"A", "B"}
    # Asking again changes nothing: a dossier keeps its variant.
    again = services.assign_new_dossiers(
        creditor_id=creditor.pk, dossier_ids=[c.dossier_id for c in claims], actor=None
    )
    assert again == []
    assert Assignment.objects.count() == 16


def test_dossiers_opened_before_the_experiment_are_never_drawn(creditor, standard, quick):
    before = ClaimFactory(creditor=creditor)
    services.experiment_start(
        creditor=creditor,
        debtor_kind="professional",
        name="Essai",
        measure=Measure.PAID_15,
        variants=[(standard, 50), (quick, 50)],
        planned_size=20,
        actor=None,
        reason="essai",
    )
    # A new invoice for the same debtor joins the open dossier: still no draw (mid-cadence).
    ClaimFactory(creditor=creditor, debtor=before.dossier.debtor)
    assert not Assignment.objects.exists()
    assert planning.policy_for(before.dossier) == standard


def test_the_inclusions_stop_at_the_planned_size(experiment, creditor):
    for _ in range(41):
        ClaimFactory(creditor=creditor)
    assert Assignment.objects.count() == 40


def test_other_creditors_other_kinds_and_debtors_with_their_own_policy_stay_out(
    experiment, creditor, quick
):
    ClaimFactory(creditor=CreditorFactory())
    consumer = ClaimFactory(creditor=creditor, debtor=DebtorFactory(kind="consumer", siren=""))
    debtor = DebtorFactory()
    DebtorCadenceOverride.objects.create(debtor=debtor, policy=quick, reason="grand compte")
    ClaimFactory(creditor=creditor, debtor=debtor)
    assert not Assignment.objects.exists()
    assert consumer.dossier.pk


def test_an_import_draws_its_new_dossiers_in_one_go(experiment, creditor, manager):
    from dossiers.services import records

    debtors = [DebtorFactory().pk for _ in range(6)]
    _found, opened = records.dossiers_open_or_join(
        creditor=creditor, debtor_ids=debtors, actor=manager, on=TODAY
    )
    assert sorted(Assignment.objects.values_list("dossier_id", flat=True)) == sorted(opened)
    assert DossierCadence.objects.filter(dossier_id__in=opened).count() == 6


def test_an_experiment_is_refused_when_it_cannot_be_read(creditor, standard, quick, manager):
    consumer = planning.CadencePolicy.objects.get(debtor_kind="consumer", is_default=True)
    cases = [
        ([(standard, 50), (quick, 40)], 40, "Les parts des variantes doivent faire 100 %."),
        ([(standard, 50), (standard, 50)], 40, "Une même cadence figure deux fois"),
        ([(standard, 50), (consumer, 50)], 40, "ne s'applique pas aux professionnels"),
        ([(standard, 100)], 40, "de 2 à 6 variantes"),
        ([(standard, 50), (quick, 50)], 10, "au moins 10 dossiers par variante"),
    ]
    for variants, size, message in cases:
        with pytest.raises(ValidationError) as error:
            services.experiment_start(
                creditor=creditor,
                debtor_kind="professional",
                name="Essai",
                measure=Measure.PAID_30,
                variants=variants,
                planned_size=size,
                actor=manager,
                reason="essai",
            )
        assert message in " ".join(error.value.messages), message


def test_one_running_experiment_per_cadence(experiment, creditor, standard, quick, manager):
    with pytest.raises(ValidationError, match="déjà en cours"):
        services.experiment_start(
            creditor=creditor,
            debtor_kind="professional",
            name="Un autre",
            measure=Measure.PAID_30,
            variants=[(standard, 50), (quick, 50)],
            end_on=TODAY + datetime.timedelta(days=30),
            actor=manager,
            reason="essai",
            on=TODAY,
        )


def test_a_debtors_access_request_shows_the_draw_and_the_register_names_it(experiment, creditor):
    from rgpd import register, selectors

    claim = ClaimFactory(creditor=creditor)
    sections = {s.label: s for s in selectors.subject_access(claim.dossier.debtor)}
    assert len(sections["Tirages des dossiers"].rows) == 1
    own = sections["Cadences propres à des dossiers"]
    assert "expérience « SMS à J+3 » : variante" in " ".join(map(str, own.rows[0]))
    rows = dict(register.entries()[0].rows)
    assert "tiré au sort" in rows["Expériences de cadence"]
