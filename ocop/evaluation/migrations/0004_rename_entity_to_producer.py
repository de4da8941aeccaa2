"""Ideas, evidence documents and dossiers point at their producer (formerly `entity`)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_counter_to_core_selfassessment_tables"),
        ("registry", "0005_rename_entity_to_producer"),
    ]

    operations = [
        # The index naming the renamed field goes first (SQLite rebuilds tables on a rename); 0005 makes it anew.
        migrations.RemoveIndex("evidencedocument", "evaluation__entity__6b8454_idx"),
        migrations.RenameField("idea", "entity", "producer"),
        migrations.RenameField("evidencedocument", "entity", "producer"),
        migrations.RenameField("dossier", "entity", "producer"),
    ]
