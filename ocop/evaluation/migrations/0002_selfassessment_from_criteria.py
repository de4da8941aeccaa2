"""The self-assessment moves from criteria to evaluation (the layers: criteria sits below the registry,
and a self-assessment is of a product). State only here: the tables keep their names until 0003."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import ocop.evaluation.models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("criteria", "0003_self_assessment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SelfAssessment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("answers", models.JSONField(blank=True, default=dict, verbose_name="answers")),
                        ("not_applicable", models.JSONField(blank=True, default=list, verbose_name="not applicable")),
                        ("disqualifiers", models.JSONField(blank=True, default=list, verbose_name="disqualifiers")),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("submitted", "Submitted")],
                                default="draft",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="self_assessments",
                                to="registry.product",
                                verbose_name="product",
                            ),
                        ),
                        (
                            "sheet",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="criteria.sheet",
                                verbose_name="scoring sheet",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="updated by",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "criteria_selfassessment",
                        "verbose_name": "self-assessment",
                        "verbose_name_plural": "self-assessments",
                        "ordering": ["-updated_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="SelfAssessmentEvidence",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("criterion", models.CharField(max_length=20, verbose_name="criterion")),
                        (
                            "file",
                            models.FileField(
                                max_length=255, upload_to=ocop.evaluation.models.evidence_path, verbose_name="file"
                            ),
                        ),
                        ("original_name", models.CharField(max_length=255, verbose_name="original name")),
                        ("content_type", models.CharField(max_length=100, verbose_name="content type")),
                        ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                        (
                            "assessment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="evidence",
                                to="evaluation.selfassessment",
                                verbose_name="self-assessment",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="uploaded by",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "criteria_selfassessmentevidence",
                        "verbose_name": "evidence",
                        "verbose_name_plural": "evidence",
                        "ordering": ["criterion", "uploaded_at", "id"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="selfassessment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status", "draft")),
                        fields=("product",),
                        name="criteria_selfassessment_one_draft",
                    ),
                ),
                migrations.AddIndex(
                    model_name="selfassessmentevidence",
                    index=models.Index(fields=["assessment", "criterion"], name="criteria_se_assessm_379652_idx"),
                ),
            ],
            database_operations=[],
        ),
    ]
