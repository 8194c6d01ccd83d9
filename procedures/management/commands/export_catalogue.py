"""`manage.py export_catalogue [-o FILE] [--exported-at ISO]`: the catalogue as
`tthc-catalogue/1` JSON, to standard output or a file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procedures.catalogue import dumps, export_catalogue


class Command(BaseCommand):
    help = "Export the procedure catalogue (format tthc-catalogue/1) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")
        parser.add_argument(
            "--exported-at",
            help="timestamp to record, ISO 8601 (default: now); pins the output for diffs",
        )

    def handle(self, *args, **options):
        exported_at = None
        if options["exported_at"]:
            try:
                exported_at = datetime.fromisoformat(options["exported_at"])
            except ValueError:
                raise CommandError(
                    f"--exported-at: {options['exported_at']!r} is not an ISO 8601 date and time"
                ) from None
        data = export_catalogue(exported_at=exported_at)
        text = dumps(data)
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        try:
            Path(options["output"]).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write {options['output']}: {error.strerror}") from None
        self.stdout.write(
            f"Exported {len(data['procedures'])} procedures and {len(data['fields'])} fields "
            f"to {options['output']}."
        )
