"""The province calendar in the admin: each province's admins keep their own, nobody else."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import UnitFactory, UserFactory
from workcalendar.models import CalendarDay

CHANGELIST = reverse("admin:workcalendar_calendarday_changelist")
ADD = reverse("admin:workcalendar_calendarday_add")


def change_url(entry):
    return reverse("admin:workcalendar_calendarday_change", args=[entry.pk])


def delete_url(entry):
    return reverse("admin:workcalendar_calendarday_delete", args=[entry.pk])


@pytest.fixture
def login(client):
    def _login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def foreign_province(db):
    return UnitFactory(code="000.00.00.H99", name_vi="Tỉnh khác", kind="province", parent=None)


@pytest.fixture
def days(province, foreign_province):
    def entry(unit, date):
        return CalendarDay.objects.create(
            province=unit, date=date, kind=CalendarDay.Kind.DAY_OFF, reason_vi="Lễ hội"
        )

    return entry(province, dt.date(2026, 3, 3)), entry(foreign_province, dt.date(2026, 3, 4))


def new_day(**overrides):
    data = {
        "date": "2026-03-10",
        "kind": "day_off",
        "reason_vi": "Nghỉ lễ hội của tỉnh",
        "reason_en": "Province festival",
    }
    data.update(overrides)
    return data


def test_a_province_admin_sees_and_edits_only_their_province(login, province_admin, days):
    ours, theirs = days
    client = login(province_admin)

    listed = client.get(CHANGELIST).context["cl"].result_list
    assert list(listed) == [ours]
    assert client.get(change_url(theirs)).status_code == 404
    assert client.post(delete_url(theirs), {"post": "yes"}).status_code == 404
    assert CalendarDay.objects.filter(pk=theirs.pk).exists()

    form = client.get(ADD).context["adminform"].form
    assert list(form.fields["province"].queryset) == [ours.province]


def test_a_province_admin_adds_a_day_and_is_recorded_as_its_author(login, province_admin, province):
    client = login(province_admin)

    response = client.post(ADD, new_day(province=str(province.pk)))

    assert response.status_code == 302
    entry = CalendarDay.objects.get()
    assert (entry.province, entry.date, entry.created_by) == (
        province,
        dt.date(2026, 3, 10),
        province_admin,
    )
    assert (entry.reason_vi, entry.reason_en) == ("Nghỉ lễ hội của tỉnh", "Province festival")


def test_a_province_admin_cannot_add_to_another_province(login, province_admin, foreign_province):
    client = login(province_admin)

    response = client.post(ADD, new_day(province=str(foreign_province.pk)))

    assert response.status_code == 200
    assert "province" in response.context["adminform"].form.errors
    assert not CalendarDay.objects.exists()


def test_bad_days_are_refused_with_a_message(login, province_admin, province, days):
    client = login(province_admin)

    already_working = client.post(
        ADD, new_day(province=str(province.pk), date="2026-03-10", kind="working_day")
    )
    twice = client.post(ADD, new_day(province=str(province.pk), date="2026-03-03"))
    no_reason = client.post(ADD, new_day(province=str(province.pk), reason_vi=""))

    assert "kind" in already_working.context["adminform"].form.errors
    assert "__all__" in twice.context["adminform"].form.errors  # one entry per province and day
    assert "reason_vi" in no_reason.context["adminform"].form.errors
    assert CalendarDay.objects.count() == 2


def test_a_province_admin_changes_and_deletes_their_days(login, province_admin, province, days):
    ours, _ = days
    client = login(province_admin)

    response = client.post(
        change_url(ours),
        new_day(province=str(province.pk), date="2026-03-03", reason_vi="Lễ hội mới"),
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.reason_vi == "Lễ hội mới"

    assert client.post(delete_url(ours), {"post": "yes"}).status_code == 302
    assert not CalendarDay.objects.filter(pk=ours.pk).exists()


@pytest.mark.parametrize("role", ["commune_admin", "desk_officer", "specialist", "leader"])
def test_other_staff_have_no_access(login, request, role, days):
    client = login(request.getfixturevalue(role))
    ours, _ = days

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.get(change_url(ours)).status_code in (403, 404)
    index = client.get(reverse("admin:index"))
    assert b"calendarday" not in index.content


def test_a_superuser_keeps_every_province(login, days, foreign_province, province):
    admin = UserFactory(username="root", role="", unit=None, is_superuser=True)
    client = login(admin)

    assert set(client.get(CHANGELIST).context["cl"].result_list) == set(days)
    form = client.get(ADD).context["adminform"].form
    assert set(form.fields["province"].queryset) == {province, foreign_province}
