"""The dashboard's filters and the manager's cost settings, with French messages."""

from __future__ import annotations

from datetime import date

from django import forms

from dossiers.models import Debtor
from dossiers.models.rates import Verification
from legal.calendar import add_months
from pilotage.filters import MAX_PERIOD_MONTHS, Filters, default_period, make_filters
from pilotage.models import CostSettings

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]


class DashboardFilterForm(forms.Form):
    """GET parameters of the dashboard. Choices come from lists the page reads anyway, so the
    form costs no query of its own."""

    creancier = forms.TypedChoiceField(
        label="Créancier", required=False, coerce=int, empty_value=None
    )
    charge = forms.IntegerField(label="Chargé(e)", required=False, min_value=1)
    du = forms.DateField(label="Du", required=False, input_formats=DATE_INPUTS)
    au = forms.DateField(label="Au", required=False, input_formats=DATE_INPUTS)
    type = forms.ChoiceField(
        label="Type de débiteur",
        required=False,
        choices=[("", "Tous"), *Debtor.Kind.choices],
    )

    def __init__(self, data, *, creditors, today: date, scoped: bool = False):
        """``creditors``: those the user may see; ``scoped``: the figures count them only (a
        manager's portfolio) rather than every creditor (an administrator)."""
        super().__init__(data)
        self.today = today
        self.scope = tuple(c.pk for c in creditors) if scoped else None
        self.fields["creancier"].choices = [("", "Tous")] + [
            (str(c.pk), c.legal_name) for c in creditors
        ]
        self.fields["creancier"].error_messages["invalid_choice"] = "Ce créancier n'existe pas."

    def clean(self):
        data = super().clean()
        default_start, default_end = default_period(self.today)
        start = data.get("du") or default_start
        end = data.get("au") or default_end
        if "du" in self.errors or "au" in self.errors:
            return data
        if start > end:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        if add_months(start, MAX_PERIOD_MONTHS) <= end:
            raise forms.ValidationError(
                f"La période ne peut pas dépasser {MAX_PERIOD_MONTHS} mois."
            )
        data["du"], data["au"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters to apply: the valid ones, the defaults where the input was refused."""
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        if self.non_field_errors():  # a refused period: the default one
            data.pop("du", None)
            data.pop("au", None)
        return make_filters(
            creditor=data.get("creancier"),
            controller=data.get("charge"),
            start=data.get("du"),
            end=data.get("au"),
            debtor_kind=data.get("type"),
            today=self.today,
            creditors=self.scope,
        )


class CostSettingsForm(forms.ModelForm):
    reason = forms.CharField(
        label="Motif de la modification",
        max_length=200,
        help_text="Figure au journal (par exemple : nouveaux tarifs postaux).",
    )

    class Meta:
        model = CostSettings
        fields = ["email", "sms", "letter", "registered_letter", "call_minute", "call_minutes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.validators.append(_not_negative)
                field.localize = True
                field.widget = forms.TextInput(attrs={"inputmode": "decimal"})
                field.widget.is_localized = True
        self.fields["reason"].error_messages["required"] = (
            "Indiquez le motif de cette modification."
        )


def _not_negative(value):
    if value is not None and value < 0:
        raise forms.ValidationError("Un coût ne peut pas être négatif.")


class RateAddForm(forms.Form):
    """The ``add_rate`` command as a form (docs/legal.md, *Reference rates*): the legal interest
    rate of a half-year (C. mon. fin. L313-2) or the ECB rate from a date (C. com. L441-10 II).
    The services validate again and answer in French."""

    KINDS = [("legal", "Taux de l'intérêt légal (semestre)"), ("ecb", "Taux BCE (à une date)")]
    kind = forms.ChoiceField(label="Taux", choices=KINDS, widget=forms.RadioSelect)
    half_year = forms.CharField(
        label="Semestre", required=False, max_length=10, help_text="Par exemple 2026-S2."
    )
    consumer = forms.CharField(
        label="Taux créancier particulier (%)", required=False, max_length=10
    )
    other = forms.CharField(label="Taux autres cas (%)", required=False, max_length=10)
    effective_from = forms.DateField(
        label="Taux BCE en vigueur à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Date invalide (jj/mm/aaaa)."},
    )
    rate = forms.CharField(label="Taux BCE (%)", required=False, max_length=10)
    source = forms.CharField(
        label="Source", max_length=300, help_text="Arrêté et JORF, ou décision de la BCE."
    )
    verified = forms.ChoiceField(label="Vérification", choices=Verification.choices)
    reason = forms.CharField(label="Motif (figure au journal)", max_length=300)
