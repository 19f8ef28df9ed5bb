from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    """Who gets in: the second factor (TOTP), lockout after failures, and the records of it."""

    name = "accounts"
    verbose_name = "Comptes et sécurité"

    def ready(self):
        # The role groups hold exactly their permissions after every ``migrate`` (a later model's
        # permissions included): ``accounts/migrations/0001_roles`` does it on a new database.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="accounts-sync-roles")
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


def _sync_roles(sender, using="default", **kwargs) -> None:
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from accounts.roles import sync_group_permissions

    for app_config in global_apps.get_app_configs():  # the apps migrated after this one too
        create_permissions(app_config, verbosity=0, using=using)
    sync_group_permissions(global_apps, using=using)
