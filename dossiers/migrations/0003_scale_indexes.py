"""Indexes for worklists at a million dossiers (docs/adr/0006-dossier-indexes.md).

The trigram index on the applicant's name (search by name, `UPPER(name) LIKE '%...%'`) is
PostgreSQL's own (pg_trgm, as procedure search): on SQLite it is not made, and it is not in
Meta.indexes, which SQLite must be able to create.
"""

from django.conf import settings
from django.db import migrations, models

NAME_TRIGRAMS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS dossier_name_trgm "
    "ON dossiers_dossier USING gin (UPPER(applicant_name) gin_trgm_ops)",
]
NO_NAME_TRIGRAMS = ["DROP INDEX IF EXISTS dossier_name_trgm"]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0002_notify_channels'),
        ('portal', '0001_initial'),
        ('procedures', '0003_translated_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['receiving_unit', 'created_at'], name='dossier_recv_created'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['created_at'], name='dossier_created'),
        ),
        migrations.RemoveIndex(
            model_name='dossierstep',
            name='dossier_step_open_due',
        ),
        migrations.AddIndex(
            model_name='dossierstep',
            index=models.Index(condition=models.Q(('finished_at__isnull', True)), fields=['handler', 'due'], name='dossier_step_open_due'),
        ),
        migrations.AddIndex(
            model_name='dossierstep',
            index=models.Index(condition=models.Q(('finished_at__isnull', True)), fields=['dossier', 'due'], name='dossier_step_late'),
        ),
        migrations.RunPython(_on_postgresql(NAME_TRIGRAMS), _on_postgresql(NO_NAME_TRIGRAMS)),
    ]
