from django import forms
from django.core.validators import RegexValidator


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code à 6 chiffres",
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", "Le code se compose de 6 chiffres.")],
        error_messages={"required": "Saisissez le code affiché par votre application."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
