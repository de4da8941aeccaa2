"""The model Entity is the producer everywhere a person reads: it is named so in the code too. Renames
only: every row, key and audit event stays (the content type is renamed with the model)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_importjob_from_core"),
        # After every migration that names registry.Entity, so that a new database builds in order.
        ("accounts", "0002_initial"),
        ("certificates", "0002_initial"),
        ("evaluation", "0003_counter_to_core_selfassessment_tables"),
        ("trace", "0001_initial"),
    ]

    operations = [
        # Indexes naming a renamed field go first (SQLite rebuilds tables on a rename); 0006 makes them anew.
        migrations.RemoveIndex("entity", "registry_en_entity__ccfae7_idx"),
        migrations.RemoveIndex("product", "registry_pr_entity__3d4be8_idx"),
        migrations.RenameModel("Entity", "Producer"),
        migrations.RenameField("producer", "entity_type", "producer_type"),
        migrations.RenameField("product", "entity", "producer"),
        migrations.RenameField("saleschannel", "entity", "producer"),
        migrations.RemoveConstraint("producer", "entity_female_le_total"),
        migrations.RemoveConstraint("producer", "entity_local_le_total"),
        migrations.AddConstraint(
            "producer",
            models.CheckConstraint(
                condition=models.Q(staff_female__lte=models.F("staff_total")), name="producer_female_le_total"
            ),
        ),
        migrations.AddConstraint(
            "producer",
            models.CheckConstraint(
                condition=models.Q(staff_local__lte=models.F("staff_total")), name="producer_local_le_total"
            ),
        ),
    ]
