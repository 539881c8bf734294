import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.models import Contact, Organisation
from crm.search import search_key
from tests.crm.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["kutaisi", "Kutaisi", "KUTAISI", "ქუთაისი", "ᲥᲣᲗᲐᲘᲡᲘ"])
def test_every_spelling_of_kutaisi_gives_one_key(typed):
    assert search_key(typed) == "kutaisi"


def test_apostrophes_of_ejectives_are_dropped():
    assert search_key("ტყიბული") == search_key("T'q'ibuli") == search_key("tqibuli") == "tqibuli"


@given(st.text(max_size=60))
def test_a_key_is_plain_ascii_and_stable(text):
    key = search_key(text)
    assert key.isascii()
    assert key == key.casefold() == search_key(key)
    assert "'" not in key


def test_organisation_found_from_either_script():
    kutaisi = OrganisationFactory(name="ქუთაისის ახალგაზრდული ცენტრი", name_latin="")
    OrganisationFactory(name="ზესტაფონის ქალთა ასოციაცია", name_latin="")
    for query in ["kutaisis", "Kutaisis akhalgazrduli", "ქუთაისის", "ახალგაზრდ"]:
        assert list(Organisation.objects.search(query)) == [kutaisi], query


def test_latin_name_is_searchable_too():
    tkibuli = OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="Tkibuli Community Fund")
    assert list(Organisation.objects.search("tkibuli")) == [tkibuli]
    assert list(Organisation.objects.search("tqibulis")) == [tkibuli]


def test_key_follows_a_rename_on_save():
    organisation = OrganisationFactory(name="ვანის ცენტრი", name_latin="")
    organisation.name = "ხონის ცენტრი"
    organisation.save(update_fields=["name"])
    organisation.refresh_from_db()
    assert organisation.search_key == "khonis tsentri"


def test_bulk_create_fills_keys():
    Organisation.objects.bulk_create([Organisation(name="საჩხერის კლუბი"), Organisation(name="ვანის ქსელი")])
    assert set(Organisation.objects.values_list("search_key", flat=True)) == {"sachkheris klubi", "vanis kseli"}


def test_bulk_update_of_names_refreshes_keys():
    organisation = OrganisationFactory(name="ვანის ქსელი", name_latin="")
    organisation.name = "ბაღდათის ქსელი"
    Organisation.objects.bulk_update([organisation], ["name"])
    organisation.refresh_from_db()
    assert organisation.search_key == "baghdatis kseli"


def test_bulk_update_writes_the_keys_once(django_assert_num_queries):
    organisations = [OrganisationFactory(name=f"ვანის ქსელი {n}", name_latin="") for n in range(3)]
    for organisation in organisations:
        organisation.name = organisation.name.replace("ვანის", "ხონის")
    # One UPDATE, inside the atomic block bulk_update opens; the override used to read the rows
    # back and write their keys again (3 more queries per batch).
    with django_assert_num_queries(1, exact=False) as captured:
        Organisation.objects.bulk_update(organisations, ["name"])
    assert [q["sql"].split()[0] for q in captured.captured_queries if "UPDATE" in q["sql"]] == ["UPDATE"]
    assert not [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert sorted(Organisation.objects.values_list("search_key", flat=True)) == [
        f"khonis kseli {n}" for n in range(3)
    ]


def test_queryset_update_of_names_refreshes_keys():
    organisation = OrganisationFactory(name="ვანის ქსელი", name_latin="")
    untouched = OrganisationFactory(name="ხონის კლუბი", name_latin="")
    Organisation.objects.filter(pk=organisation.pk).update(name="თერჯოლის ქსელი")
    assert Organisation.objects.get(pk=organisation.pk).search_key == "terjolis kseli"
    assert Organisation.objects.get(pk=untouched.pk).search_key == "khonis klubi"


def test_people_are_found_across_scripts():
    person = ContactFactory(first_name="ქეთევან", last_name="ჭელიძე", name_latin="")
    assert list(Contact.objects.search("ketevan chelidze")) == [person]
    assert list(Contact.objects.search("ჭელიძე")) == [person]


def test_upsert_refreshes_the_key_of_the_row_it_updates():
    OrganisationFactory(name="ვანის ქსელი", name_latin="", identification_code="212345678")
    Organisation.objects.bulk_create(
        [Organisation(name="ხონის ქსელი", identification_code="212345678")],
        update_conflicts=True,
        unique_fields=["identification_code"],
        update_fields=["name"],
    )
    assert Organisation.objects.get(identification_code="212345678").search_key == "khonis kseli"


def test_a_long_georgian_name_fits_its_key():
    name = "შ" * 255
    organisation = OrganisationFactory(name=name, name_latin="Sh" * 127)
    organisation.refresh_from_db()
    assert organisation.search_key.startswith("sh" * 255)
