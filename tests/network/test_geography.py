import pytest

from network.models import Municipality, Region

pytestmark = pytest.mark.django_db

IMERETI_UNITS = {
    "Kutaisi": "ქუთაისი",
    "Baghdati": "ბაღდათი",
    "Vani": "ვანი",
    "Zestaponi": "ზესტაფონი",
    "Terjola": "თერჯოლა",
    "Samtredia": "სამტრედია",
    "Sachkhere": "საჩხერე",
    "Tkibuli": "ტყიბული",
    "Tskaltubo": "წყალტუბო",
    "Chiatura": "ჭიათურა",
    "Kharagauli": "ხარაგაული",
    "Khoni": "ხონი",
}


def test_imereti_has_exactly_its_twelve_units_in_both_scripts():
    units = Municipality.objects.filter(region__code="GE-IM")
    assert {m.name_en: m.name_ka for m in units} == IMERETI_UNITS


def test_kutaisi_is_a_self_governing_city_and_the_rest_municipalities():
    kinds = dict(Municipality.objects.filter(region__code="GE-IM").values_list("name_en", "kind"))
    assert kinds.pop("Kutaisi") == Municipality.Kind.CITY
    assert set(kinds.values()) == {Municipality.Kind.MUNICIPALITY}


def test_all_twelve_regions_with_iso_codes_and_names():
    regions = {r.code: (r.name_en, r.name_ka) for r in Region.objects.all()}
    assert len(regions) == 12
    assert regions["GE-IM"] == ("Imereti", "იმერეთი")
    assert regions["GE-RL"] == ("Racha-Lechkhumi and Kvemo Svaneti", "რაჭა-ლეჩხუმი და ქვემო სვანეთი")
    assert regions["GE-KA"][1] == "კახეთი"


def test_sixty_four_municipalities_outside_occupied_territory():
    assert Municipality.objects.count() == 64
    assert not Municipality.objects.filter(region__code="GE-AB").exists()
    assert all(m.name_ka and m.name_en for m in Municipality.objects.all())


def test_name_follows_the_active_language():
    from django.utils import translation

    tkibuli = Municipality.objects.get(name_en="Tkibuli")
    with translation.override("ka"):
        assert str(tkibuli) == "ტყიბული"
    with translation.override("en"):
        assert str(tkibuli) == "Tkibuli"


def test_loading_the_geography_again_changes_nothing():
    from network.geography import load_geography

    before = list(Municipality.objects.order_by("pk").values_list("pk", "name_en", "name_ka"))
    load_geography(Region, Municipality)
    assert list(Municipality.objects.order_by("pk").values_list("pk", "name_en", "name_ka")) == before
