"""What the player's browser tests share: a lesson, a learner's page, a log.

The lesson plays a real video made by the real ladder from a one-minute
Popeye excerpt given a tone for sound, so that it has two rungs (240p and
360p), an audio-only rendition and captions in English and French. Import
the `*_fixture` functions into a test module to use the fixtures.
"""

import re
import subprocess  # noqa: S404 - ffmpeg with fixed arguments
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Lesson
from iioe.catalog.tests.factories import CourseFactory, LessonFactory
from iioe.media import services
from iioe.media.models import Video
from iioe.media.tests.fixtures import POPEYE_1, EncodeSpy

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
FRENCH_CAPTIONS = b"WEBVTT\n\n00:00.000 --> 00:05.000\nBonjour, apprenants.\n"


@dataclass
class NetworkLog:
    """The paths a page asked for, in order, with a mark to read from."""

    paths: list[str] = field(default_factory=list)
    start: int = 0

    def mark(self) -> None:
        self.start = len(self.paths)

    def since_mark(self) -> list[str]:
        return self.paths[self.start :]

    def matching(self, pattern: str, *, since_mark: bool = True) -> list[str]:
        paths = self.since_mark() if since_mark else self.paths
        return [path for path in paths if re.search(pattern, path)]

    def after_first(self, pattern: str) -> list[str]:
        """Return the paths asked for since the first match after the mark.

        Requests already on their way when the learner chose may still go
        out; what counts is that none of the old kind follows the new.
        """
        paths = self.since_mark()
        index = next(
            (i for i, path in enumerate(paths) if re.search(pattern, path)), None
        )
        assert index is not None, f"nothing matching {pattern} in {paths}"
        return paths[index:]


@dataclass
class LearnerPage:
    page: Any
    network: NetworkLog
    live_url: str

    def open(self, lesson: Lesson) -> None:
        """Open a lesson and wait until its player can start at once."""
        url = reverse("catalog:lesson", args=[lesson.course.slug, lesson.position])
        self.page.goto(self.live_url + url)
        self.page.wait_for_selector("[data-player][data-state=ready]")

    def video(self, expression: str) -> Any:
        """Evaluate an expression about the video element `v`."""
        return self.page.evaluate(
            f"(() => {{ const v = document.querySelector('video'); "
            f"return {expression}; }})()"
        )

    def wait_video(self, condition: str, timeout: float = 15_000) -> None:
        self.page.wait_for_function(
            f"(() => {{ const v = document.querySelector('video'); "
            f"return {condition}; }})()",
            timeout=timeout,
        )

    def play(self) -> None:
        self.page.get_by_role("button", name="Play").click()
        self.wait_video("!v.paused && v.currentTime > 0")


@pytest.fixture(name="storage_apart")
def storage_apart_fixture(settings: Settings, tmp_path: Path) -> None:
    """Keep stored files out of MEDIA_ROOT, which the live server publishes.

    Django's live server serves MEDIA_ROOT at MEDIA_URL, "/media/", the very
    prefix of the media views, so a file stored at the path of its own view's
    address would be sent without the views' checks and byte ranges.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "stored")},
        },
    }


@pytest.fixture(name="speaking_clip", scope="session")
def speaking_clip_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The silent Popeye excerpt with a quiet tone added as its sound."""
    target = tmp_path_factory.mktemp("clips") / "popeye_with_sound.mp4"
    subprocess.run(  # noqa: S603
        [
            settings.FFMPEG_BINARY,
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(POPEYE_1),
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:sample_rate=44100",
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-shortest",
            str(target),
        ],
        check=True,
        timeout=120,
    )
    return target


@pytest.fixture(name="player_lesson")
def player_lesson_fixture(
    speaking_clip: Path, transcode_cache: EncodeSpy, storage_apart: None
) -> Lesson:
    """The first of two lessons of a course; it has the speaking clip."""
    video, _created = services.video_get_or_create_from_path(
        title="Popeye", path=speaking_clip
    )
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_reason
    services.caption_track_set(
        video=video,
        language="en",
        content=POPEYE_1.with_name("popeye_excerpt1.en.vtt").read_bytes(),
    )
    services.caption_track_set(video=video, language="fr", content=FRENCH_CAPTIONS)
    course = CourseFactory(title="Cartoons and learning")
    LessonFactory(course=course, position=2, title="Second cartoon", video=None)
    return LessonFactory(course=course, position=1, title="First cartoon", video=video)


@pytest.fixture(name="learner_page")
def learner_page_fixture(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, storage_apart: None
) -> Iterator[Callable[..., LearnerPage]]:
    """Make a logged-in learner's 360 px wide Chromium page, with a log."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required"],
        )

        def make(*, data_saver: bool = False) -> LearnerPage:
            client = Client()
            client.force_login(UserFactory(password=None, data_saver=data_saver))
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
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
            page = context.new_page()
            network = NetworkLog()
            prefix = len(live_server.url)
            page.on(
                "request", lambda request: network.paths.append(request.url[prefix:])
            )
            return LearnerPage(page=page, network=network, live_url=live_server.url)

        yield make
        browser.close()
