import datetime
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iioe.accounts.models import SignupCode
from iioe.accounts.tests.helpers import field_errors, fill_step_one, send_code, sign_up

pytestmark = pytest.mark.django_db

EMAIL = "amina@example.org"


def test_code_requests_are_limited_per_address(client: Client) -> None:
    fill_step_one(client)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert send_code(client, EMAIL).status_code == 200
            clock.shift(datetime.timedelta(seconds=61))
        created = SignupCode.objects.get().created_at
        response = send_code(client, EMAIL.upper())

    assert response.status_code == 429
    assert "Too many attempts" in field_errors(response, "email")
    assert SignupCode.objects.get().created_at == created


def test_code_requests_are_limited_per_ip(client: Client) -> None:
    fill_step_one(client)
    for number in range(10):
        send_code(client, f"person{number}@example.org")

    page = send_code(client, "one.more@example.org")
    script = client.post(
        reverse("accounts:register_code"), {"email": "again@example.org"}
    )

    assert page.status_code == 429
    assert "Too many attempts" in field_errors(page, "email")
    assert script.status_code == 429
    assert "Too many attempts" in json.loads(script.content)["errors"]["email"][0]
    assert SignupCode.objects.count() == 10


def test_code_checks_are_limited_per_address(client: Client) -> None:
    fill_step_one(client)
    send_code(client, EMAIL)
    for _ in range(10):
        sign_up(client, EMAIL, "000000")

    response = sign_up(client, EMAIL, "000000")

    assert response.status_code == 429
    assert "Too many attempts" in field_errors(response, "code")
    assert SignupCode.objects.get().failed_attempts <= 5


def test_code_checks_are_limited_per_ip(client: Client) -> None:
    fill_step_one(client)
    for number in range(20):
        sign_up(client, f"person{number}@example.org", "000000")

    response = sign_up(client, "someone.else@example.org", "000000")

    assert response.status_code == 429
    assert "Too many attempts" in field_errors(response, "code")


def test_rate_limit_message_is_translated(client: Client) -> None:
    client.cookies["django_language"] = "fr"
    fill_step_one(client)
    for number in range(10):
        send_code(client, f"person{number}@example.org")

    response = send_code(client, "one.more@example.org")

    assert "Trop de tentatives" in field_errors(response, "email")
