from django.db import migrations


def load(apps, schema_editor):
    from ocop.criteria.services import load_qd26

    load_qd26(apps.get_model("criteria", "CriteriaSet"), apps.get_model("criteria", "Sheet"))


class Migration(migrations.Migration):
    dependencies = [("criteria", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
