"""A certificate's producer (formerly `entity`)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_initial"),
        ("registry", "0005_rename_entity_to_producer"),
    ]

    operations = [
        migrations.RenameField("certificate", "entity", "producer"),
        migrations.RenameField("certificate", "entity_name", "producer_name"),
    ]
