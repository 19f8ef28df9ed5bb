from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who gets in: the second factor (TOTP), lockout after failures, and the records of it."""

    name = "accounts"
    verbose_name = "Comptes et sécurité"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from accounts import throttle

        # After axes' own receiver (axes is installed first): its failure is already recorded.
        user_login_failed.connect(throttle.notify_owner, dispatch_uid="accounts.notify_owner")

        # Every text input of the product — the pages' and the admin's forms, the API's
        # serializers — refuses invisible control characters with a French message
        # (``accounts.text``); imports check their cells likewise (``imports.services``).
        from django import forms
        from rest_framework import fields

        from accounts.text import refuse_control_characters

        for field_class in (forms.CharField, fields.CharField):
            if refuse_control_characters not in field_class.default_validators:
                field_class.default_validators = [
                    *field_class.default_validators,
                    refuse_control_characters,
                ]
