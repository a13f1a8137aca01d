import datetime
import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from iioe.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page_language(response: HttpResponse) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def switch(client: Client, language: str, next_url: str = "/") -> HttpResponse:
    return client.post(
        reverse("web:language_set"), {"language": language, "next": next_url}
    )


def test_every_page_offers_the_three_languages_by_their_own_names(
    client: Client,
) -> None:
    html = client.get(reverse("web:credits")).content.decode()

    switch_form = html[html.index('class="language-switch"') :]
    switch_form = switch_form[: switch_form.index("</form>")]
    buttons = re.findall(r'value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)<', switch_form)
    assert buttons == [("en", "English"), ("zh-hans", "中文"), ("fr", "Français")]
    assert 'name="csrfmiddlewaretoken"' in switch_form


def test_a_guest_switches_language_and_comes_back_to_the_same_page(
    client: Client,
) -> None:
    response = switch(client, "fr", next_url="/courses?q=data&page=2")

    assert response.status_code == 302
    assert response["Location"] == "/courses?q=data&page=2"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr"
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    home = client.get(reverse("web:credits"))
    assert page_language(home) == "fr"
    assert home["Content-Language"] == "fr"
    assert 'value="fr" lang="fr" aria-current="true"' in home.content.decode()


def test_a_guest_without_a_choice_gets_the_browser_s_language(client: Client) -> None:
    response = client.get(reverse("web:credits"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert page_language(response) == "zh-hans"


def test_a_logged_in_user_s_choice_is_saved_and_follows_them_elsewhere(
    client: Client,
) -> None:
    user = UserFactory()
    client.force_login(user)

    switch(client, "zh-hans")

    user.refresh_from_db()
    assert user.language == "zh-hans"
    other_browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    other_browser.force_login(user)
    assert page_language(other_browser.get(reverse("web:credits"))) == "zh-hans"


def test_a_guest_s_choice_is_not_saved_on_any_account(client: Client) -> None:
    user = UserFactory(language="")

    switch(client, "fr")

    user.refresh_from_db()
    assert user.language == ""


def test_the_switch_works_on_the_login_page(client: Client) -> None:
    login_url = reverse("account_login")
    login_page = client.get(login_url).content.decode()
    assert f'action="{reverse("web:language_set")}"' in login_page

    response = switch(client, "fr", next_url=login_url)

    assert response["Location"] == login_url
    assert page_language(client.get(login_url)) == "fr"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "http://testserver@evil.example/",
        "javascript:alert(1)",
        " https://evil.example",
    ],
)
def test_the_switch_never_sends_the_visitor_to_another_site(
    client: Client, next_url: str
) -> None:
    response = switch(client, "fr", next_url=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_language_the_platform_does_not_offer_changes_nothing(
    client: Client,
) -> None:
    user = UserFactory(language="fr")
    client.force_login(user)

    response = switch(client, "de")

    user.refresh_from_db()
    assert user.language == "fr"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switch_refuses_a_get(client: Client) -> None:
    response = client.get(reverse("web:language_set"), {"language": "fr"})

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("language", "date", "rating", "views"),
    [
        ("en", "March 14, 2026", "4.5", "12,345"),
        ("fr", "14 mars 2026", "4,5", "12\xa0345"),
        ("zh-hans", "2026年3月14日", "4.5", "12345"),
    ],
)
def test_dates_and_numbers_follow_the_language(
    language: str, date: str, rating: str, views: str
) -> None:
    template = Template(
        "{% load humanize %}{{ day }}|{{ rating|floatformat:1 }}|{{ views|intcomma }}"
    )
    context = Context(
        {"day": datetime.date(2026, 3, 14), "rating": 4.5, "views": 12345}
    )

    with translation.override(language):
        rendered = template.render(context)

    assert rendered == f"{date}|{rating}|{views}"


@pytest.mark.django_db
def test_the_language_switch_names_each_language_in_itself(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    page = client.get(reverse("web:home")).content.decode()

    assert ">English</button>" in page
    assert ">中文</button>" in page
    assert ">Français</button>" in page
    assert "Anglais" not in page
