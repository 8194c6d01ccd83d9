"""The catalogue admin: who may edit what, the change form with inlines, history,
workflow buttons, preview, import/export and posters."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import CheckboxInput, FileInput
from django.urls import reverse

from portal.models import Role
from procedures.models import (
    LocalForm,
    Procedure,
    ProcedureDocument,
    ProcedureStep,
    Status,
    UnitProcedure,
)
from tests.factories import ProcedureFactory, UserFactory


@pytest.fixture
def login(client):
    """Log a staff user in to the admin (staff accounts have is_staff set)."""

    def _login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return _login


def change_url(procedure):
    return reverse("admin:procedures_procedure_change", args=[procedure.pk])


def form_data(response) -> dict:
    """The POST data a browser would send back for an admin change form, as rendered."""
    data = {}

    def add(form):
        for bound in form:
            widget = bound.field.widget
            if bound.field.disabled or isinstance(widget, FileInput):
                continue
            value = bound.value()
            if isinstance(widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


# --- Who sees and edits the catalogue -------------------------------------------------------


def test_province_admin_edits_procedures(login, province_admin, procedure):
    client = login(province_admin)
    assert client.get(reverse("admin:procedures_procedure_changelist")).status_code == 200
    assert client.get(reverse("admin:procedures_procedure_add")).status_code == 200
    response = client.get(change_url(procedure))
    assert response.status_code == 200
    assert response.context["has_change_permission"]


def test_commune_admin_reads_the_catalogue_but_cannot_change_it(login, commune_admin, procedure):
    client = login(commune_admin)
    response = client.get(change_url(procedure))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.get(reverse("admin:procedures_procedure_add")).status_code == 403

    response = client.post(change_url(procedure), {"name_vi": "Đổi tên"})
    assert response.status_code == 403
    procedure.refresh_from_db()
    assert procedure.name_vi == "Đăng ký kết hôn"

    publish = reverse("admin:procedures_procedure_archive", args=[procedure.pk])
    assert client.post(publish, {}).status_code == 403
    assert client.get(reverse("admin:procedures_procedure_import")).status_code == 403


@pytest.mark.parametrize("role", ["", None])
def test_users_without_a_role_see_nothing(login, client, procedure, role):
    user = UserFactory(username="nobody", role="", unit=None)
    if role is None:  # not staff at all: the admin sends them to the login page
        client.force_login(user)
        response = client.get(reverse("admin:procedures_procedure_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
        return
    client = login(user)
    assert client.get(reverse("admin:procedures_procedure_changelist")).status_code == 403
    assert client.get(change_url(procedure)).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []


def test_admin_speaks_vietnamese(login, province_admin):
    response = login(province_admin).get(reverse("admin:index"))
    assert "Quản trị Một cửa" in response.content.decode()


def test_search_forgives_missing_diacritics(login, province_admin, procedure):
    ProcedureFactory(code="1.001193", name_vi="Đăng ký khai sinh")
    client = login(province_admin)
    url = reverse("admin:procedures_procedure_changelist")
    for term in ("ket hon", "kết hôn", "1.000894"):
        results = list(client.get(url, {"q": term}).context["cl"].result_list)
        assert [p.code for p in results] == ["1.000894"], term


# --- The change form ------------------------------------------------------------------------


def test_change_form_with_inlines_updates_search_text_revision_and_history(
    login, province_admin, procedure
):
    client = login(province_admin)
    response = client.get(change_url(procedure))
    data = form_data(response)
    revision = Procedure.objects.get(pk=procedure.pk).revision
    data.update(
        {
            "name_vi": "Đăng ký kết hôn (sửa)",
            "change_reason": "Cập nhật theo luật mới",
            "documents-TOTAL_FORMS": "3",
            "documents-2-position": "3",
            "documents-2-name_vi": "Sổ hộ khẩu",
            "documents-2-originals": "1",
            "documents-2-copies": "0",
            "documents-2-required": "on",
            "steps-TOTAL_FORMS": "1",
            "steps-0-position": "1",
            "steps-0-text_vi": "Nộp hồ sơ tại Bộ phận một cửa",
            "_continue": "1",
        }
    )

    response = client.post(change_url(procedure), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    procedure.refresh_from_db()
    assert procedure.name_vi == "Đăng ký kết hôn (sửa)"
    assert procedure.revision == revision + 1
    assert "so ho khau" in procedure.search_text
    assert procedure.documents.count() == 3
    assert procedure.steps.get().text_vi == "Nộp hồ sơ tại Bộ phận một cửa"
    latest = procedure.history.first()
    assert latest.history_user == province_admin
    assert latest.history_change_reason == "Cập nhật theo luật mới"
    assert latest.name_vi == "Đăng ký kết hôn (sửa)"
    assert ProcedureStep.history.get(procedure_id=procedure.pk).history_user == province_admin
    new_doc = ProcedureDocument.objects.get(procedure=procedure, name_vi="Sổ hộ khẩu")
    assert new_doc.history.first().history_user == province_admin


def test_history_page_shows_who_changed_what(login, province_admin, procedure):
    client = login(province_admin)
    data = form_data(client.get(change_url(procedure)))
    data.update({"name_vi": "Đăng ký kết hôn mới", "change_reason": "Sửa tên"})
    assert client.post(change_url(procedure), data).status_code == 302

    response = client.get(reverse("admin:procedures_procedure_history", args=[procedure.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "province_admin" in page
    assert "Sửa tên" in page
    assert "Đăng ký kết hôn mới" in page
    assert "Tờ khai đăng ký kết hôn" in page  # the documents' own history is listed too
    assert "Lịch sử thay đổi" in page

    version = procedure.history.first()
    old = reverse("admin:procedures_procedure_simple_history", args=[procedure.pk, version.pk])
    assert client.get(old).status_code == 200
    assert client.post(old, {}).status_code == 403  # no revert: history is for reading


def test_invalid_inline_saves_nothing(login, province_admin, procedure):
    client = login(province_admin)
    data = form_data(client.get(change_url(procedure)))
    data.update(
        {
            "name_vi": "Không được lưu",
            "fees-TOTAL_FORMS": "1",
            "fees-0-position": "1",
            "fees-0-name_vi": "Lệ phí",
            "fees-0-amount_vnd": "-5",
        }
    )
    revision = Procedure.objects.get(pk=procedure.pk).revision
    history = procedure.history.count()

    response = client.post(change_url(procedure), data)

    assert response.status_code == 200
    assert response.context["errors"]
    procedure.refresh_from_db()
    assert procedure.name_vi == "Đăng ký kết hôn"
    assert procedure.revision == revision
    assert procedure.history.count() == history
    assert not procedure.fees.exists()


def test_status_and_code_are_not_editable_in_the_form(login, province_admin):
    procedure = ProcedureFactory(code="1.000001", status=Status.DRAFT)
    client = login(province_admin)
    data = form_data(client.get(change_url(procedure)))
    data.update({"status": Status.PUBLISHED, "code": "9.999999"})
    assert client.post(change_url(procedure), data).status_code == 302
    procedure.refresh_from_db()
    assert (procedure.code, procedure.status) == ("1.000001", Status.DRAFT)


def test_add_procedure_starts_as_draft(login, province_admin, procedure):
    client = login(province_admin)
    data = form_data(client.get(reverse("admin:procedures_procedure_add")))
    data.update(
        {
            "code": "2.000001",
            "name_vi": "Chứng thực bản sao",
            "field": str(procedure.field_id),
            "level": "commune",
            "online_level": "none",
            "processing_days": "1",
            "channels": ["counter"],
        }
    )
    response = client.post(reverse("admin:procedures_procedure_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    created = Procedure.objects.get(code="2.000001")
    assert created.status == Status.DRAFT
    assert created.channels == ["counter"]
    assert "chung thuc ban sao" in created.search_text
    assert created.history.get().history_user == province_admin


# --- Workflow buttons -----------------------------------------------------------------------


def test_publish_button(login, province_admin):
    procedure = ProcedureFactory(status=Status.DRAFT)
    client = login(province_admin)
    assert "Công bố" in client.get(change_url(procedure)).content.decode()

    response = client.post(reverse("admin:procedures_procedure_publish", args=[procedure.pk]))

    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.status == Status.PUBLISHED


def test_illegal_transition_is_a_message_not_an_error_page(login, province_admin, procedure):
    client = login(province_admin)
    url = reverse("admin:procedures_procedure_publish", args=[procedure.pk])  # already published
    response = client.post(url, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("Không thể" in m for m in messages), messages
    assert client.get(url).status_code == 405


def test_archive_page_names_a_successor(login, province_admin, procedure):
    successor = ProcedureFactory(code="1.999999", name_vi="Đăng ký kết hôn (mới)")
    draft = ProcedureFactory(code="1.888888", status=Status.DRAFT)
    client = login(province_admin)
    url = reverse("admin:procedures_procedure_archive", args=[procedure.pk])

    page = client.get(url)
    choices = list(page.context["form"].fields["successor"].queryset)
    assert successor in choices and procedure not in choices and draft not in choices

    # A draft successor is refused by the form, and nothing changes.
    response = client.post(url, {"successor": draft.pk})
    assert response.status_code == 200
    procedure.refresh_from_db()
    assert procedure.status == Status.PUBLISHED

    response = client.post(url, {"successor": successor.pk})
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.status == Status.ARCHIVED
    assert procedure.replaced_by == successor


# --- Preview --------------------------------------------------------------------------------


def test_preview_shows_a_draft_to_staff(login, province_admin, commune_admin):
    draft = ProcedureFactory(code="1.777777", name_vi="Thủ tục đang soạn", status=Status.DRAFT)
    url = reverse("admin:procedures_procedure_preview", args=[draft.pk])
    for user in (province_admin, commune_admin):
        response = login(user).get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Thủ tục đang soạn" in page
        assert "Bản xem trước" in page
        assert "no-store" in response["Cache-Control"]


def test_preview_is_not_for_the_public(client, procedure, desk_officer):
    draft = ProcedureFactory(code="1.777777", status=Status.DRAFT)
    url = reverse("admin:procedures_procedure_preview", args=[draft.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    client.force_login(desk_officer)  # has a role but no staff account
    assert client.get(url).status_code == 302
    # And the public page of a draft does not exist.
    assert client.get(reverse("procedures:detail", args=[draft.code])).status_code == 404


# --- Import and export ----------------------------------------------------------------------


def catalogue_file(procedures, fields=None) -> SimpleUploadedFile:
    data = {
        "format": "tthc-catalogue/1",
        "exported_at": "2026-11-01T08:00:00+07:00",
        "fields": fields or [{"code": "HT", "name": {"vi": "Hộ tịch", "en": "Civil status"}}],
        "procedures": procedures,
    }
    body = json.dumps(data, ensure_ascii=False).encode()
    return SimpleUploadedFile("catalogue.json", body, content_type="application/json")


def record(code, name, **extra):
    return {
        "code": code,
        "name": {"vi": name},
        "field": "HT",
        "level": "commune",
        "processing_time": {"working_days": 3},
        "status": "published",
        **extra,
    }


def test_import_page_creates_and_updates(login, province_admin, procedure):
    client = login(province_admin)
    url = reverse("admin:procedures_procedure_import")
    assert client.get(url).status_code == 200
    upload = catalogue_file(
        [record("1.000894", "Đăng ký kết hôn (cập nhật)"), record("1.001193", "Đăng ký khai sinh")]
    )

    response = client.post(url, {"file": upload}, follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("1 thủ tục mới, 1 thủ tục cập nhật" in m for m in messages), messages
    procedure.refresh_from_db()
    assert procedure.name_vi == "Đăng ký kết hôn (cập nhật)"
    assert Procedure.objects.get(code="1.001193").name_vi == "Đăng ký khai sinh"


def test_import_with_errors_lists_every_problem_and_changes_nothing(
    login, province_admin, procedure
):
    client = login(province_admin)
    before = sorted(Procedure.objects.values_list("code", "name_vi", "revision"))
    upload = catalogue_file(
        [
            record("1.000894", "Đăng ký kết hôn (không được lưu)"),
            record("1.001193", "Đăng ký khai sinh", level="district"),
            record("1.000656", "Đăng ký khai tử", field="XX"),
        ]
    )

    response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload})

    assert response.status_code == 200
    problems = response.context["problems"]
    assert any(p.startswith("1.001193 level") for p in problems), problems
    assert any(p.startswith("1.000656 field") for p in problems), problems
    page = response.content.decode()
    for problem in problems:
        assert problem.split(":")[0] in page
    assert sorted(Procedure.objects.values_list("code", "name_vi", "revision")) == before


def test_import_of_a_file_that_is_not_json(login, province_admin, procedure):
    client = login(province_admin)
    upload = SimpleUploadedFile("catalogue.json", b"{not json", content_type="application/json")
    response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["problems"]
    assert Procedure.objects.count() == 1


def test_export_download(login, province_admin, procedure, commune_admin):
    response = login(province_admin).get(reverse("admin:procedures_procedure_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [p["code"] for p in data["procedures"]] == ["1.000894"]


# --- A unit's offering (UnitProcedure) ------------------------------------------------------


@pytest.fixture
def offerings(procedure, commune, other_commune):
    own = UnitProcedure.objects.create(unit=commune, procedure=procedure, counter_vi="Quầy 1")
    other = UnitProcedure.objects.create(
        unit=other_commune, procedure=procedure, counter_vi="Quầy B"
    )
    return own, other


def offering_url(offering, view="change"):
    return reverse(f"admin:procedures_unitprocedure_{view}", args=[offering.pk])


def test_commune_admin_sees_only_their_units_offerings(login, commune_admin, offerings):
    own, other = offerings
    client = login(commune_admin)
    listed = client.get(reverse("admin:procedures_unitprocedure_changelist")).context["cl"]
    assert list(listed.result_list) == [own]
    assert client.get(offering_url(own)).status_code == 200
    assert client.get(offering_url(other)).status_code == 404
    assert client.get(offering_url(other, "history")).status_code == 404
    assert client.get(offering_url(other, "delete")).status_code == 404
    version = other.history.first()
    url = reverse("admin:procedures_unitprocedure_simple_history", args=[other.pk, version.pk])
    assert client.get(url).status_code == 404


def test_commune_admin_cannot_change_another_units_offering(login, commune_admin, offerings):
    own, other = offerings
    client = login(commune_admin)
    data = form_data(client.get(offering_url(own)))
    data["counter_vi"] = "Quầy của người khác"

    assert client.post(offering_url(other), data).status_code == 404
    assert client.post(offering_url(other, "delete"), {"post": "yes"}).status_code == 404

    other.refresh_from_db()
    assert other.counter_vi == "Quầy B"


def test_commune_admin_cannot_add_an_offering_for_another_unit(
    login, commune_admin, commune, other_commune
):
    procedure = ProcedureFactory(code="1.000123")
    client = login(commune_admin)
    add = reverse("admin:procedures_unitprocedure_add")
    page = client.get(add)
    assert list(page.context["adminform"].form.fields["unit"].queryset) == [commune]
    data = form_data(page)
    data.update(
        {"unit": str(other_commune.pk), "procedure": str(procedure.pk), "counter_vi": "Quầy X"}
    )

    response = client.post(add, data)

    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not UnitProcedure.objects.exists()

    data["unit"] = str(commune.pk)
    assert client.post(add, data).status_code == 302
    assert UnitProcedure.objects.get().unit == commune


def test_commune_admin_edits_own_offering_with_local_forms(
    login, commune_admin, offerings, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    own, _ = offerings
    client = login(commune_admin)
    data = form_data(client.get(offering_url(own)))
    data.update(
        {
            "counter_vi": "Quầy 2",
            "forms-TOTAL_FORMS": "1",
            "forms-0-position": "1",
            "forms-0-title_vi": "Mẫu tờ khai",
            "forms-0-file": SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4 test"),
        }
    )
    revision = Procedure.objects.get(pk=own.procedure_id).revision

    response = client.post(offering_url(own), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    own.refresh_from_db()
    assert own.counter_vi == "Quầy 2"
    assert own.history.first().history_user == commune_admin
    assert LocalForm.objects.get(offering=own).title_vi == "Mẫu tờ khai"
    assert Procedure.objects.get(pk=own.procedure_id).revision == revision + 1


def test_local_form_must_be_a_document(login, commune_admin, offerings, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own, _ = offerings
    client = login(commune_admin)
    data = form_data(client.get(offering_url(own)))
    data.update(
        {
            "forms-TOTAL_FORMS": "1",
            "forms-0-position": "1",
            "forms-0-title_vi": "Tệp lạ",
            "forms-0-file": SimpleUploadedFile("virus.exe", b"MZ"),
        }
    )
    assert client.post(offering_url(own), data).status_code == 200
    assert not LocalForm.objects.exists()


def test_province_admin_sees_every_offering_of_the_province(login, province_admin, offerings):
    listed = login(province_admin).get(reverse("admin:procedures_unitprocedure_changelist"))
    assert set(listed.context["cl"].result_list) == set(offerings)


def test_desk_officer_reads_but_cannot_change_offerings(login, desk_officer, offerings):
    own, other = offerings
    client = login(desk_officer)
    response = client.get(offering_url(own))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    data = form_data(response) if response.context.get("inline_admin_formsets") else {}
    assert client.post(offering_url(own), {**data, "counter_vi": "X"}).status_code == 403
    assert client.get(offering_url(other)).status_code == 404


# --- Posters --------------------------------------------------------------------------------


def test_poster_from_the_procedure_page(login, commune_admin, procedure, commune):
    client = login(commune_admin)
    url = reverse("admin:procedures_procedure_poster", args=[procedure.pk])
    response = client.get(url, {"unit": commune.code})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_booklet_action_for_a_communes_offerings(login, commune_admin, offerings):
    own, _ = offerings
    response = login(commune_admin).post(
        reverse("admin:procedures_unitprocedure_changelist"),
        {"action": "print_booklet", "_selected_action": [own.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_staff_without_staff_flag_is_not_let_in(client, province_admin):
    """Roles work without permission rows, but the account must be a staff account."""
    assert province_admin.role == Role.PROVINCE_ADMIN
    client.force_login(province_admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_offering_form_offers_published_procedures_only(login, commune_admin, procedure):
    ProcedureFactory(code="1.000895", name_vi="Đăng ký kết hôn lưu động", status=Status.DRAFT)
    ProcedureFactory(code="1.000896", name_vi="Đăng ký kết hôn cũ", status=Status.ARCHIVED)
    response = login(commune_admin).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "procedures",
            "model_name": "unitprocedure",
            "field_name": "procedure",
            "term": "ket hon",
        },
    )
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(procedure.pk)]


def test_renaming_a_field_refreshes_its_procedures_search_text(login, province_admin, procedure):
    client = login(province_admin)
    url = reverse("admin:procedures_field_change", args=[procedure.field_id])
    data = form_data(client.get(url))
    data["name_vi"] = "Hộ tịch và quốc tịch"
    assert client.post(url, data).status_code == 302
    procedure.refresh_from_db()
    assert "quoc tich" in procedure.search_text


def test_only_drafts_can_be_deleted(login, province_admin, procedure):
    draft = ProcedureFactory(code="1.000002", status=Status.DRAFT)
    client = login(province_admin)
    delete = "admin:procedures_procedure_delete"
    assert client.post(reverse(delete, args=[procedure.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse(delete, args=[draft.pk]), {"post": "yes"}).status_code == 302
    assert list(Procedure.objects.values_list("code", flat=True)) == ["1.000894"]
