import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from iioe.accounts.tests.factories import UserFactory
from iioe.web.caching import View, guest_page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings: Settings) -> None:
    settings.GUEST_PAGE_CACHE_SECONDS = 60


def csrf_token_in(response: HttpResponse) -> str:
    match = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()
    )
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def test_a_guest_gets_the_page_another_guest_got_without_any_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    first = Client().get(reverse("web:home"))

    with django_assert_num_queries(0):
        second = Client().get(reverse("web:home"))

    assert second.status_code == 200
    assert second["Content-Type"] == first["Content-Type"]
    assert "<h1>" in second.content.decode()


def test_each_guest_gets_a_csrf_token_of_their_own_that_works() -> None:
    Client().get(reverse("web:home"))
    guest = Client(enforce_csrf_checks=True)

    cached = guest.get(reverse("web:home"))
    token = csrf_token_in(cached)
    switched = guest.post(
        reverse("web:language_set"),
        {"language": "fr", "next": "/", "csrfmiddlewaretoken": token},
    )

    assert settings.CSRF_COOKIE_NAME in cached.cookies
    assert switched.status_code == 302
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_guests_get_the_page_in_their_own_language() -> None:
    Client().get(reverse("web:home"))

    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("web:home"))

    assert '<html lang="fr">' in french.content.decode()


def test_each_address_is_a_page_of_its_own() -> None:
    Client().get(reverse("web:home"))

    other = Client().get(reverse("web:home") + "?from=newsletter")

    assert 'value="/?from=newsletter"' in other.content.decode()


def test_logged_in_users_always_get_a_fresh_page() -> None:
    guest_page = Client().get(reverse("web:home")).content.decode()
    client = Client()
    client.force_login(UserFactory())

    response = client.get(reverse("web:home"))

    assert reverse("account_logout") not in guest_page
    assert reverse("account_logout") in response.content.decode()


def counting_view() -> tuple[list[HttpRequest], View]:
    """Return a cached view that notes each request it really handles."""
    calls: list[HttpRequest] = []

    @guest_page_cache
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        response = HttpResponse("<p>page</p>")
        if request.GET.get("cookie"):
            response.set_cookie("flavour", "chocolate")
        if request.GET.get("status"):
            response.status_code = int(request.GET["status"])
        return response

    return calls, view


def test_a_page_that_sets_a_cookie_or_is_not_a_plain_200_is_not_shared(
    rf: RequestFactory,
) -> None:
    calls, view = counting_view()

    for query in ["?cookie=1", "?status=404"]:
        view(rf.get("/" + query))
        view(rf.get("/" + query))

    assert len(calls) == 4


def test_visitors_with_a_session_or_messages_get_a_fresh_page(
    rf: RequestFactory,
) -> None:
    calls, view = counting_view()
    view(rf.get("/"))

    with_session = rf.get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc")
    with_messages = rf.get("/", HTTP_COOKIE="messages=abc")
    view(with_session)
    view(with_messages)
    view(rf.post("/"))

    assert len(calls) == 4


def test_a_cached_page_is_rendered_again_once_it_is_stale(rf: RequestFactory) -> None:
    calls, view = counting_view()

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        view(rf.get("/"))
        traveller.shift(timedelta(seconds=30))
        view(rf.get("/"))
        traveller.shift(timedelta(seconds=31))
        view(rf.get("/"))

    assert len(calls) == 2


def test_the_cache_is_off_when_its_delay_is_zero(
    rf: RequestFactory, settings: Settings
) -> None:
    settings.GUEST_PAGE_CACHE_SECONDS = 0
    calls, view = counting_view()

    view(rf.get("/"))
    view(rf.get("/"))

    assert len(calls) == 2


def test_each_host_name_has_pages_of_its_own(rf: RequestFactory) -> None:
    calls, view = counting_view()

    view(rf.get("/", HTTP_HOST="localhost"))
    view(rf.get("/", HTTP_HOST="127.0.0.1"))
    view(rf.get("/", HTTP_HOST="localhost"))

    assert len(calls) == 2
