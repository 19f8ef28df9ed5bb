from django import forms
from django.contrib.auth.forms import SetPasswordForm
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


class AccessResetForm(SetPasswordForm):
    """A reset link's form: the new password (twice, checked by the password validators) and
    the code of the new device."""

    token = TokenForm.base_fields["token"]


def apply_errors(form, error) -> None:
    """Put a service's refusal (a ``ValidationError``) on the form: per field when it names
    one, else on the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


VALIDITY_CHOICES = [(30, "30 jours"), (90, "90 jours"), (180, "180 jours"), (365, "1 an")]


class ApiTokenForm(forms.Form):
    """A new API token: its use, its validity and, when the second factor applies, a code
    typed now (a fresh check, not the one of the login)."""

    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="À quoi il sert, par exemple « ERP comptable ».",
        error_messages={"required": "Donnez un nom au jeton (à quoi il sert)."},
    )
    days = forms.TypedChoiceField(
        label="Validité", choices=VALIDITY_CHOICES, coerce=int, initial=90
    )
    otp_code = forms.CharField(
        label="Code à 6 chiffres de votre application",
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, needs_code: bool, max_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [c for c in VALIDITY_CHOICES if c[0] <= max_days] or [
            (max_days, f"{max_days} jours")
        ]
        if needs_code:
            self.fields["otp_code"].required = True
            self.fields["otp_code"].error_messages["required"] = (
                "Saisissez le code affiché par votre application."
            )
        else:
            del self.fields["otp_code"]
