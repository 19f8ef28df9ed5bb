"""The four roles as Django groups, each with exactly its permissions (``accounts.roles``).

It runs once every app's tables exist, so that every permission it grants exists too.
"""

from django.db import migrations

from accounts import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    # The migrations this one first ran after, named: « __latest__ » would make any later
    # migration of these apps a dependency of a migration already applied, and every existing
    # database (the demo's db.sqlite3, production) would refuse to migrate
    # (InconsistentMigrationHistory). A later model's permissions come from a later migration.
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
        ("journal", "0001_initial"),
        ("dossiers", "0002_reference_rates"),
        ("rgpd", "0001_initial"),
        ("imports", "0001_initial"),
        ("relances", "0002_default_policies"),
        ("courriers", "0002_default_templates"),
        ("escalade", "0001_initial"),
        ("pilotage", "0002_cost_settings_row"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
