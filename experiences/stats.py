"""The statistics of a cadence experiment, with SciPy: each variant's figure with its interval,
each variant against the control, and the verdict in French.

The design is a fixed horizon (docs/experiences.md): the comparisons are read once, when the
planned size is reached and every dossier has been observed over the measure's window; before
that, ``verdict`` says so and gives no difference. Several variants are each compared with the
control (variant A), at the level ``ALPHA / m`` (Bonferroni, ``m`` = number of comparisons):
the interval of a difference is at ``1 - ALPHA / m`` and a difference is significant exactly when
its interval leaves out zero. Only the primary measure gets a verdict, so measures add no
comparison.

Formulas (the tests compute them by hand):
- a proportion: Wilson's interval;
- a difference of proportions (Agresti-Caffo): with p̃ = (x + 1) / (n + 2) in each variant,
  p̃1 - p̃0 ± z · √(p̃1(1-p̃1)/(n1+2) + p̃0(1-p̃0)/(n0+2)), z = Φ⁻¹(1 - ALPHA/(2m)); the gap
  shown is the observed p1 - p0;
- a mean, a difference of means: Student's t interval, Welch's t (unequal variances);
- a ratio (cost per euro recovered = total cost / total recovered): the delta method,
  Var(R) ≈ (s_c² - 2R·s_cy + R²·s_y²) / (n·ȳ²).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# SciPy is imported inside the functions that use it: importing it costs ~0.7 s, paid at every
# start of the application (the app's receivers import this module) and by no request.
ALPHA = 0.05


@dataclass(frozen=True)
class Estimate:
    """A figure and its interval at ``1 - ALPHA`` (``low``/``high`` None: too few dossiers)."""

    value: float
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class Comparison:
    """A variant against the control: the difference (variant - control), its interval at
    ``1 - ALPHA / m``, the two-sided p-value and that value corrected (x m)."""

    difference: float
    low: float
    high: float
    p_value: float
    adjusted_p: float
    m: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def z_value(m: int = 1, alpha: float = ALPHA) -> float:
    """The two-sided normal quantile at the corrected level ``alpha / m``."""
    from scipy import stats

    return float(stats.norm.ppf(1 - alpha / (2 * m)))


def proportion(successes: int, n: int, alpha: float = ALPHA) -> Estimate | None:
    """A share and its Wilson interval."""
    from scipy import stats

    if n == 0:
        return None
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=1 - alpha, method="wilson")
    return Estimate(successes / n, float(ci.low), float(ci.high), n)


def mean(values: Sequence[float], alpha: float = ALPHA) -> Estimate | None:
    """A mean and its Student interval."""
    from scipy import stats

    n = len(values)
    if n == 0:
        return None
    average = math.fsum(values) / n
    if n < 2:
        return Estimate(average, None, None, n)
    sd = _sd(values, average)
    half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(average, average - half, average + half, n)


def ratio(costs: Sequence[float], amounts: Sequence[float], alpha: float = ALPHA):
    """The ratio of two totals (cost / recovered) and its delta-method interval; None when
    nothing was recovered."""
    n = len(costs)
    total = math.fsum(amounts)
    if n == 0 or total <= 0:
        return None
    value = math.fsum(costs) / total
    if n < 2:
        return Estimate(value, None, None, n)
    se = _ratio_se(costs, amounts, value)
    half = z_value(1, alpha) * se
    return Estimate(value, value - half, value + half, n)


def compare_proportions(
    successes: int, n: int, control_successes: int, control_n: int, *, m: int = 1
) -> Comparison | None:
    if n == 0 or control_n == 0:
        return None
    # Agresti-Caffo: one success and one failure added to each variant, so that the interval
    # never collapses to a point when a share is 0 % or 100 % (2 dossiers out of 2...).
    a1, a0 = (successes + 1) / (n + 2), (control_successes + 1) / (control_n + 2)
    se = math.sqrt(a1 * (1 - a1) / (n + 2) + a0 * (1 - a0) / (control_n + 2))
    found = _normal_comparison(a1 - a0, se, m)
    # The gap shown is the one observed; the interval and the p-value are Agresti-Caffo's.
    difference = successes / n - control_successes / control_n
    return Comparison(difference, found.low, found.high, found.p_value, found.adjusted_p, m)


def compare_means(
    values: Sequence[float], control: Sequence[float], *, m: int = 1
) -> Comparison | None:
    """Welch's t: the difference of means, its interval at ``1 - ALPHA/m`` and p-value."""
    from scipy import stats

    if len(values) < 2 or len(control) < 2:
        return None
    difference = math.fsum(values) / len(values) - math.fsum(control) / len(control)
    v1 = _sd(values) ** 2 / len(values)
    v0 = _sd(control) ** 2 / len(control)
    if v1 + v0 == 0:
        return _normal_comparison(difference, 0.0, m)
    result = stats.ttest_ind(values, control, equal_var=False)
    ci = result.confidence_interval(confidence_level=1 - ALPHA / m)
    p = float(result.pvalue)
    return Comparison(difference, float(ci.low), float(ci.high), p, min(1.0, p * m), m)


def compare_ratios(
    costs: Sequence[float],
    amounts: Sequence[float],
    control_costs: Sequence[float],
    control_amounts: Sequence[float],
    *,
    m: int = 1,
) -> Comparison | None:
    if len(costs) < 2 or len(control_costs) < 2:
        return None
    if math.fsum(amounts) <= 0 or math.fsum(control_amounts) <= 0:
        return None
    r1 = math.fsum(costs) / math.fsum(amounts)
    r0 = math.fsum(control_costs) / math.fsum(control_amounts)
    se = math.hypot(_ratio_se(costs, amounts, r1), _ratio_se(control_costs, control_amounts, r0))
    return _normal_comparison(r1 - r0, se, m)


def size_for_proportions(
    control: float, effect: float, *, variants: int = 2, power: float = 0.8
) -> int:
    """Dossiers per variant to detect ``effect`` (0.05: 5 points) around a share ``control``
    with the given power, at the corrected level of ``variants - 1`` comparisons."""
    from scipy import stats

    m = max(1, variants - 1)
    p1 = min(max(control + effect, 0.0), 1.0)
    spread = control * (1 - control) + p1 * (1 - p1)
    z = z_value(m) + float(stats.norm.ppf(power))
    return math.ceil(z * z * spread / (effect * effect))


def _normal_comparison(difference: float, se: float, m: int) -> Comparison:
    from scipy import stats

    if se == 0:
        p = 1.0 if difference == 0 else 0.0
        return Comparison(difference, difference, difference, p, min(1.0, p * m), m)
    half = z_value(m) * se
    p = float(2 * stats.norm.sf(abs(difference) / se))
    return Comparison(difference, difference - half, difference + half, p, min(1.0, p * m), m)


def _sd(values: Sequence[float], average: float | None = None) -> float:
    n = len(values)
    if average is None:
        average = math.fsum(values) / n
    return math.sqrt(math.fsum((v - average) ** 2 for v in values) / (n - 1))


def _ratio_se(costs: Sequence[float], amounts: Sequence[float], r: float) -> float:
    n = len(costs)
    mc, ma = math.fsum(costs) / n, math.fsum(amounts) / n
    s_cc = math.fsum((c - mc) ** 2 for c in costs) / (n - 1)
    s_aa = math.fsum((a - ma) ** 2 for a in amounts) / (n - 1)
    s_ca = math.fsum((c - mc) * (a - ma) for c, a in zip(costs, amounts, strict=True)) / (n - 1)
    variance = max(0.0, s_cc - 2 * r * s_ca + r * r * s_aa)
    return math.sqrt(variance / n) / ma
