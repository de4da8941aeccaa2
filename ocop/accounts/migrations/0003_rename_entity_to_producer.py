"""A producer's account is scoped to its producer (formerly `entity`)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("registry", "0005_rename_entity_to_producer"),
    ]

    operations = [
        migrations.RenameField("user", "entity", "producer"),
    ]
