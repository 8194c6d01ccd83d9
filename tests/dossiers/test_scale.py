"""Scale (issue 4 section 7): the data `seed_bench` makes, and worklists and the tracking
lookup whose number of queries does not grow with the number of dossiers.

The benchmark itself (p95 at 1,000,000 dossiers) is bench/dossier_bench.py; these tests
hold what it relies on, on SQLite and PostgreSQL alike.
"""

import datetime as dt
import io
import re
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from dossiers.management.seeding.lives import COVERAGE
from dossiers.management.seeding.people import person
from dossiers.models import OPEN_STATUSES, Dossier, DossierCounter, DossierEvent, DossierStatus
from dossiers.selectors import Worklist
from dossiers.tracking import find_dossier
from dossiers.workflow import TRANSITIONS
from portal.models import Role, Unit, User
from workcalendar.clock import TZ, WorkCalendar

# A Tuesday morning: the data stops here and the tests' clock is set to it.
NOW = dt.datetime(2026, 12, 8, 10, 30, tzinfo=TZ)
CODE = re.compile(r"^(?P<unit>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-(?P<number>\d{4})$")


def seed(dossiers: int, units: int, append: bool = False) -> str:
    out = io.StringIO()
    call_command(
        "seed_bench",
        dossiers=dossiers,
        units=units,
        now=NOW.isoformat(),
        append=append,
        seed=5 if append else 4,
        stdout=out,
    )
    return out.getvalue()


def busiest_unit() -> Unit:
    counts = Counter(Dossier.objects.values_list("receiving_unit_id", flat=True))
    return Unit.objects.get(pk=counts.most_common(1)[0][0])


# ---------------------------------------------------------------------------------------
# The data


@pytest.mark.django_db
def test_seed_bench_makes_unique_national_codes_with_consistent_counters():
    output = seed(200, units=3)

    assert "200 dossiers" in output
    dossiers = list(
        Dossier.objects.select_related("receiving_unit").values_list(
            "code", "receiving_unit__code", "receiving_unit_id", "created_at"
        )
    )
    assert len(dossiers) == 200
    assert len({code for code, *_ in dossiers}) == 200
    numbers = defaultdict(list)
    for code, unit_code, unit_id, created_at in dossiers:
        match = CODE.match(code)
        assert match, code
        # <unit code>-<YYMMDD of reception, local time>-<running number>
        assert match["unit"] == unit_code
        assert match["day"] == created_at.astimezone(TZ).strftime("%y%m%d")
        day = dt.datetime.strptime(match["day"], "%y%m%d").date()
        numbers[(unit_id, day)].append(int(match["number"]))
    # Numbered 1..n per unit and day, in the order of reception; the counter says n.
    counters = {(c.unit_id, c.day): c.last for c in DossierCounter.objects.all()}
    assert counters.keys() == numbers.keys()
    for key, taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1))
        assert counters[key] == len(taken)
    by_time = defaultdict(list)
    for code, _u, unit_id, created_at in sorted(dossiers, key=lambda d: (d[3], d[0])):
        by_time[(unit_id, created_at.astimezone(TZ).date())].append(int(code[-4:]))
    assert all(taken == sorted(taken) for taken in by_time.values())
    # Dossiers spread over about two years, none after the moment the data stops.
    days = [created_at for *_rest, created_at in dossiers]
    assert max(days) <= NOW
    assert (NOW - min(days)).days > 365


@pytest.mark.django_db
def test_seeded_dossiers_follow_the_legal_clock_and_the_workflow():
    seed(200, units=3)

    statuses = Counter(Dossier.objects.values_list("status", flat=True))
    assert statuses[DossierStatus.RETURNED] > 100  # mostly finished
    for status, _due_in, _path in COVERAGE:  # and some open in every status
        assert statuses[status] >= 1, status
    # Due dates are those of the clock (15:00 cut-off, working days, holidays).
    calendar = WorkCalendar.for_unit(busiest_unit())
    plain = (
        Dossier.objects.filter(received_at__isnull=False, paused_working_days=0)
        .exclude(events__action="extend")
        .select_related("procedure")
    )
    assert plain.count() > 100
    for dossier in plain:
        due = calendar.due_date(
            dossier.received_at,
            working_days=dossier.procedure.processing_days,
            same_day=dossier.procedure.same_day,
        )
        assert (dossier.counts_from, dossier.due_date) == (due.counts_from, due.due), dossier.code
    # The history is a walk through the transition table, ending in the dossier's status;
    # each action after the creation bumped the version.
    events = defaultdict(list)
    for event in DossierEvent.objects.order_by("at", "id"):
        events[event.dossier_id].append(event)
    for dossier in Dossier.objects.exclude(status=DossierStatus.SUBMITTED_ONLINE):
        history = events[dossier.pk]
        assert history, dossier.code
        for before, event in zip([None, *history], history, strict=False):
            assert TRANSITIONS[(event.from_status, event.action)] == event.to_status
            if before is not None:
                assert event.from_status == before.to_status, dossier.code
        assert history[-1].to_status == dossier.status
        online = history[0].from_status == DossierStatus.SUBMITTED_ONLINE
        assert dossier.version == len(history) + online
    # Citizens can follow them with the code and the phone or ID number they gave.
    for dossier in Dossier.objects.order_by("?")[:20]:
        assert find_dossier(dossier.code, id_number=dossier.applicant_id_number) == dossier
        assert len(dossier.applicant_id_number) == 12


@pytest.mark.django_db
def test_seed_bench_refuses_a_database_with_dossiers_unless_appending():
    seed(30, units=1)

    with pytest.raises(CommandError, match="--append"):
        seed(30, units=1)
    seed(30, units=1, append=True)

    assert Dossier.objects.count() == 60
    assert Dossier.objects.values("code").distinct().count() == 60
    with pytest.raises(CommandError):
        call_command("seed_bench", dossiers=0, stdout=io.StringIO())


def test_people_are_stable_and_look_vietnamese():
    first, again = person(12345), person(12345)

    assert first == again
    assert re.fullmatch(r"0\d{2}[0-3]\d{8}", first.id_number)
    assert first.phone == "" or re.fullmatch(r"0\d{9}", first.phone)
    assert len(first.name.split()) == 3
    assert len({person(n).id_number for n in range(2000)}) > 1990


# ---------------------------------------------------------------------------------------
# Queries that do not grow with the rows


def staff_of(unit: Unit) -> dict[str, User]:
    users = User.objects.filter(unit=unit).order_by("pk")
    return {
        "desk": users.filter(role=Role.DESK_OFFICER).first(),
        "specialist": users.filter(role=Role.SPECIALIST).first(),  # holds the coverage ones
        "leader": users.filter(role=Role.LEADER).first(),
    }


def requests_to_measure(unit: Unit) -> list[tuple[str, User, str]]:
    """(name, user, path) of every worklist of each role, and the searches."""
    url = reverse("api-dossier-list")
    wanted = []
    for role, user in staff_of(unit).items():
        for name in (*Worklist(user).names(), "all"):
            wanted.append((f"{role} {name}", user, f"{url}?list={name}"))
    mine = Dossier.objects.filter(Q(receiving_unit=unit) | Q(competent_unit=unit))
    sample = mine.exclude(applicant_phone="").order_by("pk").first()
    desk = staff_of(unit)["desk"]
    wanted += [
        ("search phone", desk, f"{url}?q={sample.applicant_phone}"),
        ("search code", desk, f"{url}?q={sample.code}"),
        ("search ID number", desk, f"{url}?q={sample.applicant_id_number}"),
        ("search name", desk, f"{url}?q={sample.applicant_name.split()[-1]}"),
    ]
    return wanted


def count_queries(client: Client, path: str) -> tuple[int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(captured.captured_queries), response.json()


@pytest.mark.django_db
def test_worklists_and_searches_take_as_many_queries_at_120_dossiers_as_at_30(
    django_assert_max_num_queries,
):
    seed(30, units=1)
    unit = busiest_unit()
    clients: dict[int, Client] = {}

    def client_for(user: User) -> Client:
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        return clients[user.pk]

    small: dict[str, int] = {}
    small_rows: dict[str, int] = {}
    with time_machine.travel(NOW, tick=False):
        for name, user, path in requests_to_measure(unit):
            small[name], body = count_queries(client_for(user), path)
            small_rows[name] = body["count"]
        # Every worklist has rows already: an empty page would take fewer queries.
        assert all(small_rows.values()), small_rows

        seed(90, units=1, append=True)
        assert Dossier.objects.count() == 120
        for name, user, path in requests_to_measure(unit):
            with django_assert_max_num_queries(small[name]):
                response = client_for(user).get(path)
            assert response.status_code == 200
            if not name.startswith("search"):
                assert response.json()["count"] >= small_rows[name], name
    assert max(small.values()) <= 8


@pytest.mark.django_db
def test_tracking_lookup_takes_as_many_queries_at_120_dossiers_as_at_30(
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def lookup(dossier: Dossier):
        return client.post(
            "/api/v1/track/",
            {"code": dossier.code, "id_number": dossier.applicant_id_number},
            content_type="application/json",
        )

    seed(30, units=1)
    most = 0
    with time_machine.travel(NOW, tick=False):
        for dossier in Dossier.objects.all():
            with CaptureQueriesContext(connection) as captured:
                assert lookup(dossier).status_code == 200
            most = max(most, len(captured.captured_queries))
        seed(90, units=1, append=True)
        for dossier in Dossier.objects.order_by("-pk")[:90]:
            with django_assert_max_num_queries(most):
                assert lookup(dossier).status_code == 200
    assert most <= 3


def test_open_statuses_cover_every_worklist_status():
    """The coverage dossiers stop in open statuses the worklists read (or the incoming
    ones): a new open status would need a coverage dossier too."""
    covered = {status for status, _due, _path in COVERAGE}
    assert set(OPEN_STATUSES) <= covered
    assert {DossierStatus.INCOMPLETE, DossierStatus.SUBMITTED_ONLINE} <= covered


# ---------------------------------------------------------------------------------------
# The count of a long list stops at a cap


@pytest.mark.django_db
def test_api_counts_long_lists_up_to_the_cap_and_says_so(monkeypatch):
    from dossiers.pagination import CappedPaginator

    seed(60, units=1)
    unit = busiest_unit()
    desk = staff_of(unit)["desk"]
    client = Client()
    client.force_login(desk)
    url = reverse("api-dossier-list")
    mine = Dossier.objects.filter(Q(receiving_unit=unit) | Q(competent_unit=unit))
    overdue = Worklist(desk, now=NOW).get("overdue").count()
    monkeypatch.setattr(CappedPaginator, "cap", 40)

    with time_machine.travel(NOW, tick=False):
        everything = client.get(f"{url}?list=all").json()
        short = client.get(f"{url}?list=overdue").json()
        last = client.get(f"{url}?list=all&page=2").json()
        beyond = client.get(f"{url}?list=all&page=3")

    assert mine.count() == 60
    assert (everything["count"], everything["count_capped"]) == (40, True)
    assert [row["code"] for row in everything["results"]] == list(
        mine.order_by("-created_at").values_list("code", flat=True)[:20]
    )
    assert (short["count"], short["count_capped"]) == (overdue, False)
    assert len(last["results"]) == 20 and last["next"] is None
    assert beyond.status_code == 404
