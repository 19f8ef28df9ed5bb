"""The DPO's forms: requests, decisions, restriction, rectification (French messages)."""

from __future__ import annotations

from django import forms

from dossiers.models import Debtor, DebtorContact
from legal.minimisation import SensitiveTextMixin
from rgpd.models import RightsRequest

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _reason(label: str = "Motif (figure au journal)") -> forms.CharField:
    return forms.CharField(label=label, max_length=300)


class RequestForm(SensitiveTextMixin, forms.Form):
    sensitive_fields = ("details",)
    kind = forms.ChoiceField(label="Nature de la demande", choices=RightsRequest.Kind.choices)
    received_on = forms.DateField(label="Reçue le", widget=DATE_INPUT)
    details = forms.CharField(
        label="Demande (ce qui est demandé, par quel canal)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class DecisionForm(SensitiveTextMixin, forms.Form):
    sensitive_fields = ("decision",)
    status = forms.ChoiceField(
        label="Décision",
        choices=[c for c in RightsRequest.Status.choices if c[0] != RightsRequest.Status.OPEN],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label="Décision motivée (figure au journal)", widget=forms.Textarea(attrs={"rows": 3})
    )


class RestrictionForm(forms.Form):
    restricted = forms.TypedChoiceField(
        label="Traitement",
        choices=[
            ("1", "Limiter le traitement (plus aucune relance)"),
            ("0", "Lever la limitation"),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = _reason()


class DebtorRectifyForm(forms.ModelForm):
    reason = _reason("Motif de la rectification (figure au journal)")

    class Meta:
        model = Debtor
        fields = ["name", "siren", "address_line1", "address_line2", "postal_code", "city"]


class ContactRectifyForm(forms.ModelForm):
    reason = _reason("Motif de la rectification (figure au journal)")

    class Meta:
        model = DebtorContact
        fields = ["name", "email", "phone"]
