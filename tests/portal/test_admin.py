"""The admin of units and staff accounts, scoped through portal.access."""

import pytest
from django.urls import reverse

from portal.models import Role, Unit, User
from tests.factories import UnitFactory, UserFactory
from tests.procedures.test_admin import form_data


@pytest.fixture
def login(client):
    def _login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def foreign_unit(db):
    """A commune of another province."""
    other_province = UnitFactory(code="000.00.00.H99", name_vi="Tỉnh khác", kind="province")
    return UnitFactory(code="000.00.01.H99", name_vi="Xã khác", parent=other_province)


def unit_url(unit, view="change"):
    return reverse(f"admin:portal_unit_{view}", args=[unit.pk])


def user_url(user, view="change"):
    return reverse(f"admin:portal_user_{view}", args=[user.pk])


# --- Units ----------------------------------------------------------------------------------


def test_province_admin_sees_the_units_of_the_province(
    login, province_admin, province, commune, other_commune, foreign_unit
):
    client = login(province_admin)
    listed = client.get(reverse("admin:portal_unit_changelist")).context["cl"].result_list
    assert set(listed) == {province, commune, other_commune}
    assert client.get(unit_url(foreign_unit)).status_code == 404


def test_province_admin_edits_a_commune_but_only_inside_the_province(
    login, province_admin, province, other_commune, foreign_unit
):
    client = login(province_admin)
    page = client.get(unit_url(other_commune))
    form = page.context["adminform"].form
    assert list(form.fields["parent"].queryset) == [province]
    data = form_data(page)
    data.update({"name_vi": "Phường Bảo Lộc 2", "parent": str(foreign_unit.parent_id)})

    response = client.post(unit_url(other_commune), data)

    assert response.status_code == 200  # the other province is not a valid choice
    other_commune.refresh_from_db()
    assert other_commune.parent == province
    data["parent"] = str(province.pk)
    assert client.post(unit_url(other_commune), data).status_code == 302
    other_commune.refresh_from_db()
    assert other_commune.name_vi == "Phường Bảo Lộc 2"


def test_commune_admin_edits_only_contact_details_of_their_unit(
    login, commune_admin, commune, other_commune, province
):
    client = login(commune_admin)
    listed = client.get(reverse("admin:portal_unit_changelist")).context["cl"].result_list
    assert list(listed) == [commune]
    assert client.get(unit_url(other_commune)).status_code == 404
    assert client.get(unit_url(province)).status_code == 404
    assert client.get(reverse("admin:portal_unit_add")).status_code == 403

    page = client.get(unit_url(commune))
    form = page.context["adminform"].form
    for field in ("code", "kind", "parent", "name_vi", "is_active"):
        assert field not in form.fields
    data = form_data(page)
    data.update(
        {
            "phone": "0263 111 222",
            "opening_hours_vi": "Thứ Hai – Thứ Sáu 7:30–17:00; sáng thứ Bảy",
            "saturday_service": "on",
            # Fields it may not change are ignored, whatever is posted:
            "code": "HACKED",
            "kind": "province",
            "parent": "",
            "name_vi": "Xã bị đổi tên",
        }
    )

    assert client.post(unit_url(commune), data).status_code == 302

    commune.refresh_from_db()
    assert commune.phone == "0263 111 222"
    assert commune.saturday_service
    assert (commune.code, commune.kind, commune.parent, commune.name_vi) == (
        "000.00.23.H56",
        "commune",
        province,
        "Xã Đạ Huoai",
    )
    assert client.post(unit_url(other_commune), data).status_code == 404
    other_commune.refresh_from_db()
    assert other_commune.phone == ""


def test_desk_officer_reads_own_unit_only(login, desk_officer, commune, other_commune):
    client = login(desk_officer)
    response = client.get(unit_url(commune))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.get(unit_url(other_commune)).status_code == 404


def test_units_are_deactivated_not_deleted(login, province_admin, commune):
    client = login(province_admin)
    assert client.get(unit_url(commune, "delete")).status_code == 403
    assert Unit.objects.filter(pk=commune.pk).exists()


# --- Staff accounts -------------------------------------------------------------------------


def test_province_admin_manages_the_staff_of_the_province(
    login, province_admin, desk_officer, foreign_unit
):
    stranger = UserFactory(username="stranger", unit=foreign_unit, role=Role.DESK_OFFICER)
    root = UserFactory(username="root", unit=province_admin.unit, is_superuser=True)
    client = login(province_admin)
    listed = set(client.get(reverse("admin:portal_user_changelist")).context["cl"].result_list)
    assert desk_officer in listed and province_admin in listed
    assert stranger not in listed and root not in listed
    assert client.get(user_url(stranger)).status_code == 404
    assert client.get(user_url(root)).status_code == 404


def test_province_admin_adds_staff_only_in_the_province(
    login, province_admin, commune, foreign_unit
):
    client = login(province_admin)
    add = reverse("admin:portal_user_add")
    page = client.get(add)
    assert foreign_unit not in page.context["adminform"].form.fields["unit"].queryset
    data = {
        "username": "new_officer",
        "usable_password": "true",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
        "unit": str(foreign_unit.pk),
        "role": Role.DESK_OFFICER,
        "is_staff": "on",
    }

    assert client.post(add, data).status_code == 200
    assert not User.objects.filter(username="new_officer").exists()

    data["unit"] = str(commune.pk)
    assert client.post(add, data).status_code == 302
    created = User.objects.get(username="new_officer")
    assert (created.unit, created.role, created.is_staff) == (commune, Role.DESK_OFFICER, True)


def test_province_admin_cannot_grant_superuser_rights(login, province_admin, desk_officer):
    client = login(province_admin)
    page = client.get(user_url(desk_officer))
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    data = form_data(page)
    data.update({"is_superuser": "on", "role": Role.SPECIALIST})

    assert client.post(user_url(desk_officer), data).status_code == 302

    desk_officer.refresh_from_db()
    assert desk_officer.role == Role.SPECIALIST
    assert not desk_officer.is_superuser


def test_commune_admin_cannot_manage_users(login, commune_admin, desk_officer):
    client = login(commune_admin)
    assert client.get(reverse("admin:portal_user_changelist")).status_code == 403
    # Nobody is in a commune admin's scope: any account is "not found".
    assert client.get(user_url(desk_officer)).status_code == 404
    response = client.post(user_url(desk_officer), {"username": "x", "role": Role.LEADER})
    assert response.status_code == 404
    desk_officer.refresh_from_db()
    assert desk_officer.role == Role.DESK_OFFICER
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert "User" not in models and "Unit" in models


def test_unit_details_change_drops_cached_pages_of_its_procedures(
    login, commune_admin, commune, procedure, django_capture_on_commit_callbacks
):
    from procedures import services
    from procedures.models import UnitProcedure

    UnitProcedure.objects.create(unit=commune, procedure=procedure)
    client = login(commune_admin)
    data = form_data(client.get(unit_url(commune)))
    data["phone"] = "0263 999 999"
    before = services.cache_revision(procedure.code)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(unit_url(commune), data).status_code == 302

    assert services.cache_revision(procedure.code) != before


def test_admin_is_vietnamese_even_for_an_english_browser(login, province_admin, settings):
    client = login(province_admin)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.context["LANGUAGE_CODE"] == "vi"
    assert "Quản trị Một cửa" in page.content.decode()

    # The language link (cookie) switches the admin to English on purpose.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.context["LANGUAGE_CODE"] == "en"
    assert "Log out" in page.content.decode()
