import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import PASSWORD, UserFactory
from iioe.accounts.tests.helpers import field_errors, input_value, page
from iioe.accounts.tests.smtp import Inbox, code_in, text_of

pytestmark = pytest.mark.django_db

NEW = "Kapok9canopy"


def normalised(response: Any, email: str) -> str:
    html = page(response).replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def ask_reset(client: Client, email: str) -> Any:
    return client.post(reverse("account_reset_password"), {"email": email})


def test_password_reset_end_to_end_with_a_real_smtp_server(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory(email="amina@example.org")
    form = client.get(reverse("accounts:login"))
    assert 'href="/accounts/password/reset/"' in page(form)

    with django_capture_on_commit_callbacks(execute=True):
        asked = ask_reset(client, "Amina@Example.org")
    code = code_in(smtp_inbox.last_to("amina@example.org"))
    confirmed = client.post(
        reverse("account_confirm_password_reset_code"), {"code": code}
    )
    done = client.post(
        reverse("account_complete_password_reset"),
        {"password1": NEW, "password2": NEW},
    )
    logged_in = client.post(
        reverse("accounts:login"), {"login": "amina@example.org", "password": NEW}
    )

    user.refresh_from_db()
    assert asked["Location"] == reverse("account_confirm_password_reset_code")
    assert confirmed["Location"] == reverse("account_complete_password_reset")
    assert done.status_code == 302
    assert user.check_password(NEW)
    assert not user.check_password(PASSWORD)
    assert logged_in.status_code == 302


def test_reset_code_page_and_new_password_page_use_the_sites_look(
    client: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, "amina@example.org")

    code_page = client.get(reverse("account_confirm_password_reset_code"))

    assert "Enter your code" in page(code_page)
    assert "amina@example.org" in page(code_page)
    assert 'class="site-header"' in page(code_page)


def test_reset_refuses_a_weak_new_password_next_to_the_field(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, "amina@example.org")
    code = code_in(smtp_inbox.last_to("amina@example.org"))
    client.post(reverse("account_confirm_password_reset_code"), {"code": code})

    response = client.post(
        reverse("account_complete_password_reset"),
        {"password1": "qwerty123", "password2": "qwerty123"},
    )

    assert response.status_code == 200
    assert field_errors(response, "password1")
    assert "8 to 64 characters" in page(response)
    assert input_value(response, "password1") is None


def test_wrong_reset_code_gets_a_message_next_to_the_code(
    client: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, "amina@example.org")

    response = client.post(
        reverse("account_confirm_password_reset_code"), {"code": "WRONGCODE"}
    )

    assert response.status_code == 200
    assert field_errors(response, "code")


def test_reset_for_an_unknown_address_looks_the_same_but_mails_differently(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org")
    other = Client()

    with django_capture_on_commit_callbacks(execute=True):
        known = ask_reset(client, "amina@example.org")
        unknown = ask_reset(other, "nobody@example.org")
    known_page = client.get(known["Location"])
    unknown_page = other.get(unknown["Location"])

    assert known["Location"] == unknown["Location"]
    assert known_page.status_code == unknown_page.status_code == 200
    assert normalised(known_page, "amina@example.org") == normalised(
        unknown_page, "nobody@example.org"
    )
    unknown_mail = smtp_inbox.last_to("nobody@example.org")
    assert "No IIOE account" in unknown_mail["Subject"]
    assert "/register" in text_of(unknown_mail)
    assert "reset code" in smtp_inbox.last_to("amina@example.org")["Subject"]


def test_reset_requests_are_limited_per_address(
    client: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            ask_reset(client, "amina@example.org")
        response = ask_reset(client, "AMINA@example.org")

    assert response.status_code == 429
    assert "Too many attempts" in page(response)
    assert len(mailoutbox) == 5


def test_logged_in_person_changes_their_password_from_the_profile(
    client: Client,
) -> None:
    user = UserFactory()
    client.force_login(user)

    form = client.get(reverse("account_change_password"))
    weak = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "abc12345", "password2": "abc12345"},
    )
    done = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW},
    )

    user.refresh_from_db()
    assert "Current password" in page(form)
    assert "8 to 64 characters" in page(form)
    assert field_errors(weak, "password1")
    assert done.status_code == 302
    assert user.check_password(NEW)
