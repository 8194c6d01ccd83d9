"""`manage.py import_catalogue FILE`: import a `tthc-catalogue/1` file, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from procedures.catalogue import CatalogueError, import_catalogue


class Command(BaseCommand):
    help = (
        "Import a procedure catalogue (format tthc-catalogue/1). Nothing is written unless "
        "the whole file is valid; every problem is listed on stderr as '<code> <key>: <message>'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON file, or - for standard input")
        parser.add_argument("--user", help="username recorded as the author in the history")

    def handle(self, *args, **options):
        path = options["file"]
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"unknown user {options['user']}")
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
        try:
            result = import_catalogue(raw, user=user)
        except CatalogueError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            count = len(error.problems)
            raise CommandError(
                f"{path}: {count} problem{'s' if count != 1 else ''} found; nothing was imported."
            ) from None
        self.stdout.write(f"Imported {path}: {result.summary()}")
