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


def test_georgian_even_when_the_browser_asks_for_english(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ka">' in page


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
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


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


def test_admin_search_of_related_organisations_crosses_scripts(admin_client):
    from tests.crm.factories import InteractionFactory

    organisation = OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="")
    InteractionFactory(organisation=organisation, subject="შეხვედრა ფონდში")
    for query in ["ტყიბულის", "tqibulis", "Tqibulis"]:
        page = admin_client.get("/admin/crm/interaction/", {"q": query}).content.decode()
        assert "შეხვედრა ფონდში" in page, query


def test_issued_invoice_lines_and_payments_cannot_be_edited_in_admin(client, user_in_role):
    from datetime import date
    from decimal import Decimal

    from crm.models import Payment
    from crm.services import invoice_issue
    from tests.crm.factories import InvoiceLineFactory

    manager = user_in_role("manager")
    client.force_login(manager)
    invoice = invoice_issue(invoice=InvoiceLineFactory(unit_price=Decimal("100.00")).invoice)
    page = client.get(f"/admin/crm/invoice/{invoice.pk}/change/").content.decode()
    assert 'name="lines-0-unit_price"' not in page
    response = client.post(
        "/admin/crm/payment/add/",
        {"invoice": invoice.pk, "amount": "5000.00", "paid_on": "2026-11-01", "method": "bank", "reference": ""},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "5000.00" in response.content.decode()
    assert not Payment.objects.exists()
    response = client.post(
        "/admin/crm/payment/add/",
        {"invoice": invoice.pk, "amount": "18.00", "paid_on": "2026-11-01", "method": "bank", "reference": "TRX"},
    )
    assert response.status_code == 302
    assert Payment.objects.get().recorded_by == manager
    assert date(2026, 11, 1) == Payment.objects.get().paid_on


def test_bad_delivery_dates_get_a_message_not_a_500(admin_client):
    from tests.crm.factories import OrganisationFactory as Org
    from tests.crm.factories import ServiceFactory

    response = admin_client.post(
        "/admin/crm/servicedelivery/add/",
        {"service": ServiceFactory().pk, "client_organisation": Org().pk, "start_date": "", "end_date": "2026-01-01",
         "participants": "3"},
    )
    assert response.status_code == 200


def test_admin_search_crosses_scripts(admin_client):
    OrganisationFactory(name="ქუთაისის ახალგაზრდული ცენტრი", name_latin="")
    page = admin_client.get("/admin/crm/organisation/", {"q": "kutaisis"}).content.decode()
    assert "ქუთაისის ახალგაზრდული ცენტრი" in page
