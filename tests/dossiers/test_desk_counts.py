"""The desk page's list counts (issue 4 section 7, docs/adr/0006): one query for every list
of the role, kept a few seconds per user, stale at once when a dossier of the unit changes;
the whole history counted up to a cap."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import selectors, services
from dossiers.models import Dossier
from dossiers.pagination import CappedPaginator

from .conftest import applicant, at, receive

MONDAY = at(2026, 12, 7, 9)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def nav_counts(client) -> dict[str, str]:
    html = client.get("/desk/").content.decode()
    return dict(
        re.findall(r'class="list-([a-z_]+)">[^<]*<span class="n[^"]*">([^<]*)</span>', html)
    )


def queries_of(client, url="/desk/") -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_every_list_is_counted_in_one_query(
    client, desk_officer, leader, three_day_procedure, monday
):
    for _ in range(2):
        receive(three_day_procedure, desk_officer)
    client.force_login(leader)

    sql = queries_of(client)

    # The page's rows, and one query of six scalar subqueries for the six lists' counts.
    counting = [q for q in sql if q.count("COUNT(") >= 2]
    assert len(counting) == 1
    assert counting[0].count("COUNT(") == 6
    assert nav_counts(client)["unassigned"] == "2"


def test_counts_are_kept_a_few_seconds(client, desk_officer, three_day_procedure, monday):
    first, second = (
        receive(three_day_procedure, desk_officer),
        receive(three_day_procedure, desk_officer),
    )
    client.force_login(desk_officer)
    assert nav_counts(client)["reception_today"] == "2"
    # A change that is not an action on the dossier (no event): the cached counts stay...
    Dossier.objects.filter(pk=first.pk).update(created_at=MONDAY - dt.timedelta(days=3))

    sql = queries_of(client)

    assert not any("COUNT(" in q for q in sql)
    assert nav_counts(client)["reception_today"] == "2"
    # ... for COUNTS_SECONDS, then the page counts again.
    monday.shift(selectors.COUNTS_SECONDS + 1)
    assert nav_counts(client)["reception_today"] == "1"
    assert second.code in client.get("/desk/").content.decode()


def test_an_action_shows_at_once_in_the_counts_of_the_unit(
    client, desk_officer, specialist, leader, three_day_procedure, monday
):
    dossier = receive(three_day_procedure, desk_officer)
    client.force_login(leader)
    assert nav_counts(client)["unassigned"] == "1"
    client.force_login(specialist)
    assert nav_counts(client)["assigned_to_me"] == "0"

    services.assign_dossier(dossier, actor=leader, handler=specialist, now=MONDAY)

    # Within the same second: the leader's own action, and what it means for a colleague.
    assert nav_counts(client)["assigned_to_me"] == "1"
    client.force_login(leader)
    assert nav_counts(client)["unassigned"] == "0"
    # A desk officer's own reception shows at once too.
    client.force_login(desk_officer)
    assert nav_counts(client)["reception_today"] == "1"
    receive(three_day_procedure, desk_officer, applicant=applicant(name="Trần Thị Bình"))
    assert nav_counts(client)["reception_today"] == "2"


def test_an_action_in_another_unit_keeps_the_counts(
    client, desk_officer, other_desk, three_day_procedure, monday
):
    receive(three_day_procedure, desk_officer)
    client.force_login(desk_officer)
    assert nav_counts(client)["reception_today"] == "1"

    receive(three_day_procedure, other_desk)

    assert not any("COUNT(" in q for q in queries_of(client))


def test_the_whole_history_is_counted_up_to_the_cap(
    client, desk_officer, province_admin, three_day_procedure, monday, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    codes = {
        receive(three_day_procedure, desk_officer, applicant=applicant(phone=f"09123{n:05d}")).code
        for n in range(7)
    }
    client.force_login(desk_officer)

    html = client.get("/desk/?list=all").content.decode()

    assert 'class="total">hơn 5 hồ sơ</span>' in html
    shown = re.findall(r'href="/desk/dossiers/([^/]+)/"', html)
    assert len(shown) == 5 and set(shown) <= codes  # the newest five; older: search them
    found = client.get("/desk/", {"list": "all", "q": "0912300000"}).content.decode()
    assert 'class="total">1 hồ sơ</span>' in found
    # A province admin's nav counts the whole history too, and says "5+".
    client.force_login(province_admin)
    assert nav_counts(client)["all"] == "5+"
