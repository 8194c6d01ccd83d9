"""`manage.py seed_demo`: a demo province with three communes, their staff and the sample
catalogue, for trying the portal locally. Safe to run again: nothing is duplicated, and
what already exists (a changed password, a commune's edited counter) is left alone.

Names, addresses and phone numbers are illustrative, not official data.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal.models import Role, Unit, UnitKind, User
from procedures import services
from procedures.catalogue import CatalogueError, import_catalogue
from procedures.models import Level, Procedure, UnitProcedure

DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 - demo accounts for a local machine only
SAMPLE_CATALOGUE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"

WEEKDAYS_VI = "Thứ Hai – Thứ Sáu: 7:00–11:30, 13:30–17:00"
WEEKDAYS_EN = "Monday – Friday: 7:00–11:30, 13:30–17:00"
SATURDAY_VI = "Sáng thứ Bảy: 7:30–11:30"
SATURDAY_EN = "Saturday morning: 7:30–11:30"

PROVINCE = {
    "code": "000.00.00.H56",
    "kind": UnitKind.PROVINCE,
    "name_vi": "Tỉnh Lâm Đồng",
    "name_en": "Lam Dong Province",
    "address_vi": "Trung tâm Phục vụ hành chính công tỉnh, 36 Trần Phú, phường Xuân Hương – Đà Lạt",
    "address_en": "Public Administration Service Centre, 36 Tran Phu, Xuan Huong – Da Lat",
    "phone": "0263 3810 000",
    "opening_hours_vi": WEEKDAYS_VI,
    "opening_hours_en": WEEKDAYS_EN,
}

# (username prefix, unit data)
COMMUNES = [
    (
        "dahuoai",
        {
            "code": "000.00.23.H56",
            "kind": UnitKind.COMMUNE,
            "name_vi": "Xã Đạ Huoai",
            "name_en": "Da Huoai Commune",
            "address_vi": "Trụ sở UBND xã, Quốc lộ 20, xã Đạ Huoai, tỉnh Lâm Đồng",
            "address_en": "Commune People's Committee, National Road 20, Da Huoai, Lam Dong",
            "phone": "0263 3874 123",
            "opening_hours_vi": f"{WEEKDAYS_VI}\n{SATURDAY_VI}",
            "opening_hours_en": f"{WEEKDAYS_EN}\n{SATURDAY_EN}",
            "saturday_service": True,
        },
    ),
    (
        "baoloc1",
        {
            "code": "000.00.24.H56",
            "kind": UnitKind.WARD,
            "name_vi": "Phường 1 Bảo Lộc",
            "name_en": "Bao Loc Ward 1",
            "address_vi": "Số 1 Hồng Bàng, Phường 1 Bảo Lộc, tỉnh Lâm Đồng",
            "address_en": "1 Hong Bang Street, Bao Loc Ward 1, Lam Dong",
            "phone": "0263 3864 210",
            "opening_hours_vi": WEEKDAYS_VI,
            "opening_hours_en": WEEKDAYS_EN,
        },
    ),
    (
        "dilinh",
        {
            "code": "000.00.25.H56",
            "kind": UnitKind.COMMUNE,
            "name_vi": "Xã Di Linh",
            "name_en": "Di Linh Commune",
            "address_vi": "Số 6 Hùng Vương, xã Di Linh, tỉnh Lâm Đồng",
            "address_en": "6 Hung Vuong Street, Di Linh, Lam Dong",
            "phone": "0263 3870 456",
            "opening_hours_vi": WEEKDAYS_VI,
            "opening_hours_en": WEEKDAYS_EN,
        },
    ),
]

COMMUNE_ROLES = [
    ("admin", Role.COMMUNE_ADMIN),
    ("desk", Role.DESK_OFFICER),
    ("specialist", Role.SPECIALIST),
    ("leader", Role.LEADER),
]
PROVINCE_ADMIN_USERNAME = "lamdong.admin"

# Which counter of the desk receives which field (lĩnh vực); other fields go to counter 1.
COUNTERS = {"HT": 1, "CT": 2, "BTXH": 3, "HKD": 4, "DD": 4, "XD": 4}

# "Most used" on the home page: civil status and authentication come first at every desk.
POPULARITY = {
    "1.000894": 980,  # Đăng ký kết hôn
    "1.001193": 960,  # Đăng ký khai sinh
    "2.000815": 940,  # Chứng thực bản sao từ bản chính
    "2.000884": 870,  # Chứng thực chữ ký
    "1.000656": 720,  # Đăng ký khai tử
    "1.004873": 650,  # Xác nhận tình trạng hôn nhân
    "2.000635": 540,  # Cấp bản sao trích lục hộ tịch
    "2.000575": 410,  # Đăng ký thành lập hộ kinh doanh
}


DEMO_CITIZEN = {
    "username": "citizen-demo",
    "first_name": "Nguyễn Thị",
    "last_name": "Mai",
    "phone": "0912000111",
    "id_number": "001190000111",
}


class Command(BaseCommand):
    help = "Create the demo province, communes, staff and catalogue (idempotent, local use only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--catalogue", default=str(SAMPLE_CATALOGUE), help="catalogue file to import"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even though HTTPS (production mode) is on",
        )

    def handle(self, *args, **options):
        if getattr(settings, "HTTPS", False) and not options["force"]:
            raise CommandError(
                "HTTPS is on, this looks like production: seed_demo creates staff accounts with "
                "a published password. Use --force if you really mean it."
            )
        try:
            catalogue = Path(options["catalogue"]).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {options['catalogue']}: {error.strerror}") from None
        with transaction.atomic():
            province, communes = self._units()
            users = self._users(province, communes)
            province_admin = users[0][0]
            try:
                result = import_catalogue(catalogue, user=province_admin)
            except CatalogueError as error:
                for problem in error.problems:
                    self.stderr.write(str(problem))
                raise CommandError(f"{options['catalogue']} cannot be imported.") from None
            offered = self._offerings(communes, province_admin)
            citizen = self._citizen()
            for code, popularity in POPULARITY.items():
                Procedure.objects.filter(code=code).update(popularity=popularity)
        self._report(users, communes, result.summary(), offered)
        self.stdout.write(
            f"Demo citizen (sign in at /account/login/): phone {citizen.phone}, password "
            f"{DEMO_PASSWORD if citizen.created else DEMO_PASSWORD + ' (unless changed)'}."
        )

    def _units(self) -> tuple[Unit, list[Unit]]:
        province, _ = Unit.objects.get_or_create(code=PROVINCE["code"], defaults=PROVINCE)
        communes = []
        for _prefix, data in COMMUNES:
            unit, _ = Unit.objects.get_or_create(
                code=data["code"], defaults={**data, "parent": province}
            )
            communes.append(unit)
        return province, communes

    def _users(self, province: Unit, communes: list[Unit]) -> list[tuple[User, bool]]:
        wanted = [(PROVINCE_ADMIN_USERNAME, Role.PROVINCE_ADMIN, province)]
        for (prefix, _data), unit in zip(COMMUNES, communes, strict=True):
            wanted += [(f"{prefix}.{suffix}", role, unit) for suffix, role in COMMUNE_ROLES]
        users = []
        for username, role, unit in wanted:
            user, created = User.objects.get_or_create(
                username=username, defaults={"role": role, "unit": unit, "is_staff": True}
            )
            if created:  # a password someone changed since is kept
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users.append((user, created))
        return users

    def _citizen(self) -> User:
        """A citizen account with a verified phone, to try online submission."""
        user, created = User.objects.get_or_create(
            username=DEMO_CITIZEN["username"],
            defaults={**DEMO_CITIZEN, "is_citizen": True, "phone_verified_at": timezone.now()},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.created = created
        return user

    def _offerings(self, communes: list[Unit], author: User) -> int:
        """Every commune offers every published commune-level procedure at its desk."""
        procedures = list(
            Procedure.objects.published().filter(level=Level.COMMUNE).select_related("field")
        )
        existing = set(
            UnitProcedure.objects.filter(unit__in=communes).values_list("unit_id", "procedure_id")
        )
        touched: set[str] = set()
        created = 0
        for unit in communes:
            for procedure in procedures:
                if (unit.pk, procedure.pk) in existing:
                    continue
                counter = COUNTERS.get(procedure.field.code, 1)
                offering = UnitProcedure(
                    unit=unit,
                    procedure=procedure,
                    counter_vi=f"Quầy số {counter}",
                    counter_en=f"Counter {counter}",
                    contact=f"Bộ phận một cửa – {unit.phone}",
                )
                offering._history_user = author
                offering.save()
                touched.add(procedure.code)
                created += 1
        # A procedure's page for a unit (?unit=) shows the offering: drop cached copies.
        for code in touched:
            transaction.on_commit(lambda code=code: services.invalidate_procedure_cache(code))
        return created

    def _report(self, users, communes, summary: str, offered: int) -> None:
        out = self.stdout.write
        out(f"Demo units: {len(communes) + 1} (a province and {len(communes)} communes/wards).")
        out(f"Catalogue: {summary}")
        out(f"Offerings created: {offered}.")
        out("")
        rows = [("username", "role", "unit", "password")]
        for user, created in users:
            password = DEMO_PASSWORD if created else f"{DEMO_PASSWORD} (unless changed)"
            unit = f"{user.unit.code} {user.unit.name}"
            rows.append((user.username, user.role, unit, password))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            out("  ".join(cells).rstrip())
        out("")
        out(
            self.style.WARNING(
                "These accounts and their password are for local demonstration only: never "
                "run seed_demo on a server reachable from the Internet."
            )
        )
