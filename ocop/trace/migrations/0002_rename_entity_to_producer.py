"""A batch's producer (formerly `entity`)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("trace", "0001_initial"),
        ("registry", "0005_rename_entity_to_producer"),
    ]

    operations = [
        migrations.RenameField("batch", "entity", "producer"),
    ]
