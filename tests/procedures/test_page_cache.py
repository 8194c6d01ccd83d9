"""The procedure page's one-second memory layer in each process, in front of the shared
cache (docs/adr/0003, docs/benchmarks.md section 1): a page served again within the second
costs no round trip to the shared cache; an edit shows at once in the process that saved
it, and within the second in the others."""

import pytest
import time_machine
from django.core.cache import cache

from procedures import services, views


class NoSharedCache:
    """Stands for the shared cache (Redis) and fails the test if it is asked anything."""

    def __getattr__(self, name):
        raise AssertionError(f"the shared cache was asked: {name}")


def test_a_page_seen_this_second_costs_no_round_trip(
    client, procedure, monkeypatch, django_assert_num_queries
):
    with time_machine.travel("2026-12-07 09:00 +07:00", tick=False):
        first = client.get("/p/1.000894")
        monkeypatch.setattr(views, "cache", NoSharedCache())

        with django_assert_num_queries(0):
            again = client.get("/p/1.000894")

    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_each_language_and_unit_keeps_its_own_copy(client, procedure):
    with time_machine.travel("2026-12-07 09:00 +07:00", tick=False):
        vi = client.get("/p/1.000894")
        client.get("/lang/en/")
        en = client.get("/p/1.000894")
        client.get("/lang/vi/")
        vi_again = client.get("/p/1.000894")

    assert "Đăng ký kết hôn" in vi.content.decode()
    assert "Marriage registration" in en.content.decode()
    assert vi_again.content == vi.content


def test_an_edit_made_in_another_process_shows_within_a_second(client, procedure):
    with time_machine.travel("2026-12-07 09:00 +07:00", tick=False) as clock:
        before = client.get("/p/1.000894")
        # Another process saves an edit: the shared revision moves, this process's
        # generation does not (it would, had the edit been saved here).
        procedure.name_vi = "Đăng ký kết hôn (sửa ở máy khác)"
        procedure.save()
        cache.incr(services.REVISION_KEY.format(code=procedure.code))

        within = client.get("/p/1.000894")
        clock.shift(views.LOCAL_SECONDS + 0.1)
        after = client.get("/p/1.000894")

    assert within.content == before.content
    assert "(sửa ở máy khác)" in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_an_edit_made_here_shows_at_once(client, procedure, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-12-07 09:00 +07:00", tick=False):
        before = client.get("/p/1.000894")
        with django_capture_on_commit_callbacks(execute=True):
            procedure.name_vi = "Đăng ký kết hôn (sửa tại đây)"
            procedure.save()
            services.procedure_changed(procedure)

        after = client.get("/p/1.000894")

    assert "(sửa tại đây)" in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_unknown_units_and_codes_are_not_kept(client, procedure, monkeypatch):
    """Made-up unit codes and procedure codes cannot fill a process's memory."""
    with time_machine.travel("2026-12-07 09:00 +07:00", tick=False):
        assert client.get("/p/1.000894", {"unit": "999.99.99.X99"}).status_code == 200
        assert client.get("/p/9.999999").status_code == 404
        monkeypatch.setattr(views, "cache", NoSharedCache())

        for url in ("/p/1.000894?unit=999.99.99.X99", "/p/9.999999"):
            with pytest.raises(AssertionError, match="the shared cache was asked"):
                client.get(url)
