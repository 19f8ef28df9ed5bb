"""Reference rates an admin keeps up to date: the legal interest rate and the ECB rate.

Loaded from ``dossiers/legal/data/*.csv`` by a data migration, then extended in the admin or
with ``python manage.py add_rate``. Each row names its source and how far it was verified.
A half-year without a row is missing: computations over it fail, naming it (never the last
rate carried forward).
"""

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from legal.rates import HalfYear


class Verification(models.TextChoices):
    OFFICIAL = "official", "Source officielle (Journal officiel, BCE, Banque de France)"
    SECONDARY = "secondary", "Source secondaire (presse, éditeurs juridiques)"
    CHECK = "check", "À vérifier"


class LegalInterestRate(models.Model):
    """The legal interest rate of one half-year (C. mon. fin. L313-2), fixed by arrêté.

    Two rates: for a creditor who is a natural person not acting for business purposes, and for
    all other cases (ours: our creditors are businesses).
    """

    half_year_start = models.DateField("début du semestre", unique=True)
    half_year_end = models.DateField("fin du semestre")
    consumer_creditor_percent = models.DecimalField(
        "taux, créancier particulier (%)",
        max_digits=5,
        decimal_places=2,
        help_text="Créances des personnes physiques n'agissant pas pour des besoins "
        "professionnels.",
    )
    other_creditor_percent = models.DecimalField(
        "taux, autres cas (%)",
        max_digits=5,
        decimal_places=2,
        help_text="Tous les autres cas : celui de nos créanciers, qui sont des entreprises.",
    )
    source = models.CharField("source", max_length=300)
    verified = models.CharField(
        "vérification", max_length=20, choices=Verification.choices, default=Verification.CHECK
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "taux de l'intérêt légal"
        verbose_name_plural = "taux de l'intérêt légal"
        ordering = ["-half_year_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(half_year_end__gt=F("half_year_start")),
                name="legal_rate_half_year_ordered",
                violation_error_message="La fin du semestre doit suivre son début.",
            ),
            models.CheckConstraint(
                condition=Q(consumer_creditor_percent__gte=0, other_creditor_percent__gte=0),
                name="legal_rate_not_negative",
                violation_error_message="Un taux de l'intérêt légal n'est pas négatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"Intérêt légal, {self.half_year.label}"

    @property
    def half_year(self) -> HalfYear:
        return HalfYear.containing(self.half_year_start)

    def clean(self):
        from django.core.exceptions import ValidationError

        start = self.half_year_start
        if start and (start.day, start.month) not in ((1, 1), (1, 7)):
            raise ValidationError(
                {"half_year_start": "Un semestre commence le 1er janvier ou le 1er juillet."}
            )
        if start and self.half_year_end != self.half_year.end:
            raise ValidationError(
                {
                    "half_year_end": (
                        f"Le {self.half_year.label} se termine le {self.half_year.end:%d/%m/%Y}."
                    )
                }
            )


class EcbRate(models.Model):
    """The ECB main refinancing operations rate from a date (not the deposit nor the marginal
    lending rate). C. com. L441-10 II takes the value in force on 1 January / 1 July.

    The series counts as known up to its latest date: when the ECB keeps its rate, record the
    value in force on 1 January or 1 July as a row of that date.
    """

    effective_from = models.DateField("en vigueur à partir du", unique=True)
    rate_percent = models.DecimalField(
        "taux des opérations principales de refinancement (%)", max_digits=5, decimal_places=2
    )
    source = models.CharField("source", max_length=300)
    verified = models.CharField(
        "vérification", max_length=20, choices=Verification.choices, default=Verification.CHECK
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "taux de refinancement de la BCE"
        verbose_name_plural = "taux de refinancement de la BCE"
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gt=-10, rate_percent__lt=50),
                name="ecb_rate_plausible",
                violation_error_message="Ce taux BCE n'est pas plausible.",
            ),
        ]

    def __str__(self) -> str:
        return f"BCE {self.rate_percent} % au {self.effective_from:%d/%m/%Y}"
