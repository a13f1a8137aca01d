"""Steps of the sign-up flow, shared by the accounts tests."""

import html
import re
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

STEP_ONE = {
    "first_name": "Amina",
    "last_name": "Diallo",
    "date_of_birth": "1985-03-14",
    "identity": "teacher",
    "gender": "female",
    "country": "SN",
}
NEW_PASSWORD = "Baobab7shade"


def fill_step_one(client: Client, **changes: str) -> HttpResponse:
    response = client.post(reverse("accounts:register"), {**STEP_ONE, **changes})
    assert response.status_code == 302, field_errors_all(response)
    return response


def send_code(client: Client, email: str, **extra: str) -> HttpResponse:
    data = {"email": email, "action": "send_code", **extra}
    return client.post(reverse("accounts:register_account"), data)


def sign_up(client: Client, email: str, code: str, /, **changes: Any) -> HttpResponse:
    data = {
        "email": email,
        "code": code,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "consent": "on",
        "action": "signup",
        **changes,
    }
    return client.post(reverse("accounts:register_account"), data)


def page(response: HttpResponse) -> str:
    return response.content.decode()


def field_errors(response: HttpResponse, name: str) -> str:
    """Return the text of the errors shown next to one field."""
    match = re.search(
        rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', page(response), re.S
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def field_errors_all(response: HttpResponse) -> str:
    return " | ".join(re.findall(r'id="id_(\w+)_error"', page(response)))


def input_value(response: HttpResponse, name: str) -> str | None:
    """Return the value an input of the page shows, or None."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page(response))
    if not tag:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None
