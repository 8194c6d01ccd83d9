from portal import access


def test_province_admin_sees_every_unit_of_the_province(province_admin, commune, other_commune):
    assert set(access.visible_units(province_admin)) == {
        province_admin.unit,
        commune,
        other_commune,
    }
    assert access.can_edit_catalogue(province_admin)
    assert access.can_edit_unit(province_admin, other_commune)


def test_commune_admin_edits_only_own_commune(commune_admin, commune, other_commune):
    assert list(access.editable_units(commune_admin)) == [commune]
    assert not access.can_edit_unit(commune_admin, other_commune)
    assert not access.can_edit_catalogue(commune_admin)


def test_desk_officer_edits_nothing(desk_officer, commune):
    assert list(access.visible_units(desk_officer)) == [commune]
    assert not access.can_edit_unit(desk_officer, commune)


def test_anonymous_sees_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    assert not access.visible_units(AnonymousUser()).exists()
