"""The lesson player in a real Chromium: its controls and saving the place."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Lesson, WatchProgress
from iioe.catalog.tests.factories import LessonFactory
from iioe.media import services
from iioe.media.tests.fixtures import RABBIT, EncodeSpy

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def lesson(transcode_cache: EncodeSpy) -> Lesson:
    """A lesson with the real, transcoded Big Buck Bunny clip."""
    video, _created = services.video_get_or_create_from_path(title="Bunny", path=RABBIT)
    services.caption_track_set(
        video=video,
        language="en",
        content=RABBIT.with_name("subtitles_en.vtt").read_bytes(),
    )
    return LessonFactory(title="Bunny lesson", video=video)


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A logged-in learner's 360 px wide Chromium page."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(UserFactory(password=None))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required"],
        )
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


def open_lesson(page: Any, live_server: Any, lesson: Lesson) -> None:
    url = reverse("catalog:lesson", args=[lesson.course.slug, lesson.position])
    page.goto(live_server.url + url)
    page.wait_for_selector("[data-player-controls]:not([hidden])")
    page.wait_for_function("document.querySelector('video').readyState >= 1")


def video(page: Any, expression: str) -> Any:
    return page.evaluate(
        f"(() => {{ const v = document.querySelector('video'); "
        f"return {expression}; }})()"
    )


def test_captions_speed_and_resolution_work_from_labelled_controls(
    live_server: Any, page: Any, lesson: Lesson
) -> None:
    open_lesson(page, live_server, lesson)

    page.get_by_label("Captions").select_option(label="English")
    assert video(page, "v.textTracks[0].mode") == "showing"
    page.get_by_label("Captions").select_option(label="Off")
    assert video(page, "v.textTracks[0].mode") == "disabled"

    page.get_by_label("Playback speed").select_option(label="1.5×")
    assert video(page, "v.playbackRate") == 1.5

    video(page, "(v.currentTime = 5, v.play())")
    page.wait_for_function("!document.querySelector('video').paused")
    page.get_by_label("Resolution").select_option(label="144p")
    page.wait_for_function(
        "(() => { const v = document.querySelector('video');"
        " return v.currentSrc.endsWith('/144p.mp4') && v.readyState >= 1"
        " && !v.paused; })()"
    )
    assert video(page, "v.currentTime") >= 5
    assert video(page, "v.playbackRate") == 1.5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_place_is_saved_on_pause_and_the_lesson_resumes_there(
    live_server: Any, page: Any, lesson: Lesson
) -> None:
    open_lesson(page, live_server, lesson)

    video(page, "(v.currentTime = 4.2, v.pause(), v.play())")
    page.wait_for_function("!document.querySelector('video').paused")
    video(page, "v.pause()")
    page.wait_for_function(
        "performance.getEntriesByType('resource')"
        ".some((e) => e.name.endsWith('/progress'))"
    )
    page.wait_for_timeout(300)
    saved = WatchProgress.objects.get(lesson=lesson).position_seconds
    assert 4.2 <= saved < 7.8

    open_lesson(page, live_server, lesson)
    assert abs(video(page, "v.currentTime") - saved) < 0.5


def test_the_place_is_saved_when_the_learner_leaves_while_playing(
    live_server: Any, page: Any, lesson: Lesson
) -> None:
    open_lesson(page, live_server, lesson)
    video(page, "(v.currentTime = 3, v.play())")
    page.wait_for_function("document.querySelector('video').currentTime > 3.5")

    page.goto(live_server.url + reverse("catalog:my_iioe"))

    page.wait_for_timeout(500)
    saved = WatchProgress.objects.get(lesson=lesson).position_seconds
    assert 3.5 <= saved < 7.8
    assert (
        "Bunny lesson"
        in page.goto(
            live_server.url + reverse("catalog:my_iioe") + "?tab=history"
        ).text()
    )
