"""The Go/No-Go page's forms (French messages; the services check again)."""

from __future__ import annotations

from django import forms

from escalade.models import AmicableResolutionAttempt, SolvencyAnalysis
from escalade.routes import Route


class DecisionForm(forms.Form):
    route = forms.ChoiceField(
        label="Voie retenue",
        choices=Route.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la voie retenue."},
    )
    reasoning = forms.CharField(
        label="Motivation (obligatoire, figure au journal)",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "La motivation de la décision est obligatoire."},
    )

    def clean_reasoning(self):
        text = self.cleaned_data["reasoning"].strip()
        if not text:
            raise forms.ValidationError("La motivation de la décision est obligatoire.")
        return text


class SolvencyForm(forms.Form):
    analysed_on = forms.DateField(
        label="Analysée le", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    sources = forms.MultipleChoiceField(
        label="Sources consultées (licites uniquement)",
        choices=SolvencyAnalysis.Source.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Indiquez au moins une source consultée."},
    )
    conclusion = forms.ChoiceField(label="Conclusion", choices=SolvencyAnalysis.Conclusion.choices)
    note = forms.CharField(
        label="Commentaire (faits vérifiables, aucune donnée sensible)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class AmicableAttemptForm(forms.Form):
    method = forms.ChoiceField(label="Mode", choices=AmicableResolutionAttempt.Method.choices)
    attempted_on = forms.DateField(
        label="Tentée le", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    outcome = forms.CharField(
        label="Issue", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CourtEventForm(forms.Form):
    """An act of the court route (the events offered are those that may follow its stage)."""

    event = forms.ChoiceField(
        label="Étape", error_messages={"required": "Choisissez l'étape accomplie."}
    )
    on = forms.DateField(
        label="Date de l'acte",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Indiquez la date de l'acte.",
            "invalid": "Date invalide (jj/mm/aaaa).",
        },
    )
    note = forms.CharField(label="Précision (figure au journal)", required=False, max_length=200)

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [(e.code, e.label) for e in events]
