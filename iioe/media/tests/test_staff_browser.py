"""The staff page follows a conversion in a real Chromium, without reloading."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Lesson
from iioe.catalog.tests.factories import LessonFactory
from iioe.media.models import Video
from iioe.media.tests.factories import VideoFactory

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def staff_page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A staff member's 360 px wide Chromium page."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(UserFactory(password=None, is_staff=True))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        yield context.new_page()
        browser.close()


@pytest.fixture
def converting() -> Lesson:
    video = VideoFactory(status=Video.Status.PROCESSING, progress=10)
    return LessonFactory(title="Cloud basics", video=video)


def test_progress_moves_then_a_failure_offers_retry(
    live_server: Any, staff_page: Any, converting: Lesson
) -> None:
    url = reverse(
        "media:staff_lesson_video", args=[converting.course_id, converting.pk]
    )
    staff_page.goto(live_server.url + url)
    assert staff_page.locator("progress").get_attribute("value") == "10"

    Video.objects.filter(pk=converting.video_id).update(progress=55)
    staff_page.wait_for_function("document.querySelector('progress').value === 55")
    assert "55 % done" in staff_page.locator("[data-progress-text]").inner_text()

    Video.objects.filter(pk=converting.video_id).update(
        status=Video.Status.FAILED,
        failure_kind=Video.Failure.TIMEOUT,
        failure_reason="ffmpeg took longer than 700 s.",
    )
    retry = staff_page.get_by_role("button", name="Retry")
    retry.wait_for()
    assert "Converting the video took too long." in staff_page.content()
    assert staff_page.locator("progress").count() == 0

    retry.focus()
    with staff_page.expect_navigation():
        staff_page.keyboard.press("Enter")
    assert "The video is being converted again." in staff_page.content()
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= 360
