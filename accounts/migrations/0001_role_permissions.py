"""Give the admin role its permissions on the second factor's devices and the login records."""

from django.db import migrations

from dossiers import roles


def sync(apps, schema_editor):
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0007_security_portfolios"),
        ("relances", "0004_workspace"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
