"""The manager's forms: a new experiment, the end of one."""

from __future__ import annotations

from django import forms

from experiences.models import Measure
from relances.models import CadencePolicy

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]
SLOTS = "ABCD"


class ExperimentForm(forms.Form):
    name = forms.CharField(label="Nom de l'expérience", max_length=120)
    creditor = forms.ModelChoiceField(
        label="Créancier",
        queryset=None,
        error_messages={"invalid_choice": "Ce créancier n'est pas dans votre portefeuille."},
    )
    debtor_kind = forms.ChoiceField(label="Débiteurs visés", choices=CadencePolicy.DebtorKind)
    measure = forms.ChoiceField(label="Mesure principale (celle du verdict)", choices=Measure)
    planned_size = forms.IntegerField(
        label="Taille prévue (dossiers)",
        required=False,
        min_value=1,
        help_text="Les inclusions s'arrêtent à ce nombre ; le verdict est rendu à cette taille.",
    )
    end_on = forms.DateField(
        label="Ou fin des inclusions le",
        required=False,
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label="Ce que l'on veut apprendre (motif, au journal)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, creditors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = creditors
        policies = CadencePolicy.objects.filter(for_accessories=False).order_by(
            "debtor_kind", "name"
        )
        for i, slot in enumerate(SLOTS):
            required = i < 2
            label = "témoin" if slot == "A" else ""
            self.fields[f"policy_{slot}"] = forms.ModelChoiceField(
                label=f"Variante {slot}{' (' + label + ')' if label else ''} : cadence",
                queryset=policies,
                required=required,
            )
            self.fields[f"share_{slot}"] = forms.IntegerField(
                label=f"Part de la variante {slot} (%)",
                required=required,
                min_value=1,
                max_value=99,
            )

    def variants(self) -> list[tuple[CadencePolicy, int]]:
        data = self.cleaned_data
        return [
            (data[f"policy_{slot}"], data[f"share_{slot}"])
            for slot in SLOTS
            if data.get(f"policy_{slot}") is not None and data.get(f"share_{slot}")
        ]

    def variant_rows(self):
        return [(self[f"policy_{slot}"], self[f"share_{slot}"]) for slot in SLOTS]


class EndForm(forms.Form):
    winner = forms.TypedChoiceField(label="Variante retenue", coerce=int)
    reason = forms.CharField(
        label="Motif de la décision (au journal)", widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, variants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["winner"].choices = [
            (v.pk, f"Variante {v.label} — {v.policy}") for v in variants
        ]
