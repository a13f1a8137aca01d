"""Who may fetch the files of a course's video: published courses only."""

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.tests.factories import CourseFactory, LessonFactory
from iioe.media.tests.factories import ready_video

pytestmark = pytest.mark.django_db


def fetch_rendition(client: Client, video_id: int) -> int:
    url = reverse("media:rendition", args=[video_id, 240])
    return client.get(url, HTTP_RANGE="bytes=0-9").status_code


def test_a_learner_gets_the_video_of_a_published_course(client: Client) -> None:
    video = ready_video(heights=(240,))
    LessonFactory(course=CourseFactory(is_published=True), video=video)
    client.force_login(UserFactory(password=None))

    assert fetch_rendition(client, video.pk) == 206


def test_a_learner_cannot_fetch_the_video_of_an_unpublished_course(
    client: Client,
) -> None:
    video = ready_video(heights=(240,))
    LessonFactory(course=CourseFactory(is_published=False), video=video)
    client.force_login(UserFactory(password=None))

    assert fetch_rendition(client, video.pk) == 404


def test_staff_preview_the_video_of_an_unpublished_course(client: Client) -> None:
    video = ready_video(heights=(240,))
    LessonFactory(course=CourseFactory(is_published=False), video=video)
    client.force_login(UserFactory(password=None, is_staff=True))

    assert fetch_rendition(client, video.pk) == 206
