"""ImportJob moves from core to the registry, which owns imports: state first (the table keeps its
name), then the table is renamed and the content type follows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ocop.core.migration_ops import move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0003_product_ocop_code'),
        ('core', '0004_alter_auditevent_action'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('producers', 'Producers'), ('products', 'Products')], max_length=16, verbose_name='kind')),
                        ('status', models.CharField(choices=[('pending', 'Waiting'), ('checking', 'Checking'), ('checked', 'Checked — ready to import'), ('invalid', 'Has errors'), ('importing', 'Importing'), ('done', 'Imported'), ('failed', 'Failed')], default='pending', max_length=16, verbose_name='status')),
                        ('file', models.FileField(upload_to='imports/%Y/%m/')),
                        ('original_name', models.CharField(max_length=255, verbose_name='file')),
                        ('total_rows', models.PositiveIntegerField(default=0)),
                        ('processed_rows', models.PositiveIntegerField(default=0)),
                        ('created_count', models.PositiveIntegerField(default=0)),
                        ('updated_count', models.PositiveIntegerField(default=0)),
                        ('unchanged_count', models.PositiveIntegerField(default=0)),
                        ('error_count', models.PositiveIntegerField(default=0)),
                        ('errors', models.JSONField(blank=True, default=list)),
                        ('message', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'core_importjob',
                        'verbose_name': 'import',
                        'verbose_name_plural': 'imports',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='importjob', table=None),
        move_content_types('core', 'registry', 'importjob'),
    ]
