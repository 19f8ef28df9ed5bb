"""The imports' forms, with French messages."""

from django import forms

from dossiers import scoping
from dossiers.models import Creditor
from imports.columns import IGNORE, fields_for
from imports.models import ImportKind

MAX_UPLOAD = 50 * 1024 * 1024


class _CreditorsOfUser:
    """The creditor fields list only the creditors the user may work for (a manager: those in
    their charge; ``dossiers.scoping.visible_creditors``)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            field = self.fields["creditor"]
            field.queryset = scoping.visible_creditors(user, field.queryset)


class UploadForm(_CreditorsOfUser, forms.Form):
    kind = forms.ChoiceField(label="Contenu du fichier", choices=ImportKind.choices)
    creditor = forms.ModelChoiceField(
        label="Créancier",
        queryset=Creditor.objects.order_by("legal_name"),
        required=False,
        help_text="Les factures et paiements de ce créancier (inutile pour le BODACC).",
    )
    file = forms.FileField(
        label="Fichier",
        help_text="CSV (séparateur ; ou ,, UTF-8 ou Windows-1252) ou XLSX, 50 Mo au plus.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("Le fichier dépasse 50 Mo : découpez-le.")
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError("Déposez un fichier CSV ou XLSX.")
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") != ImportKind.BODACC and not data.get("creditor"):
            self.add_error("creditor", "Choisissez le créancier des factures.")
        return data


class FacturXForm(forms.Form):
    file = forms.FileField(
        label="Facture électronique (PDF Factur-X)",
        help_text="Le vendeur doit être un créancier enregistré (même SIREN).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("Le fichier dépasse 50 Mo.")
        if not upload.name.lower().endswith(".pdf"):
            raise forms.ValidationError("Déposez un PDF Factur-X.")
        return upload


def column_choices(kind: str):
    return [("", "— choisir —"), (IGNORE, "Ignorer cette colonne")] + [
        (f.code, f.label + (" (obligatoire)" if f.required else "")) for f in fields_for(kind)
    ]


class ExportForm(_CreditorsOfUser, forms.Form):
    what = forms.ChoiceField(
        label="Contenu",
        choices=[
            ("dossiers", "Dossiers"),
            ("creances", "Créances"),
            ("encaissees", "Factures encaissées (statut 212)"),
        ],
    )
    format = forms.ChoiceField(label="Format", choices=[("xlsx", "XLSX"), ("csv", "CSV")])
    on = forms.DateField(
        label="Chiffres calculés au",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Date invalide : écrivez-la JJ/MM/AAAA."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    creditor = forms.ModelChoiceField(
        label="Créancier", queryset=Creditor.objects.order_by("legal_name"), required=False
    )
    since = forms.DateField(
        label="Encaissées depuis le",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Date invalide : écrivez-la JJ/MM/AAAA."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Pour le statut 212 : les encaissements reçus depuis cette date.",
    )

    def clean(self):
        data = super().clean()
        if data.get("what") == "encaissees" and not data.get("since"):
            self.add_error("since", "Indiquez depuis quelle date exporter les encaissements.")
        return data
