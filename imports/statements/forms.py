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
