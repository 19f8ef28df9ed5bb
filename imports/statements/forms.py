"""The statements' forms, with French messages."""

from __future__ import annotations

from django import forms

from dossiers import scoping
from dossiers.models import Creditor
from imports.statements.parsers.common import MAX_BYTES


class StatementUploadForm(forms.Form):
    creditor = forms.ModelChoiceField(
        label="Créancier",
        queryset=Creditor.objects.order_by("legal_name"),
        required=False,
        help_text="Facultatif : retrouvé par le compte (IBAN) du relevé.",
    )
    file = forms.FileField(
        label="Relevé bancaire",
        help_text="camt.053 ou camt.054 (XML), CFONB 120 ou MT940, "
        f"{MAX_BYTES // (1024 * 1024)} Mo au plus.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            field = self.fields["creditor"]
            field.queryset = scoping.visible_creditors(user, field.queryset)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : demandez un relevé "
                "plus court à la banque."
            )
        return upload


class LineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(LineForm):
    dossier = forms.CharField(
        label="Dossier", max_length=40, help_text="Sa référence, par exemple DOS-2026-00012."
    )
    reason = forms.CharField(label="Motif", max_length=300)


class IgnoreForm(LineForm):
    reason = forms.CharField(label="Motif", max_length=300)


class SplitForm(LineForm):
    parts = forms.CharField(
        label="Parts",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une ligne par dossier : sa référence puis le montant, "
        "par exemple « DOS-2026-00012 500,00 ».",
    )
    reason = forms.CharField(label="Motif", max_length=300)

    def clean_parts(self):
        from decimal import Decimal, InvalidOperation

        parsed = []
        for number, text in enumerate(self.cleaned_data["parts"].splitlines(), start=1):
            words = text.split()
            if not words:
                continue
            if len(words) < 2:
                raise forms.ValidationError(f"Ligne {number} : la référence puis le montant.")
            # French amounts: « 1 234,56 », « 1.234,56 » or « 1234.56 ».
            amount_text = "".join(words[1:]).replace("€", "").replace("\u202f", "")
            if "," in amount_text:
                amount_text = amount_text.replace(".", "").replace(",", ".")
            try:
                amount = Decimal(amount_text).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise forms.ValidationError(
                    f"Ligne {number} : « {' '.join(words[1:])} » n'est pas un montant."
                ) from None
            parsed.append((words[0].upper(), amount))
        if len(parsed) < 2:
            raise forms.ValidationError("Indiquez deux dossiers au moins.")
        return parsed
