"""The one row of cost settings the dashboards read."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("pilotage", "CostSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("pilotage", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
