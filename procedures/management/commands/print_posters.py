"""Print a unit's counter posters: the whole booklet, or the poster of one procedure."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.models import Unit
from procedures import posters
from procedures.models import Procedure, UnitProcedure


class Command(BaseCommand):
    help = (
        "Write a unit's poster booklet (a cover listing its procedures, then one A4 poster "
        "per procedure its desk receives) as PDF; with --procedure, that procedure's poster."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code, e.g. 000.00.23.H56")
        parser.add_argument("-o", "--output", required=True, help="PDF file to write")
        parser.add_argument("--procedure", help="procedure code: print only its poster")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _ in settings.LANGUAGES],
            help="language of the posters (default: %(default)s)",
        )

    def handle(self, *args, unit: str, output: str, procedure: str | None, language: str, **opts):
        target = Path(output)
        # Everything is checked before anything is written.
        found_unit = Unit.objects.filter(code=unit, is_active=True).first()
        if found_unit is None:
            raise CommandError(f"unknown unit {unit!r}: no active unit has that code")
        if not target.parent.is_dir():
            raise CommandError(
                f"cannot write {target}: directory {str(target.parent)!r} does not exist"
            )
        found_procedure = None
        if procedure is not None:
            found_procedure = Procedure.objects.published().filter(code=procedure).first()
            if found_procedure is None:
                raise CommandError(
                    f"unknown procedure {procedure!r}: no published procedure has that code"
                )
            offered = UnitProcedure.objects.filter(
                unit=found_unit, procedure=found_procedure, is_active=True
            ).exists()
            if not offered:
                raise CommandError(
                    f"unit {unit} does not offer procedure {procedure}: add it to the unit's "
                    "procedures before printing its poster"
                )

        with translation.override(language):
            if found_procedure is not None:
                pdf = posters.procedure_poster_pdf(found_procedure, found_unit)
                what = f"poster {found_procedure.code}"
            else:
                count = len(posters.booklet_procedures(found_unit))
                if count == 0:
                    self.stderr.write(f"unit {unit} offers no procedure: the booklet is its cover")
                pdf = posters.unit_booklet_pdf(found_unit)
                what = f"booklet of {count} procedure(s)"
        _write_atomically(target, pdf)
        self.stdout.write(f"Wrote {what} for {found_unit.code} to {target} ({len(pdf)} bytes).")


def _write_atomically(target: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory: an interrupted run never
    leaves half a PDF under the target name."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".poster-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a poster is not
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
