"""The debtor's forms, in French, each error said in words, tied to its field
(``aria-describedby``, ``aria-invalid``) and announced (``role="alert"`` summary)."""

from __future__ import annotations

from django import forms


class PortalForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_aide"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                described = widget.attrs.get("aria-describedby", "")
                widget.attrs["aria-describedby"] = f"{described} id_{name}_erreur".strip()
                widget.attrs["aria-invalid"] = "true"


class FactorForm(PortalForm):
    answer = forms.CharField(
        label="Numéro d'une de vos factures, ou code postal de votre adresse",
        max_length=60,
        help_text="Par exemple FA-2026-00012 ou 33000 : il figure sur le courrier reçu.",
        error_messages={"required": "Indiquez un numéro de facture ou votre code postal."},
    )


DATE_HELP = "Au format jj/mm/aaaa, par exemple 15/01/2027."


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=DATE_HELP,
        error_messages={
            "required": "Indiquez une date.",
            "invalid": "Date non reconnue : écrivez-la au format jj/mm/aaaa.",
        },
        **kwargs,
    )


def _amount_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        localize=True,
        error_messages={
            "required": "Indiquez un montant.",
            "invalid": "Montant non reconnu : écrivez par exemple 1200,50.",
            "min_value": "Le montant doit être positif.",
            "max_decimal_places": "Deux chiffres après la virgule au plus.",
        },
        **kwargs,
    )


class PromiseForm(PortalForm):
    amount = _amount_field("Montant que vous vous engagez à payer (€)")
    due_on = _date_field("Date à laquelle vous paierez")
    acknowledge = forms.BooleanField(
        label="Je reconnais devoir cette somme et je m'engage à la payer à cette date.",
        error_messages={"required": "Cochez la case pour confirmer votre engagement."},
    )


class PlanForm(PortalForm):
    installments = forms.IntegerField(
        label="Nombre de mensualités",
        min_value=1,
        max_value=60,
        error_messages={
            "required": "Indiquez un nombre de mensualités.",
            "invalid": "Indiquez un nombre entier.",
            "min_value": "Au moins une mensualité.",
            "max_value": "Au plus 60 mensualités.",
        },
    )
    first_due_on = _date_field("Date de la première mensualité")
    acknowledge = forms.BooleanField(
        label="Je reconnais devoir la somme restant due et je m'engage à respecter cet échéancier.",
        error_messages={"required": "Cochez la case pour confirmer votre engagement."},
    )
    for_review = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
    )


class DisputeForm(PortalForm):
    def __init__(self, *args, claims=(), reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].choices = [("", "Toutes les factures du dossier")] + [
            (str(c.pk), f"Facture n° {c.invoice_number}") for c in claims
        ]
        self.fields["reason"].choices = [("", "Choisissez un motif"), *reasons]

    reason = forms.ChoiceField(
        label="Motif de votre contestation",
        error_messages={"required": "Choisissez un motif.", "invalid_choice": "Motif inconnu."},
    )
    claim = forms.ChoiceField(label="Facture concernée", required=False)
    description = forms.CharField(
        label="Expliquez ce qui ne va pas",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": "Expliquez en quelques mots ce que vous contestez."},
    )
    attachment = forms.FileField(
        label="Pièce jointe (facultative)",
        required=False,
        help_text="PDF, PNG, JPEG ou e-mail (.eml, .txt), 10 Mo au plus.",
    )


class AlreadyPaidForm(PortalForm):
    paid_on = _date_field("Date de votre paiement")
    amount = _amount_field("Montant payé (€)")
    method = forms.ChoiceField(
        label="Moyen de paiement",
        choices=[
            ("virement", "Virement"),
            ("cheque", "Chèque"),
            ("carte", "Carte bancaire"),
            ("prelevement", "Prélèvement"),
            ("autre", "Autre"),
        ],
    )
    proof = forms.FileField(
        label="Justificatif (avis de virement, relevé…)",
        help_text="PDF, PNG, JPEG ou e-mail (.eml, .txt), 10 Mo au plus.",
        error_messages={"required": "Joignez un justificatif de votre paiement."},
    )


class ContactForm(PortalForm):
    name = forms.CharField(label="Nom du contact", max_length=200, required=False)
    email = forms.EmailField(
        label="Adresse e-mail",
        required=False,
        error_messages={"invalid": "Adresse e-mail non valide."},
    )
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    address = forms.CharField(
        label="Adresse postale",
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("name", "email", "phone", "address")):
            raise forms.ValidationError("Indiquez au moins une coordonnée à mettre à jour.")
        return data


class RightsForm(PortalForm):
    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choisissez un droit"), *kinds]

    kind = forms.ChoiceField(
        label="Droit que vous souhaitez exercer",
        error_messages={"required": "Choisissez un droit.", "invalid_choice": "Droit inconnu."},
    )
    details = forms.CharField(
        label="Votre demande",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": "Précisez votre demande."},
    )
