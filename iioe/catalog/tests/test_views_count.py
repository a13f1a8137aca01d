import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import services
from iioe.catalog.models import Course, CourseView
from iioe.catalog.tests.factories import CourseFactory
from iioe.catalog.tests.threads import run_at_once, threaded_database  # noqa: F401

NOON = datetime.datetime(2026, 3, 14, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def course(db: None) -> Course:
    return CourseFactory(slug="cloud-computing", view_count=64)


def url(course: Course) -> str:
    return reverse("catalog:course_detail", args=[course.slug])


def views_of(course: Course) -> int:
    course.refresh_from_db()
    return course.view_count


def test_reloads_by_one_viewer_count_once(client: Client, course: Course) -> None:
    client.get(url(course))
    client.get(url(course), {"tab": "syllabus"})
    client.get(url(course))

    assert views_of(course) == 65
    assert CourseView.objects.filter(course=course).count() == 1


def test_a_viewer_who_clears_the_memo_is_still_counted_once(
    client: Client, course: Course
) -> None:
    client.get(url(course))
    # The session cookie goes at the end of the browser session; the visitor's
    # cookie stays, and the day's row refuses a second count.
    del client.cookies["iioe_viewed"]

    client.get(url(course))

    assert views_of(course) == 65


def test_two_browsers_count_as_two_viewers(course: Course) -> None:
    Client().get(url(course))
    Client().get(url(course))

    assert views_of(course) == 66


def test_a_learner_counts_once_a_day_on_all_their_devices(course: Course) -> None:
    learner = UserFactory()
    for _ in range(2):
        device = Client()
        device.force_login(learner)
        device.get(url(course))

    assert views_of(course) == 65
    assert CourseView.objects.get().viewer_key == f"u{learner.pk}"


def test_a_guest_who_logs_in_counts_as_a_new_viewer(
    client: Client, course: Course
) -> None:
    client.get(url(course))
    client.force_login(UserFactory())

    client.get(url(course))

    assert views_of(course) == 66


def test_a_viewer_counts_again_the_next_day(client: Client, course: Course) -> None:
    with time_machine.travel(NOON, tick=False):
        client.get(url(course))
        client.get(url(course))
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        client.get(url(course))
        client.get(url(course))

    assert views_of(course) == 66
    days = CourseView.objects.order_by("day").values_list("day", flat=True)
    assert list(days) == [datetime.date(2026, 3, 14), datetime.date(2026, 3, 15)]


def test_a_guest_is_kept_as_a_salted_hash_of_a_cookie_and_no_address(
    client: Client, course: Course
) -> None:
    response = client.get(url(course), REMOTE_ADDR="203.0.113.7")

    token = response.cookies["iioe_visitor"]
    assert token["httponly"] and token["samesite"] == "Lax"
    assert int(token["max-age"]) > 300 * 24 * 60 * 60
    key = CourseView.objects.get().viewer_key
    assert key.startswith("a") and len(key) == 41
    assert token.value not in key and "203.0.113" not in key
    # The same cookie in another browser is the same viewer.
    other = Client()
    other.cookies["iioe_visitor"] = token.value
    other.get(url(course))
    assert views_of(course) == 65


def test_a_reload_costs_no_query_for_the_count(
    client: Client, course: Course, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2 + 3):  # insert and count, then the page
        client.get(url(course))

    with django_assert_num_queries(3):
        client.get(url(course))


def test_guests_served_from_the_page_cache_still_count_as_views(
    course: Course, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.GUEST_PAGE_CACHE_SECONDS = 60
    Client().get(url(course))

    # The day's row and the count are the only queries: the page is cached.
    with django_assert_num_queries(2):
        response = Client().get(url(course))

    assert response.status_code == 200
    assert "iioe_viewed" in response.cookies and "iioe_visitor" in response.cookies
    assert views_of(course) == 66


def test_strange_cookies_do_no_harm(client: Client, course: Course) -> None:
    client.cookies["iioe_viewed"] = "...'; drop table--" + "x" * 5000
    client.cookies["iioe_visitor"] = "' or 1=1 --"

    response = client.get(url(course))

    assert response.status_code == 200
    assert views_of(course) == 65
    assert response.cookies["iioe_visitor"].value != "' or 1=1 --"


def test_the_memo_lasts_the_browser_session_and_stays_small(
    client: Client, course: Course
) -> None:
    for number in range(60):
        CourseFactory(slug=f"course-{number:02d}-" + "x" * 40)
        client.get(f"/courses/course-{number:02d}-" + "x" * 40)

    cookie = client.cookies["iioe_viewed"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] and cookie["path"] == reverse("catalog:course_list")
    assert len(cookie.value) <= 3100
    slugs = cookie.value.split(".")[2:]
    assert slugs[-1].startswith("course-59-") and len(slugs) < 60


def test_a_head_request_is_not_a_view(client: Client, course: Course) -> None:
    assert client.head(url(course)).status_code == 200

    assert views_of(course) == 64
    assert not CourseView.objects.exists()


def test_missing_and_unpublished_courses_count_nothing_and_set_no_cookie(
    client: Client, db: None
) -> None:
    hidden = CourseFactory(is_published=False, view_count=3)

    for address in ("/courses/no-such-course", url(hidden)):
        response = client.get(address)
        assert response.status_code == 404
        assert not response.cookies

    assert views_of(hidden) == 3
    assert not CourseView.objects.exists()


def test_the_service_says_whether_the_view_counted(course: Course) -> None:
    day = datetime.date(2026, 3, 14)

    first = services.course_view_record(slug=course.slug, viewer_key="u1", day=day)
    again = services.course_view_record(slug=course.slug, viewer_key="u1", day=day)
    unknown = services.course_view_record(slug="nope", viewer_key="u1", day=day)

    assert (first, again, unknown) == (True, False, False)
    assert views_of(course) == 65


def test_pruning_keeps_the_recent_days_and_the_counts(course: Course) -> None:
    with time_machine.travel(NOON, tick=False):
        for days_ago in range(5):
            services.course_view_record(
                slug=course.slug,
                viewer_key="u1",
                day=NOON.date() - datetime.timedelta(days=days_ago),
            )
        out = StringIO()
        call_command("prune_course_views", "--keep-days", "2", stdout=out)

    days = CourseView.objects.order_by("day").values_list("day", flat=True)
    assert list(days) == [datetime.date(2026, 3, 13), datetime.date(2026, 3, 14)]
    assert "Deleted 3 course viewer rows." in out.getvalue()
    assert views_of(course) == 69


def test_pruning_refuses_to_forget_today(course: Course) -> None:
    with pytest.raises(CommandError):
        call_command("prune_course_views", "--keep-days", "0")


@pytest.mark.usefixtures("threaded_database")
@pytest.mark.django_db(transaction=True)
def test_one_viewer_racing_with_themself_counts_once() -> None:
    course = CourseFactory(view_count=0)

    counted = run_at_once(
        lambda: services.course_view_record(slug=course.slug, viewer_key="u7"),
        [()] * 8,
    )

    assert counted.count(True) == 1
    assert views_of(course) == 1
    assert CourseView.objects.count() == 1


@pytest.mark.usefixtures("threaded_database")
@pytest.mark.django_db(transaction=True)
def test_many_viewers_at_once_are_all_counted() -> None:
    course = CourseFactory(view_count=0)

    run_at_once(
        lambda key: services.course_view_record(slug=course.slug, viewer_key=key),
        [(f"u{n}",) for n in range(12)] * 2,
    )

    assert views_of(course) == 12
    assert CourseView.objects.count() == 12


@pytest.mark.usefixtures("threaded_database")
@pytest.mark.django_db(transaction=True)
def test_concurrent_page_loads_of_two_browsers_count_two() -> None:
    course = CourseFactory(view_count=0)
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.get(reverse("catalog:course_list"))

    # Each browser gets its visitor cookie on its first page, then reloads
    # the course page from four tabs at once.
    tokens = [b.get(url(course)).cookies["iioe_visitor"].value for b in browsers]

    def reload(token: str) -> int:
        tab = Client()
        tab.cookies["iioe_visitor"] = token
        return tab.get(url(course)).status_code

    statuses = run_at_once(reload, [(token,) for token in tokens] * 4)

    assert set(statuses) == {200}
    assert views_of(course) == 2
