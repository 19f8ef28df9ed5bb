from django.db import migrations


def triggers(apps, schema_editor):
    """The allocations' summary triggers again (``pilotage.allocation_summary``): an update of
    the claims or payments that moves no date nor creditor no longer joins the transition
    tables with the allocations and payments (issue #24: a bank statement's posting). The
    table's content is unchanged: no rebuild."""
    from pilotage import allocation_summary

    allocation_summary.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("pilotage", "0007_dashboard_counts"),
    ]

    operations = [
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]
