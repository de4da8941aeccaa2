"""Counter (serial numbers) moves from evaluation to core, which every app numbering its records uses;
ImportJob has moved to the registry (registry 0004). State first, then the table rename."""

from django.db import migrations, models

from ocop.core.migration_ops import move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_alter_auditevent_action'),
        ('evaluation', '0001_initial'),
        ('registry', '0004_importjob_from_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Counter',
                    fields=[
                        ('key', models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ('value', models.PositiveIntegerField(default=0)),
                    ],
                    options={'db_table': 'evaluation_counter'},
                ),
                migrations.DeleteModel(name='ImportJob'),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='counter', table=None),
        move_content_types('evaluation', 'core', 'counter'),
    ]
