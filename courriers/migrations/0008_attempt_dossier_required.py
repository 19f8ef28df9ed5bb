import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courriers", "0007_outbox_every_channel"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deliveryattempt",
            name="dossier",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="delivery_attempts",
                to="dossiers.dossier",
                verbose_name="dossier",
            ),
        ),
    ]
