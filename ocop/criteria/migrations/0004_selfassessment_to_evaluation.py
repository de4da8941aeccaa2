"""The self-assessment moved to evaluation (evaluation 0002): forget it here, keep the tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("criteria", "0003_self_assessment"),
        ("evaluation", "0002_selfassessment_from_criteria"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SelfAssessmentEvidence"),
                migrations.DeleteModel(name="SelfAssessment"),
            ],
            database_operations=[],
        ),
    ]
