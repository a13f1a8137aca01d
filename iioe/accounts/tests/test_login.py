from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import PASSWORD, UserFactory
from iioe.accounts.tests.helpers import field_errors, input_value, page

pytestmark = pytest.mark.django_db


def log_in(client: Client, login: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        reverse("accounts:login"), {"login": login, "password": password, **extra}
    )


def test_login_page_lives_at_login_with_the_seed_labels(client: Client) -> None:
    response = client.get("/login")

    assert response.status_code == 200
    for label in ("E-mail address", "Password", "Stay logged in", "Forget password?"):
        assert label in page(response)
    assert 'href="/accounts/password/reset/"' in page(response)
    assert "No account yet?" in page(response)
    assert 'href="/register"' in page(response)


def test_login_page_is_translated_for_guests(client: Client) -> None:
    client.cookies["django_language"] = "zh-hans"

    response = client.get("/login")

    assert '<html lang="zh-hans">' in page(response)
    assert "密码" in page(response)
    assert "忘记密码" in page(response)


def test_login_matches_the_address_case_insensitively(client: Client) -> None:
    user = UserFactory(email="amina@example.org")

    response = log_in(client, "  AMINA@Example.ORG ")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_goes_back_to_the_next_page(client: Client) -> None:
    UserFactory(email="amina@example.org")

    response = log_in(client, "amina@example.org", next="/courses?q=data")

    assert response["Location"] == "/courses?q=data"


def test_login_refuses_a_next_page_on_another_site(client: Client) -> None:
    UserFactory(email="amina@example.org")

    response = log_in(client, "amina@example.org", next="https://evil.example/")

    assert not response["Location"].startswith("https://evil")


def test_stay_logged_in_keeps_the_session_for_15_days(client: Client) -> None:
    UserFactory(email="amina@example.org")

    log_in(client, "amina@example.org", remember="on")

    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 15 * 24 * 3600
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 15 * 24 * 3600


def test_without_stay_logged_in_the_session_ends_with_the_browser(
    client: Client,
) -> None:
    UserFactory(email="amina@example.org")

    log_in(client, "amina@example.org")

    assert client.session.get_expire_at_browser_close()
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


def test_wrong_password_gets_a_message_and_keeps_the_address(client: Client) -> None:
    UserFactory(email="amina@example.org")

    response = log_in(client, "amina@example.org", "Wrong4password")

    assert response.status_code == 200
    assert "not correct" in page(response)
    assert input_value(response, "login") == "amina@example.org"
    assert input_value(response, "password") is None


def test_unknown_address_gets_the_same_message_as_a_wrong_password(
    client: Client,
) -> None:
    UserFactory(email="amina@example.org")

    wrong_password = log_in(client, "amina@example.org", "Wrong4password")
    unknown = log_in(client, "nobody@example.org", "Wrong4password")

    assert page(wrong_password).count("not correct") == 1
    assert page(unknown).count("not correct") == 1


def test_bad_login_input_gets_messages_next_to_the_fields_in_french(
    client: Client,
) -> None:
    client.cookies["django_language"] = "fr"

    response = log_in(client, "pas-une-adresse", "")

    assert "adresse" in field_errors(response, "login")
    assert "obligatoire" in field_errors(response, "password")


def test_failed_logins_are_limited_per_address(client: Client) -> None:
    UserFactory(email="amina@example.org")
    for _ in range(5):
        log_in(client, "amina@example.org", "Wrong4password")

    response = log_in(client, "amina@example.org")

    assert response.status_code == 200
    assert "Too many failed login attempts" in page(response)
    assert "_auth_user_id" not in client.session


def test_login_rate_limit_per_ip_answers_a_translated_page(client: Client) -> None:
    client.cookies["django_language"] = "fr"
    for _ in range(30):
        log_in(client, "someone@example.org", "Wrong4password")

    response = log_in(client, "someone@example.org", "Wrong4password")

    assert response.status_code == 429
    assert "Trop de tentatives" in page(response)


def test_logout_lives_at_logout(client: Client) -> None:
    client.force_login(UserFactory())

    confirm = client.get("/logout")
    response = client.post("/logout")

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_guest_is_sent_to_login_and_brought_back(client: Client) -> None:
    UserFactory(email="amina@example.org")

    refused = client.get(reverse("accounts:profile_edit"))
    response = log_in(
        client, "amina@example.org", next=reverse("accounts:profile_edit")
    )

    assert refused["Location"] == "/login?next=/my-iioe/profile"
    assert response["Location"] == "/my-iioe/profile"


def test_the_signed_in_message_is_in_the_users_language(client: Client) -> None:
    user = UserFactory(email="lin@example.org", language="zh-hans")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(
        reverse("accounts:login"),
        {"login": user.email, "password": PASSWORD},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("Successfully" not in m for m in messages)
