from django.db import migrations


def forwards(apps, schema_editor):
    from dossiers import roles

    apps.get_model("pilotage", "CostSettings").objects.get_or_create(pk=1)
    roles.sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("pilotage", "0001_cost_settings"),
        ("relances", "0004_workspace"),
        ("dossiers", "0005_load_reference_rates"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
