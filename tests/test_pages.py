import pytest
from django.utils import translation

from config.georgian_text import contains_mtavruli
from tests.crm.factories import FollowUpFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_login_page_speaks_georgian_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="ka">' in page
    assert "შესვლა" in page
    assert not contains_mtavruli(page)


def test_english_on_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Log in to Kavshiri" in page


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logging_in_and_out(client, user_in_role):
    user = user_in_role("staff", username="nino")
    response = client.post("/accounts/login/", {"username": "nino", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert user.is_authenticated


def test_wrong_password_gets_a_message_not_an_error(client, user_in_role):
    user_in_role("staff", username="nino")
    response = client.post("/accounts/login/", {"username": "nino", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_home_shows_my_follow_ups_due(client, user_in_role):
    staff = user_in_role("staff")
    FollowUpFactory(assignee=staff, title="დაურეკე დირექტორს", due_on="2020-01-01")
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert "დაურეკე დირექტორს" in page
    assert "ტყიბული" in page  # coverage lists every Imereti municipality


def test_admin_pages_never_show_mtavruli(admin_client):
    OrganisationFactory()
    with translation.override("ka"):
        for url in ["/admin/", "/admin/crm/organisation/", "/admin/crm/organisation/add/", "/admin/crm/contact/"]:
            response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="ka")
            assert response.status_code == 200, url
            assert not contains_mtavruli(response.content.decode()), url


def test_admin_search_crosses_scripts(admin_client):
    OrganisationFactory(name="ქუთაისის ახალგაზრდული ცენტრი", name_latin="")
    page = admin_client.get("/admin/crm/organisation/", {"q": "kutaisis"}).content.decode()
    assert "ქუთაისის ახალგაზრდული ცენტრი" in page
