"""Running numbers (dossier codes, feedback references): the counter row is taken under a
row lock, so two requests at the same moment never get the same number."""

from __future__ import annotations

from django.db import models


def next_number(counter: type[models.Model], **key) -> int:
    """The next running number of the counter row `key` (created at 0 when missing), inside
    the caller's transaction. The model has a `last` integer field and `key` is unique."""
    counter.objects.get_or_create(**key)
    row = counter.objects.select_for_update().get(**key)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last
