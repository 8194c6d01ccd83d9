"""`manage.py seed_bench --dossiers N [--units K] [--seed S] [--now ISO] [--append]`: realistic
dossiers for benchmarks, e.g. 1,000,000 of them over two years of a province's communes.

What it makes, so that the worklists and the tracking lookup are measured on data shaped like
a real province's:
- units: the existing communes of the province (seed_demo's, say), plus new ones until there
  are K (default 100); a province and the sample catalogue first if there are none;
- staff per commune: 2 desk officers, 3 specialists, 1 leader (password: seed_demo's);
- dossiers received on the desks' working days of the last ~2 years (Saturday mornings at
  desks that serve then), busy wards and quiet communes (Zipf-like sizes), procedures
  weighted by popularity, citizens who come back (Vietnamese names, 12-digit ID numbers,
  mobile numbers), codes `<unit code>-<YYMMDD>-<NNNN>` numbered per unit and day in the
  order of reception, and DossierCounter brought up to date;
- each dossier lives its life through the same steps as dossiers/services.py (reception,
  transfer, assignment, supplement with the clock paused, approval or denial, apology with
  a new date, result ready, returned; same-day dossiers returned at the counter) up to the
  moment `--now`: the history rows, the control-slip steps, the documents and the papers
  (01-04, with their content snapshot) are those the services would have written. Most are
  returned; the recent ones are open in every status, a few are late, paused or stuck;
- every commune gets, among its most recent dossiers, one in each open status (due today,
  due soon, overdue, paused, awaiting approval ...), so that no worklist is empty.

The data is made by dossiers/management/seeding/ (people, lives, generator, writing).
Rows are written in batches of about 5,000 dossiers (one transaction each, counters
included): COPY on PostgreSQL, multi-row INSERTs elsewhere (SQLite, for tests). Nothing is
dropped or disabled; the sequences are reset and the tables analysed at the end. It refuses
to run on a database that already has dossiers unless --append. For benchmark databases
only: it creates staff accounts with a published password (refused when HTTPS is on unless
--force), and the audit history rows it writes were never acted by anyone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dossiers.management.seeding.generator import YEARS, Generator
from dossiers.management.seeding.lives import Catalogue, Days, Desk
from dossiers.management.seeding.people import PLACE_ENDS, PLACE_WORDS, person, plain
from dossiers.management.seeding.writing import TABLES, BatchWriter, Writer
from dossiers.models import Dossier, DossierCounter
from dossiers.papers import person_name, unit_data
from portal.models import Role, Unit, UnitKind, User
from procedures.models import Level, Procedure
from workcalendar.clock import TZ, WorkCalendar

BATCH = 5_000
SAMPLE_CATALOGUE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"
STAFF = ((Role.DESK_OFFICER, "desk", 2), (Role.SPECIALIST, "cv", 3), (Role.LEADER, "ld", 1))

# ---------------------------------------------------------------------------------------
# The command


class Command(BaseCommand):
    help = "Generate realistic dossiers for benchmarks (a scratch database: never production)."

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="how many to make")
        parser.add_argument("--units", type=int, default=100, help="communes (made if missing)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--now", default="", help="the moment the data stops (ISO datetime; default now)"
        )
        parser.add_argument(
            "--append", action="store_true", help="add to a database that has dossiers"
        )
        parser.add_argument(
            "--writers", type=int, default=2, help="PostgreSQL connections writing at once"
        )
        parser.add_argument("--force", action="store_true", help="run even with HTTPS on")

    def handle(self, *args, **options):
        count, units = options["dossiers"], options["units"]
        if count < 1 or units < 1:
            raise CommandError("--dossiers and --units must be at least 1.")
        if getattr(settings, "HTTPS", False) and not options["force"]:
            raise CommandError(
                "HTTPS is on, this looks like production: seed_bench writes made-up dossiers "
                "and staff accounts with a published password. Use --force if you mean it."
            )
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError("seed_bench writes to PostgreSQL or SQLite only.")
        if Dossier.objects.exists() and not options["append"]:
            raise CommandError(
                f"The database already has {Dossier.objects.count()} dossiers; use --append "
                "to add more, or an empty database."
            )
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now: not an ISO datetime: {options['now']!r}") from None
            if timezone.is_naive(now):
                now = now.replace(tzinfo=TZ)
        started = time.perf_counter()
        with transaction.atomic():
            province = self.province()
            communes = self.communes(province, units)
            staff = self.staff(communes)
            procedures, weights = self.catalogue()
        desks = self.desks(communes, staff, now, options["seed"])
        size = sum(d.weight for d in desks)
        for desk in desks:
            desk.citizens = max(50, int(count * desk.weight / size * 0.6))
        counters = {
            (c.unit_id, c.day): c.last
            for c in DossierCounter.objects.filter(
                unit__in=communes, day__gte=now.date() - dt.timedelta(days=365 * YEARS + 1)
            )
        }
        next_ids = {model: self.next_id(model) for model in TABLES}
        generator = Generator(
            desks=desks,
            procedures=procedures,
            weights=weights,
            now=now,
            seed=options["seed"],
            counters=counters,
            next_ids=next_ids,
        )
        self.stdout.write(
            f"seed_bench: {count} dossiers over {len(desks)} communes and "
            f"{len(procedures)} procedures, up to {timezone.localtime(now, TZ):%Y-%m-%d %H:%M}"
        )
        last_report = time.perf_counter()
        done = 0
        writer = Writer()
        with BatchWriter(writer, options["writers"]) as batches:
            for made in generator.dossiers(count):
                if made - done < BATCH and made < count:
                    continue
                batches.put(*generator.take_batch())
                done = made
                if time.perf_counter() - last_report > 15:
                    last_report = time.perf_counter()
                    elapsed = last_report - started
                    saved = writer.rows[Dossier]
                    eta = (count - saved) * elapsed / max(saved, 1)
                    self.stdout.write(
                        f"  {saved:>9,} dossiers written  {elapsed:6.0f} s  "
                        f"{saved / elapsed:7,.0f}/s  eta {eta:5.0f} s"
                    )
        generated = time.perf_counter() - started
        self.finish()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"seed_bench: {writer.rows[Dossier]:,} dossiers in {elapsed:.1f} s "
            f"({generated:.1f} s to make and write, {elapsed - generated:.1f} s to analyse)"
        )
        for model in [*TABLES, DossierCounter]:
            self.stdout.write(
                f"  {model._meta.db_table:26} {writer.rows[model]:>11,} rows, "
                f"{writer.seconds[model]:6.1f} s writing"
            )
        self.stdout.write(
            f"  commits (foreign keys checked) {writer.seconds['commit']:.1f} s; writers "
            f"busy {writer.seconds['total']:.1f} s in all ({options['writers']} on PostgreSQL)"
        )
        busiest = max(desks, key=lambda d: d.weight)
        self.stdout.write(
            f"Busiest commune: {busiest.unit.code} {busiest.unit.name}; its staff: "
            + ", ".join(u for _pk, u, _n in busiest.desks + busiest.specialists + busiest.leaders)
        )

    # -- setup -------------------------------------------------------------------------------
    def province(self) -> Unit:
        province = Unit.objects.filter(parent__isnull=True, kind=UnitKind.PROVINCE).first()
        if province is None:
            from procedures.management.commands.seed_demo import PROVINCE

            province = Unit.objects.create(**PROVINCE)
        return province

    def communes(self, province: Unit, wanted: int) -> list[Unit]:
        communes = list(Unit.objects.filter(parent=province, is_active=True).order_by("code"))
        taken = set(Unit.objects.values_list("code", flat=True))
        names = set(Unit.objects.values_list("name_vi", flat=True))
        suffix = province.code.rsplit(".", 1)[-1]
        new = []
        words = itertools.product(PLACE_WORDS, PLACE_ENDS)
        number = 0
        while len(communes) + len(new) < wanted:
            code = f"000.{20 + number // 90:02d}.{10 + number % 90:02d}.{suffix}"
            number += 1
            if code in taken:
                continue
            kind = UnitKind.WARD if number % 5 == 0 else UnitKind.COMMUNE
            place = next((f"{a} {b}" for a, b in words if f"{a} {b}" not in names), "")
            place = place or f"Số {number}"
            name = f"{'Phường' if kind == UnitKind.WARD else 'Xã'} {place}"
            names.add(name)
            new.append(
                Unit(
                    code=code,
                    kind=kind,
                    parent=province,
                    name_vi=name,
                    name=name,
                    name_en=f"{plain(place)} {'Ward' if kind == UnitKind.WARD else 'Commune'}",
                    address_vi=f"Trụ sở UBND, {name}, {province.name_vi}",
                    phone=f"0263 38{number:02d} {100 + number:03d}",
                    opening_hours_vi="Thứ Hai – Thứ Sáu: 7:00–11:30, 13:30–17:00",
                    saturday_service=number % 7 == 0,
                )
            )
        Unit.objects.bulk_create(new)
        return list(Unit.objects.filter(parent=province, is_active=True).order_by("code"))[:wanted]

    def staff(self, communes: list[Unit]) -> dict[int, dict[str, list[User]]]:
        from procedures.management.commands.seed_demo import DEMO_PASSWORD

        password = make_password(DEMO_PASSWORD)
        rng = random.Random(7)
        existing: dict[int, dict[str, list[User]]] = defaultdict(lambda: defaultdict(list))
        for user in User.objects.filter(unit__in=communes, is_active=True).order_by("pk"):
            existing[user.unit_id][user.role].append(user)
        taken = set(User.objects.values_list("username", flat=True))
        new = []
        for unit in communes:
            for role, short, quota in STAFF:
                have = len(existing[unit.pk][role])
                for n in range(have + 1, quota + 1):
                    username = f"u{unit.pk}.{short}{n}"
                    if username in taken:
                        continue
                    who = person(rng.randrange(1 << 40))
                    family, *rest = who.name.split()
                    new.append(
                        User(
                            username=username,
                            unit=unit,
                            role=role,
                            is_staff=True,
                            password=password,
                            last_name=" ".join([family, *rest[:-1]]),
                            first_name=rest[-1],
                        )
                    )
        User.objects.bulk_create(new)
        staff: dict[int, dict[str, list[User]]] = defaultdict(lambda: defaultdict(list))
        for user in User.objects.filter(unit__in=communes, is_active=True).order_by("pk"):
            staff[user.unit_id][user.role].append(user)
        return staff

    def catalogue(self) -> tuple[list[Catalogue], list[float]]:
        from procedures.catalogue import CatalogueError, import_catalogue
        from procedures.management.commands.seed_demo import POPULARITY

        published = Procedure.objects.published().filter(level=Level.COMMUNE)
        if not published.exists():
            try:
                import_catalogue(SAMPLE_CATALOGUE.read_bytes())
            except (OSError, CatalogueError) as error:
                raise CommandError(f"cannot import {SAMPLE_CATALOGUE}: {error}") from None
        procedures, weights = [], []
        for procedure in published.select_related("field").prefetch_related("documents"):
            documents = [
                (d.pk, d.name_vi or d.name, d.required, d.originals, d.copies)
                for d in procedure.documents.all()
            ] or [(None, "Đơn đề nghị", True, 1, 0)]
            procedures.append(
                Catalogue(
                    id=procedure.pk,
                    code=procedure.code,
                    days=procedure.processing_days,
                    same_day=procedure.same_day,
                    result=(procedure.result_vi or procedure.result or "Kết quả giải quyết")[:200],
                    documents=documents,
                    snapshot={
                        "code": procedure.code,
                        "name_vi": procedure.name_vi or procedure.name,
                        "name_en": procedure.name_en or "",
                        "processing_days": procedure.processing_days,
                        "same_day": procedure.same_day,
                    },
                    business=procedure.field.code in ("HKD", "XD", "DD"),
                )
            )
            weights.append(float(procedure.popularity or POPULARITY.get(procedure.code) or 40))
        if not procedures:
            raise CommandError("No published commune-level procedure to make dossiers for.")
        return procedures, weights

    def desks(self, communes, staff, now: dt.datetime, seed: int) -> list[Desk]:
        rng = random.Random(seed + 1)
        today = timezone.localtime(now, TZ).date()
        first = today - dt.timedelta(days=365 * YEARS + 7)
        last = today + dt.timedelta(days=240)
        calendars: dict[tuple[int, bool], Days] = {}
        ranks = list(range(len(communes)))
        rng.shuffle(ranks)
        desks = []
        for index, unit in enumerate(communes):
            key = (unit.parent_id or unit.pk, unit.saturday_service)
            if key not in calendars:
                calendars[key] = Days(WorkCalendar.for_unit(unit), first, last)
            people = staff[unit.pk]

            def rows(role, people=people):
                return [(u.pk, u.username, person_name(u)) for u in people[role]]

            desk = Desk(
                index=index,
                unit=unit,
                days=calendars[key],
                data=unit_data(unit),
                desks=rows(Role.DESK_OFFICER),
                specialists=rows(Role.SPECIALIST),
                leaders=rows(Role.LEADER),
            )
            # Busy wards, quiet communes: Zipf-like sizes in a random order of units.
            desk.weight = 1.0 / (ranks[index] + 3) ** 0.8
            desk.staff_ids = {pk for pk, _u, _n in desk.desks + desk.specialists + desk.leaders}
            if not (desk.desks and desk.specialists and desk.leaders):
                raise CommandError(f"{unit.code} has no desk officer, specialist or leader.")
            desks.append(desk)
        return desks

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), TABLES):
                cursor.execute(statement)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.stdout.write("  vacuum analyze ...")
            with connection.cursor() as cursor:
                for model in [*TABLES, DossierCounter]:
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
