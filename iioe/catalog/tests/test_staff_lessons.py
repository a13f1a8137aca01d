"""Lessons in the staff area: adding, renaming, reordering without JS, deleting."""

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import services
from iioe.catalog.models import Course, CourseEvent, Lesson, WatchProgress
from iioe.catalog.tests.factories import CourseFactory, LessonFactory
from iioe.media.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> User:
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


@pytest.fixture
def course() -> Course:
    course = CourseFactory()
    for position, title in enumerate(["One", "Two", "Three"], start=1):
        LessonFactory(course=course, position=position, title=title)
    return course


def titles(course: Course) -> list[str]:
    return list(
        Lesson.objects.filter(course=course)
        .order_by("position")
        .values_list("title", flat=True)
    )


def positions(course: Course) -> list[int]:
    return list(
        Lesson.objects.filter(course=course)
        .order_by("position")
        .values_list("position", flat=True)
    )


def lesson(course: Course, title: str) -> Lesson:
    return Lesson.objects.get(course=course, title=title)


def test_a_lesson_is_added_after_the_last_one(
    staff_client: Client, course: Course
) -> None:
    response = staff_client.post(
        reverse("catalog:staff_lesson_add", args=[course.pk]),
        {"lesson-title": "  Four:   the end "},
    )

    assert response.status_code == 302
    assert titles(course) == ["One", "Two", "Three", "Four: the end"]
    assert positions(course) == [1, 2, 3, 4]
    assert CourseEvent.objects.filter(course=course, action="edited").count() == 1


def test_a_lesson_without_a_title_is_refused_on_the_course_page(
    staff_client: Client, course: Course
) -> None:
    response = staff_client.post(
        reverse("catalog:staff_lesson_add", args=[course.pk]), {"lesson-title": " "}
    )

    assert response.status_code == 200
    assert "lesson-title" in response.content.decode()
    assert response.context["lesson_form"].errors
    assert titles(course) == ["One", "Two", "Three"]


def test_an_overlong_lesson_title_is_refused_and_kept(
    staff_client: Client, course: Course
) -> None:
    long_title = "x" * 301

    response = staff_client.post(
        reverse("catalog:staff_lesson_add", args=[course.pk]),
        {"lesson-title": long_title},
    )

    assert response.status_code == 200
    assert long_title in response.content.decode()
    assert Lesson.objects.filter(course=course).count() == 3


def test_a_lesson_is_renamed(staff_client: Client, course: Course) -> None:
    two = lesson(course, "Two")
    url = reverse("catalog:staff_lesson_edit", args=[course.pk, two.pk])

    page = staff_client.get(url)
    staff_client.post(url, {"title": "Deux"})

    assert 'value="Two"' in page.content.decode()
    assert titles(course) == ["One", "Deux", "Three"]


def test_up_and_down_buttons_are_plain_forms_that_reorder(
    staff_client: Client, course: Course
) -> None:
    three = lesson(course, "Three")
    one = lesson(course, "One")
    move_three = reverse("catalog:staff_lesson_move", args=[course.pk, three.pk])
    move_one = reverse("catalog:staff_lesson_move", args=[course.pk, one.pk])

    page = staff_client.get(reverse("catalog:staff_course_edit", args=[course.pk]))
    staff_client.post(move_three, {"direction": "up"})
    after_up = titles(course)
    staff_client.post(move_one, {"direction": "down"})

    html = page.content.decode()
    assert f'action="{move_three}"' in html
    assert 'name="direction" value="up"' in html
    assert after_up == ["One", "Three", "Two"]
    assert titles(course) == ["Three", "One", "Two"]
    assert positions(course) == [1, 2, 3]


def test_moving_the_first_lesson_up_changes_nothing(
    staff_client: Client, course: Course
) -> None:
    one = lesson(course, "One")

    response = staff_client.post(
        reverse("catalog:staff_lesson_move", args=[course.pk, one.pk]),
        {"direction": "up"},
    )

    assert response.status_code == 302
    assert titles(course) == ["One", "Two", "Three"]


def test_a_move_in_an_unknown_direction_is_refused_politely(
    staff_client: Client, course: Course
) -> None:
    two = lesson(course, "Two")

    response = staff_client.post(
        reverse("catalog:staff_lesson_move", args=[course.pk, two.pk]),
        {"direction": "sideways"},
        follow=True,
    )

    assert response.status_code == 200
    assert "up or down" in response.content.decode()
    assert titles(course) == ["One", "Two", "Three"]


def test_moving_mends_gaps_and_ties_left_by_older_data(staff: User) -> None:
    course = CourseFactory()
    LessonFactory(course=course, position=5, title="A")
    LessonFactory(course=course, position=5, title="B")
    LessonFactory(course=course, position=9, title="C")

    services.lesson_move(actor=staff, lesson=lesson(course, "C"), up=True)

    assert titles(course) == ["A", "C", "B"]
    assert positions(course) == [1, 2, 3]


def test_deleting_asks_for_confirmation_then_closes_the_gap(
    staff_client: Client, course: Course
) -> None:
    two = lesson(course, "Two")
    learner = UserFactory()
    WatchProgress.objects.create(user=learner, lesson=two, position_seconds=3)
    url = reverse("catalog:staff_lesson_delete", args=[course.pk, two.pk])

    confirmation = staff_client.get(url)
    unchanged = titles(course)
    staff_client.post(url)

    assert confirmation.status_code == 200
    assert "Yes, delete it" in confirmation.content.decode()
    assert unchanged == ["One", "Two", "Three"]
    assert titles(course) == ["One", "Three"]
    assert positions(course) == [1, 2]
    assert not WatchProgress.objects.exists()


def test_deleting_a_lesson_keeps_its_video(staff: User) -> None:
    video = Video.objects.create(title="Clip", source="videos/source/clip.mp4")
    item = LessonFactory(video=video)

    services.lesson_delete(actor=staff, lesson=item)

    assert Video.objects.filter(pk=video.pk).exists()


def test_a_lesson_of_another_course_is_not_found(
    staff_client: Client, course: Course
) -> None:
    other = LessonFactory(course=CourseFactory())

    response = staff_client.post(
        reverse("catalog:staff_lesson_delete", args=[course.pk, other.pk])
    )

    assert response.status_code == 404
    assert Lesson.objects.filter(pk=other.pk).exists()


def test_each_lesson_shows_the_state_of_its_video(
    staff_client: Client, course: Course
) -> None:
    video = Video.objects.create(
        title="Clip",
        source="videos/source/clip.mp4",
        status=Video.Status.FAILED,
        failure_reason="The file has no video stream.",
    )
    Lesson.objects.filter(course=course, title="Two").update(video=video)

    html = staff_client.get(
        reverse("catalog:staff_course_edit", args=[course.pk])
    ).content.decode()

    assert "No video yet" in html
    assert "The file has no video stream." in html


def test_each_lesson_links_to_its_video_and_captions_page(
    staff_client: Client, course: Course
) -> None:
    two = lesson(course, "Two")

    html = staff_client.get(
        reverse("catalog:staff_course_edit", args=[course.pk])
    ).content.decode()

    assert reverse("media:staff_lesson_video", args=[course.pk, two.pk]) in html


def test_a_first_video_is_set_on_a_lesson_and_recorded(
    staff: User, course: Course
) -> None:
    two = lesson(course, "Two")
    video = Video.objects.create(title="Clip", source="videos/source/clip.mp4")

    services.lesson_video_set(actor=staff, lesson=two, video=video)

    two.refresh_from_db()
    assert two.video == video
    assert CourseEvent.objects.filter(course=course, action="edited").exists()


def test_a_run_of_edits_by_one_person_is_one_event_until_someone_else_edits(
    staff: User, course: Course
) -> None:
    other = UserFactory(is_staff=True)

    for title in ("Four", "Five", "Six"):
        services.lesson_add(actor=staff, course=course, title=title)
    services.lesson_add(actor=other, course=course, title="Seven")
    services.lesson_add(actor=staff, course=course, title="Eight")

    actors = list(
        CourseEvent.objects.filter(course=course)
        .order_by("at", "pk")
        .values_list("actor", flat=True)
    )
    assert actors == [staff.pk, other.pk, staff.pk]
