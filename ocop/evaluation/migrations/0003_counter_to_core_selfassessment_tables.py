"""Counter has moved to core (core 0005); the self-assessment tables, now evaluation's, take its names."""

from django.conf import settings
from django.db import migrations, models

from ocop.core.migration_ops import move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('criteria', '0004_selfassessment_to_evaluation'),
        ('evaluation', '0002_selfassessment_from_criteria'),
        ('core', '0005_counter_from_evaluation_importjob_to_registry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Counter')],
            database_operations=[],
        ),
        migrations.RemoveConstraint(
            model_name='selfassessment',
            name='criteria_selfassessment_one_draft',
        ),
        migrations.RenameIndex(
            model_name='selfassessmentevidence',
            new_name='evaluation__assessm_03bdbb_idx',
            old_name='criteria_se_assessm_379652_idx',
        ),
        migrations.AddConstraint(
            model_name='selfassessment',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'draft')), fields=('product',), name='evaluation_selfassessment_one_draft'),
        ),
        migrations.AlterModelTable(
            name='selfassessment',
            table=None,
        ),
        migrations.AlterModelTable(
            name='selfassessmentevidence',
            table=None,
        ),
        move_content_types('criteria', 'evaluation', 'selfassessment', 'selfassessmentevidence'),
    ]
