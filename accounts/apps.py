from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who gets in: the second factor (TOTP), lockout after failures, and the records of it."""

    name = "accounts"
    verbose_name = "Comptes et sécurité"
