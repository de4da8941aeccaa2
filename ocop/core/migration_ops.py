"""Operations that migrations moving a model from one app to another share."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def move_content_types(old_app: str, new_app: str, *models: str) -> migrations.RunPython:
    """Point the content types of moved models at their new app, so that the audit trail written
    before the move stays attached to its rows."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        audit_event = apps.get_model("core", "AuditEvent")
        for model in models:
            old = content_type.objects.filter(app_label=old_app, model=model).first()
            if old is None:
                continue
            new = content_type.objects.filter(app_label=new_app, model=model).first()
            if new is None:
                old.app_label = new_app
                old.save(update_fields=["app_label"])
            else:
                audit_event.objects.filter(content_type=old).update(content_type=new)
                old.delete()

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        move_content_types(new_app, old_app, *models).code(apps, schema_editor)

    return migrations.RunPython(forwards, backwards, elidable=False)
