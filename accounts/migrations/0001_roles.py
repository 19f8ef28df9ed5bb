"""The four roles as Django groups, each with exactly its permissions (``accounts.roles``).

It runs once every app's tables exist, so that every permission it grants exists too.
"""

from django.db import migrations

from accounts import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "__latest__"),
        ("authtoken", "__latest__"),
        ("otp_totp", "__latest__"),
        ("axes", "__latest__"),
        ("journal", "__latest__"),
        ("dossiers", "__latest__"),
        ("rgpd", "__latest__"),
        ("imports", "__latest__"),
        ("relances", "__latest__"),
        ("courriers", "__latest__"),
        ("escalade", "__latest__"),
        ("pilotage", "__latest__"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
