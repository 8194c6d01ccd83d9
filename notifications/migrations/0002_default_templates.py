"""Seed the built-in wording as editable MessageTemplate rows (never overwrites an edit)."""

from django.db import migrations


def seed(apps, schema_editor):
    from notifications.defaults import seed_default_templates

    seed_default_templates(apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
