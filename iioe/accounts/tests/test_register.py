import datetime
import json
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iioe.accounts.models import SignupCode, User
from iioe.accounts.tests.factories import UserFactory
from iioe.accounts.tests.helpers import (
    NEW_PASSWORD,
    STEP_ONE,
    field_errors,
    fill_step_one,
    input_value,
    page,
    send_code,
    sign_up,
)
from iioe.accounts.tests.smtp import Inbox, code_in, html_of, text_of

pytestmark = pytest.mark.django_db

EMAIL = "amina.diallo@example.org"


def test_sign_up_end_to_end_with_a_real_smtp_server(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    step_one = client.get(reverse("accounts:register"))
    assert "Have an account?" in page(step_one)
    assert 'href="/privacy"' in page(step_one)
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_code(client, "Amina.Diallo@Example.org")
    code = code_in(smtp_inbox.last_to("amina.diallo@example.org"))

    response = sign_up(client, "Amina.Diallo@Example.org", code)

    user = User.objects.get()
    assert "We have sent a message to amina.diallo@example.org" in page(sent)
    assert re.fullmatch(r"\d{6}", code)
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:my_iioe")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.get_expire_at_browser_close()
    assert user.email == EMAIL
    assert user.password.startswith("argon2$")
    assert (user.first_name, user.last_name) == ("Amina", "Diallo")
    assert user.date_of_birth == datetime.date(1985, 3, 14)
    assert (user.identity, user.gender, user.country.code) == (
        "teacher",
        "female",
        "SN",
    )
    assert user.language == "en"
    assert not SignupCode.objects.exists()


def test_sign_up_mail_has_text_and_html_with_the_code(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, EMAIL)

    message = smtp_inbox.last_to(EMAIL)
    code = code_in(message)
    assert message["Subject"] == "Your IIOE verification code"
    assert "valid for 10 minutes" in text_of(message)
    assert code in html_of(message)
    assert message["From"] == "IIOE <noreply@iioe.local>"


def test_code_button_for_the_script_answers_json_with_the_wait(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    fill_step_one(client)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("accounts:register_code"), {"email": EMAIL})
    again = client.post(reverse("accounts:register_code"), {"email": EMAIL})
    bad = client.post(reverse("accounts:register_code"), {"email": "not-an-address"})

    assert first.status_code == 200
    assert json.loads(first.content)["wait"] == 60
    assert EMAIL in json.loads(first.content)["message"]
    assert 55 <= json.loads(again.content)["wait"] <= 60
    assert "less than a minute ago" in json.loads(again.content)["message"]
    assert len(smtp_inbox.to(EMAIL)) == 1
    assert bad.status_code == 400
    assert json.loads(bad.content)["errors"]["email"]


def test_step_two_shows_the_countdown_after_a_code_is_sent(client: Client) -> None:
    fill_step_one(client)

    response = send_code(client, EMAIL)

    assert 'data-wait="60"' in page(response)
    assert input_value(response, "email") == EMAIL


def test_server_refuses_a_second_code_within_a_minute_and_says_how_long(
    client: Client,
) -> None:
    fill_step_one(client)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send_code(client, EMAIL)
        clock.shift(datetime.timedelta(seconds=20))
        response = send_code(client, EMAIL)

    assert "ask again in 40 seconds" in page(response)
    assert 'data-wait="40"' in page(response)


def test_sign_up_goes_to_a_safe_next_page(
    client: Client, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    client.get(reverse("accounts:register") + "?next=/courses/some-course")
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, EMAIL)
    code = re.search(r"^    (\d{6})$", mailoutbox[-1].body, re.M).group(1)

    response = sign_up(client, EMAIL, code)

    assert response["Location"] == "/courses/some-course"


def test_sign_up_ignores_a_next_page_on_another_site(client: Client) -> None:
    client.get(reverse("accounts:register") + "?next=https://evil.example/")

    assert "accounts.signup.next" not in client.session


def test_step_two_without_step_one_sends_the_person_back(client: Client) -> None:
    response = client.get(reverse("accounts:register_account"))
    code = client.post(reverse("accounts:register_code"), {"email": EMAIL})

    assert response["Location"] == reverse("accounts:register")
    assert code.status_code == 400


def test_logged_in_person_is_not_asked_to_sign_up(client: Client) -> None:
    client.force_login(UserFactory())

    response = client.get(reverse("accounts:register"))

    assert response["Location"] == reverse("catalog:my_iioe")


def test_step_one_answers_survive_a_failed_step_two(client: Client) -> None:
    fill_step_one(client, first_name="Aïssatou")
    failed = sign_up(client, EMAIL, "000000", password2="Different9word")

    back = client.get(reverse("accounts:register"))
    again = client.get(reverse("accounts:register_account"))

    assert failed.status_code == 200
    assert "Signing up as Aïssatou Diallo" in page(failed)
    assert input_value(back, "first_name") == "Aïssatou"
    assert input_value(back, "date_of_birth") == "1985-03-14"
    assert 'value="female" id="id_gender_1" required checked' in page(back)
    assert '<option value="SN" selected>' in page(back)
    assert '<option value="teacher" selected>' in page(back)
    assert again.status_code == 200


def test_step_one_can_be_changed_after_step_two(client: Client) -> None:
    fill_step_one(client)
    fill_step_one(client, last_name="Sow")

    response = client.get(reverse("accounts:register_account"))

    assert "Signing up as Amina Sow" in page(response)


def test_no_enumeration_code_request_answers_the_same_for_a_registered_address(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="known@example.org")
    other = Client()
    fill_step_one(client)
    fill_step_one(other)

    with django_capture_on_commit_callbacks(execute=True):
        known = send_code(client, "known@example.org")
        unknown = send_code(other, "fresh@example.org")
        known_json = client.post(
            reverse("accounts:register_code"), {"email": "known@example.org"}
        )
        unknown_json = other.post(
            reverse("accounts:register_code"), {"email": "fresh@example.org"}
        )

    def normalised(html: str, email: str) -> str:
        html = html.replace(email, "EMAIL")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert known.status_code == unknown.status_code == 200
    assert normalised(page(known), "known@example.org") == normalised(
        page(unknown), "fresh@example.org"
    )
    assert known_json.status_code == unknown_json.status_code
    assert (
        json.loads(known_json.content)["wait"]
        == json.loads(unknown_json.content)["wait"]
    )
    assert "already" in smtp_inbox.last_to("known@example.org")["Subject"]
    assert "verification code" in smtp_inbox.last_to("fresh@example.org")["Subject"]
    assert len(smtp_inbox.to("known@example.org")) == 1


def test_no_enumeration_sign_up_for_a_registered_address_only_says_the_code_is_wrong(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="known@example.org")
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, "known@example.org")

    response = sign_up(client, "known@example.org", "123456")

    assert "This code is not right" in field_errors(response, "code")
    assert field_errors(response, "email") == ""
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "12345"}, "code", "Enter the 6 digits of the code we sent you."),
        ({"password2": "Baobab7shadE"}, "password2", "The two passwords do not match."),
        (
            {"password1": "password123", "password2": "password123"},
            "password1",
            "too common",
        ),
        ({"password1": "short1", "password2": "short1"}, "password1", "at least 8"),
        (
            {"password1": "Lettersonly", "password2": "Lettersonly"},
            "password1",
            "both letters and digits",
        ),
        (
            {"password1": "Amina2024x", "password2": "Amina2024x"},
            "password1",
            "too easy to guess",
        ),
        ({"consent": ""}, "consent", "Please agree to the Data User Privacy Agreement"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": "a" * 250 + "@example.org"}, "email", "at most 254 characters"),
        ({"password1": "Ab1" * 22, "password2": "Ab1" * 22}, "password1", "at most 64"),
        ({"code": ""}, "code", "This field is required."),
    ],
)
def test_bad_step_two_input_gets_a_message_next_to_the_field_and_keeps_typing(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    fill_step_one(client)

    response = sign_up(client, EMAIL, "123456", **changes)

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert input_value(response, "email") == changes.get("email", EMAIL)
    assert input_value(response, "password1") is None
    assert input_value(response, "password2") is None
    assert NEW_PASSWORD not in page(response)
    assert not User.objects.exists()


def test_wrong_code_gets_a_message_next_to_the_code(
    client: Client, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, EMAIL)
    code = re.search(r"^    (\d{6})$", mailoutbox[-1].body, re.M).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = sign_up(client, EMAIL, wrong)

    assert "This code is not right. You can try 4 more times." in field_errors(
        response, "code"
    )
    assert input_value(response, "code") == wrong
    assert not User.objects.exists()


def test_expired_code_gets_a_message_next_to_the_code(
    client: Client, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    fill_step_one(client)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            send_code(client, EMAIL)
        code = re.search(r"^    (\d{6})$", mailoutbox[-1].body, re.M).group(1)
        clock.shift(datetime.timedelta(minutes=11))
        response = sign_up(client, EMAIL, code)

    assert "This code has expired" in field_errors(response, "code")
    assert not User.objects.exists()


def test_sixth_try_is_refused_even_with_the_right_code(
    client: Client, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, EMAIL)
    code = re.search(r"^    (\d{6})$", mailoutbox[-1].body, re.M).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        sign_up(client, EMAIL, wrong)

    response = sign_up(client, EMAIL, code)

    assert "Too many wrong codes" in field_errors(response, "code")
    assert not User.objects.exists()


def test_address_registered_after_the_code_was_sent_is_reported_to_the_code_holder(
    client: Client, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, EMAIL)
    code = re.search(r"^    (\d{6})$", mailoutbox[-1].body, re.M).group(1)
    UserFactory(email=EMAIL.upper())

    response = sign_up(client, EMAIL, code)

    assert "An account already uses this address" in field_errors(response, "email")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth", "from 1900 on"),
        ({"date_of_birth": "14/03/1985x"}, "date_of_birth", "Enter a valid date."),
        ({"first_name": "A" * 151}, "first_name", "at most 150 characters"),
        ({"last_name": ""}, "last_name", "This field is required."),
        ({"identity": "astronaut"}, "identity", "Select a valid choice."),
        ({"gender": ""}, "gender", "This field is required."),
        ({"country": "XX"}, "country", "Select a valid choice."),
    ],
)
def test_bad_step_one_input_gets_a_message_next_to_the_field_and_keeps_typing(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("accounts:register"), {**STEP_ONE, **changes})

    assert response.status_code == 200
    assert message in field_errors(response, field)
    if field != "first_name":
        assert input_value(response, "first_name") == "Amina"
    assert "accounts.signup.profile" not in client.session


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "ne peut pas être"),
        ({"first_name": "A" * 151}, "first_name", "150 caractères"),
    ],
)
def test_step_one_messages_are_in_french(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    client.cookies["django_language"] = "fr"

    response = client.post(reverse("accounts:register"), {**STEP_ONE, **changes})

    assert message in field_errors(response, field)
    assert "Date de naissance" in page(response)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "12"}, "code", "6 chiffres"),
        ({"password2": "Autre7chose"}, "password2", "ne correspondent pas"),
        ({"password1": "abc", "password2": "abc"}, "password1", "au moins 8"),
        ({"consent": ""}, "consent", "accepter l’accord de confidentialité"),
        ({"email": "nope"}, "email", "adresse"),
    ],
)
def test_step_two_messages_are_in_french(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    client.cookies["django_language"] = "fr"
    fill_step_one(client)

    response = sign_up(client, EMAIL, "123456", **changes)

    assert message in field_errors(response, field)
    assert input_value(response, "password1") is None


def test_sign_up_in_french_saves_french_and_mails_in_french(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    client.cookies["django_language"] = "fr"
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_code(client, EMAIL)
    message = smtp_inbox.last_to(EMAIL)

    sign_up(client, EMAIL, code_in(message))

    assert "Nous avons envoyé" in page(sent)
    assert "vérification" in message["Subject"]
    assert "10 minutes" in text_of(message)
    assert User.objects.get().language == "fr"


def test_privacy_page_says_what_why_how_long_and_rights(client: Client) -> None:
    response = client.get(reverse("accounts:privacy"))

    for heading in ("What we collect", "Why we collect it", "How long we keep it"):
        assert heading in page(response)
    assert "Your rights" in page(response)


def test_allauth_sign_up_page_leads_to_the_platforms_sign_up(client: Client) -> None:
    response = client.get(reverse("account_signup"))

    assert response["Location"] == reverse("accounts:register")


def test_countdown_keeps_running_after_a_failed_sign_up(client: Client) -> None:
    fill_step_one(client)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send_code(client, EMAIL)
        clock.shift(datetime.timedelta(seconds=15))
        response = sign_up(client, EMAIL, "000000")

    assert 'data-wait="45"' in page(response)
