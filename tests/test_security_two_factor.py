"""Optional two-factor login (TOTP) for managers and administrators: set up with a QR code and a
code, asked for after the password, required by the admin, counted by the lockout."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def code_for(device, steps_ahead=0):
    """The code an authenticator app shows for `device` now (or `steps_ahead` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def manana(user_in_role):
    return user_in_role("manager", username="manana")


@pytest.fixture
def device(manana):
    return TOTPDevice.objects.create(user=manana, name="Kavshiri", confirmed=True)


def _password_step(client, username="manana", next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_a_manager_sets_it_up_with_the_qr_code_and_a_code(client, manana, settings):
    # django_otp makes a device wait a second after a wrong code, longer after each; a person
    # takes longer than that to type the next one.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.force_login(manana)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="qr-code"' in html
    setup = TOTPDevice.objects.get(user=manana, confirmed=False)
    assert page.context["secret"].replace(" ", "") in setup.config_url
    assert (
        client.get("/accounts/two-factor/").context["secret"] == page.context["secret"]
    )  # same key on reload

    wrong = client.post(
        "/accounts/two-factor/", {"code": "000000" if code_for(setup) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert not TOTPDevice.objects.get(pk=setup.pk).confirmed

    response = client.post("/accounts/two-factor/", {"code": code_for(setup)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(pk=setup.pk).confirmed
    assert client.get("/admin/").status_code == 200  # this session gave the code: verified


def test_staff_and_partners_are_not_offered_it(client, user_in_role):
    for role in ("staff", "partner"):
        client.force_login(user_in_role(role))
        assert client.get("/accounts/two-factor/").status_code == 403


def test_without_a_device_the_password_alone_logs_in(client, manana):
    response = _password_step(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(manana.pk)


def test_with_a_device_the_password_leads_to_the_code_step(client, device):
    response = _password_step(client, next_url="/revenue/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # not logged in yet
    assert client.get("/").status_code == 302
    assert client.get("/accounts/login/code/").status_code == 200

    response = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/revenue/"
    assert client.session["_auth_user_id"] == str(device.user_id)
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_does_not_log_in(client, device):
    _password_step(client)
    response = client.post(
        "/accounts/login/code/", {"code": "12 34 56" if code_for(device) != "123456" else "654321"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert "_auth_user_id" not in client.session


def test_guessing_codes_locks_out_like_guessing_passwords(client, device):
    _password_step(client)
    wrong = "000000" if code_for(device) not in ("000000",) else "999999"
    for _ in range(4):
        assert client.post("/accounts/login/code/", {"code": wrong}).status_code == 200
    assert client.post("/accounts/login/code/", {"code": wrong}).status_code == 429
    # Locked out: neither the right code nor the password helps now.
    assert client.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)}).status_code == 429
    assert _password_step(client).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_code_step_needs_a_password_first(client, device):
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/login/code/", {"code": code_for(device)})["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires(client, device):
    _password_step(client)
    session = client.session
    session["kavshiri_login_pending"]["at"] -= 6 * 60
    session.save()
    assert client.post("/accounts/login/code/", {"code": code_for(device)})["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_admin_asks_for_the_code_of_those_who_have_a_device(client, device, user_in_role):
    client.force_login(device.user)  # a session that never gave the code
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    other_manager = user_in_role("manager")
    client.force_login(other_manager)  # no device: the admin as before
    assert client.get("/admin/").status_code == 200


def test_a_current_code_turns_it_off(client, device):
    _password_step(client)
    client.post("/accounts/login/code/", {"code": code_for(device)})
    page = client.get("/accounts/two-factor/")
    assert page.context["device"] == device
    # The code just used cannot be used twice; the next one can.
    assert client.post("/accounts/two-factor/", {"code": code_for(device, steps_ahead=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    client.logout()
    assert _password_step(client)["Location"] == "/"


def test_the_pages_speak_georgian_by_default(client, manana):
    client.force_login(manana)
    page = client.get("/accounts/two-factor/").content.decode()
    assert '<html lang="ka">' in page
