"""Saving where a learner stopped in a lesson, and resuming there."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Lesson, WatchProgress
from iioe.catalog.tests.factories import LessonFactory
from iioe.media.models import Video
from iioe.media.tests.factories import VideoFactory, ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner() -> User:
    # No password: these learners log in with force_login, and hashing is slow.
    return UserFactory(password=None)


@pytest.fixture
def member(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client


@pytest.fixture
def lesson() -> Lesson:
    return LessonFactory(video=ready_video(duration=60.0))


def progress_url(lesson: Lesson) -> str:
    return reverse("catalog:lesson_progress", args=[lesson.course.slug, 1])


def test_a_position_posted_as_a_form_is_saved(
    member: Client, learner: User, lesson: Lesson
) -> None:
    response = member.post(progress_url(lesson), {"position": "42.37"})

    assert response.status_code == 200
    assert response.json() == {"saved": True, "position": 42.4}
    assert (
        WatchProgress.objects.get(user=learner, lesson=lesson).position_seconds == 42.4
    )


def test_a_position_posted_as_json_is_saved(
    member: Client, learner: User, lesson: Lesson
) -> None:
    response = member.post(
        progress_url(lesson), json.dumps({"position": 12}), "application/json"
    )

    assert response.status_code == 200
    assert WatchProgress.objects.get(user=learner, lesson=lesson).position_seconds == 12


def test_a_later_position_replaces_the_earlier_one(
    member: Client, learner: User, lesson: Lesson
) -> None:
    member.post(progress_url(lesson), {"position": "10"})
    member.post(progress_url(lesson), {"position": "20"})

    assert list(
        WatchProgress.objects.filter(user=learner).values_list(
            "position_seconds", flat=True
        )
    ) == [20]


def test_reopening_the_lesson_resumes_at_the_saved_position(
    member: Client, lesson: Lesson
) -> None:
    member.post(progress_url(lesson), {"position": "33.3"})

    html = member.get(reverse("catalog:lesson", args=[lesson.course.slug, 1])).content

    assert b'data-resume="33.3"' in html


def test_a_position_a_moment_past_the_end_counts_as_the_end(
    member: Client, learner: User, lesson: Lesson
) -> None:
    response = member.post(progress_url(lesson), {"position": "60.4"})

    assert response.status_code == 200
    assert WatchProgress.objects.get(user=learner).position_seconds == 60


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ("", "Send the position as a number of seconds."),
        ("soon", "Send the position as a number of seconds."),
        ("-1", "The position must be a number of seconds between 0 and 60."),
        ("75", "The position must be a number of seconds between 0 and 60."),
        ("nan", "The position must be a number of seconds between 0 and 60."),
        ("inf", "The position must be a number of seconds between 0 and 60."),
    ],
)
def test_a_bad_position_is_refused_with_a_message(
    member: Client, lesson: Lesson, position: str, message: str
) -> None:
    response = member.post(progress_url(lesson), {"position": position})

    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not WatchProgress.objects.exists()


@pytest.mark.parametrize(
    "body", ["{", "[1, 2]", '{"position": true}', '{"position": null}', '"12"']
)
def test_bad_json_is_refused_with_a_message(
    member: Client, lesson: Lesson, body: str
) -> None:
    response = member.post(progress_url(lesson), body, "application/json")

    assert response.status_code == 400
    assert "error" in response.json()


def test_the_message_follows_the_language_of_the_page(
    member: Client, lesson: Lesson
) -> None:
    response = member.post(
        progress_url(lesson), {"position": "soon"}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.json() == {
        "error": "Envoyez la position sous forme d’un nombre de secondes."
    }


def test_a_lesson_whose_video_is_not_ready_keeps_no_position(
    member: Client,
) -> None:
    lesson = LessonFactory(video=VideoFactory(status=Video.Status.PENDING))

    response = member.post(progress_url(lesson), {"position": "1"})

    assert response.status_code == 400
    assert not WatchProgress.objects.exists()


def test_a_guest_cannot_save_a_position(client: Client, lesson: Lesson) -> None:
    response = client.post(progress_url(lesson), {"position": "5"})

    assert response.status_code == 403
    assert "error" in response.json()
    assert not WatchProgress.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(
    learner: User, lesson: Lesson
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.post(progress_url(lesson), {"position": "5"})

    assert response.status_code == 403
    assert not WatchProgress.objects.exists()


def test_reading_the_progress_address_is_not_allowed(
    member: Client, lesson: Lesson
) -> None:
    assert member.get(progress_url(lesson)).status_code == 405


def test_an_unknown_lesson_is_not_found(member: Client, lesson: Lesson) -> None:
    url = reverse("catalog:lesson_progress", args=[lesson.course.slug, 7])

    assert member.post(url, {"position": "5"}).status_code == 404
