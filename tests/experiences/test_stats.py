"""The statistics on worked examples, each computed here by hand from its formula."""

import math

import pytest

from experiences import results, stats
from experiences.models import Measure

Z95 = 1.959963984540054  # Φ⁻¹(0.975), from the normal table
Z975 = 2.241402727604947  # Φ⁻¹(0.9875): two comparisons, Bonferroni (0.05 / 2)


def test_a_share_has_wilsons_interval():
    # 40 paid out of 100: the textbook interval 30.94 % – 49.80 %.
    found = stats.proportion(40, 100)
    p, n, z = 0.4, 100, Z95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert found.value == 0.4
    assert found.low == pytest.approx(centre - half, abs=1e-9)
    assert found.high == pytest.approx(centre + half, abs=1e-9)
    assert (round(found.low, 4), round(found.high, 4)) == (0.3094, 0.4980)


def ac(x1, n1, x0, n0, z=Z95):
    """Agresti-Caffo by hand: one success and one failure added to each side."""
    a1, a0 = (x1 + 1) / (n1 + 2), (x0 + 1) / (n0 + 2)
    se = math.sqrt(a1 * (1 - a1) / (n1 + 2) + a0 * (1 - a0) / (n0 + 2))
    return a1 - a0 - z * se, a1 - a0 + z * se, se


def test_the_difference_of_two_shares_and_its_interval():
    # 60 of 200 paid against 40 of 200: +10 points observed; with 61/202 and 41/202,
    # SE = √(.30198·.69802/202 + .20297·.79703/202) = 0.04295.
    found = stats.compare_proportions(60, 200, 40, 200)
    low, high, se = ac(60, 200, 40, 200)
    assert se == pytest.approx(0.042947, abs=1e-6)
    assert found.difference == pytest.approx(0.1)
    assert (found.low, found.high) == (pytest.approx(low), pytest.approx(high))
    assert (round(found.low, 4), round(found.high, 4)) == (0.0148, 0.1832)
    z = (61 / 202 - 41 / 202) / se
    assert found.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))  # 0.021
    assert found.significant


def test_two_tiny_samples_never_give_a_zero_width_interval():
    # 0 of 2 against 0 of 2: no gap seen, and an interval that says how little is known.
    found = stats.compare_proportions(0, 2, 0, 2)
    assert found.difference == 0
    assert found.low < -0.5 and found.high > 0.5
    assert not found.significant


def test_several_variants_widen_each_interval_bonferroni():
    # Two variants against the control: each interval at 97.5 %, each p-value doubled.
    one = stats.compare_proportions(60, 200, 40, 200, m=1)
    two = stats.compare_proportions(60, 200, 40, 200, m=2)
    low, _high, _se = ac(60, 200, 40, 200, z=Z975)
    assert two.low == pytest.approx(low)  # 0.0027: still above zero
    assert two.adjusted_p == pytest.approx(2 * one.p_value)
    # 58 of 200 against 40 of 200 (z = 2.08): significant alone, no longer once corrected.
    alone = stats.compare_proportions(58, 200, 40, 200, m=1)
    corrected = stats.compare_proportions(58, 200, 40, 200, m=2)
    assert alone.significant and not corrected.significant


def test_an_identical_result_is_no_difference():
    found = stats.compare_proportions(50, 100, 50, 100)
    assert found.difference == 0 and found.p_value == pytest.approx(1.0)
    assert not found.significant


def test_a_mean_has_students_interval_and_two_means_welchs():
    values, control = [1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    found = stats.mean(values)
    t4 = 2.7764451051977987  # t(0.975, 4 degrees of freedom), from the table
    assert found.value == 3.0
    assert found.low == pytest.approx(3 - t4 * math.sqrt(2.5 / 5))
    compared = stats.compare_means(values, control)
    # Welch: SE √(2.5/5 + 10/5) = √2.5; df = 2.5² / ((0.5²)/4 + (2²)/4) = 5.882.
    se = math.sqrt(2.5)
    df = 2.5**2 / (0.5**2 / 4 + 2**2 / 4)
    from scipy.stats import t

    assert compared.difference == -3.0
    assert compared.low == pytest.approx(-3 - t.ppf(0.975, df) * se)
    assert compared.high == pytest.approx(-3 + t.ppf(0.975, df) * se)
    assert not compared.significant  # -3 ± 3.9


def test_the_cost_per_euro_is_a_ratio_of_totals_with_the_delta_method():
    costs, amounts = [1.0, 2.0, 3.0, 2.0], [100.0, 100.0, 300.0, 100.0]
    found = stats.ratio(costs, amounts)
    r = 8 / 600
    n, mc, ma = 4, 2.0, 150.0
    s_cc = sum((c - mc) ** 2 for c in costs) / 3
    s_aa = sum((a - ma) ** 2 for a in amounts) / 3
    s_ca = sum((c - mc) * (a - ma) for c, a in zip(costs, amounts, strict=True)) / 3
    se = math.sqrt((s_cc - 2 * r * s_ca + r * r * s_aa) / n) / ma
    assert found.value == pytest.approx(r)
    assert found.low == pytest.approx(r - Z95 * se)
    assert stats.ratio([1.0], [0.0]) is None  # nothing recovered: no cost per euro


def test_the_size_to_plan_for_a_difference_of_shares():
    # 40 % against 50 %, power 80 %: (1.96 + 0.8416)² · (.24 + .25) / .01 = 384.6 → 385.
    assert stats.size_for_proportions(0.4, 0.1) == 385


def test_the_verdict_speaks_points_and_says_when_there_is_no_difference():
    better = stats.compare_proportions(930, 2000, 800, 2000)  # 46.5 % against 40 %
    low, high, _se = ac(930, 2000, 800, 2000)  # 3.4 and 9.6 points
    text = results.judge(better, "B", Measure.PAID_30)
    assert text == (
        f"la variante B fait mieux de {low * 100:.1f} à {high * 100:.1f} points que la variante A"
    ).replace(".", ",")
    assert text == "la variante B fait mieux de 3,4 à 9,6 points que la variante A"
    worse = stats.compare_proportions(800, 2000, 930, 2000)
    assert results.judge(worse, "C", Measure.PAID_30) == (
        "la variante C fait moins bien de 3,4 à 9,6 points que la variante A"
    )
    none = stats.compare_proportions(41, 100, 40, 100)
    assert results.judge(none, "B", Measure.PAID_15).startswith(
        "pas de différence significative entre la variante B et la variante A (écart estimé +1,0"
    )


def test_the_verdict_on_money_and_on_cost():
    more = stats.Comparison(35.0, 20.0, 50.0, 0.001, 0.001, 1)
    assert results.judge(more, "B", Measure.AMOUNT) == (
        "la variante B recouvre de 20,00 € à 50,00 € de plus par dossier que la variante A"
    )
    cheaper = stats.Comparison(-0.03, -0.05, -0.01, 0.001, 0.001, 1)
    assert results.judge(cheaper, "B", Measure.COST) == (
        "la variante B coûte de 1,00 à 5,00 centimes de moins par euro recouvré que la variante A"
    )
    assert results.better(cheaper, Measure.COST) is True
    assert results.better(more, Measure.AMOUNT) is True
