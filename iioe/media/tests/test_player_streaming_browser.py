"""The player streams what the learner chose, as the network shows.

Each test reads the requests Chromium made (page.on("request")) to check that
the player fetched the playlist and segments, or the file, of the choice.
"""

import re
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat

from iioe.catalog.models import Lesson
from iioe.media.tests.player_browser import (
    LearnerPage,
    learner_page_fixture,
    player_lesson_fixture,
    speaking_clip_fixture,
    storage_apart_fixture,
)

__all__ = [
    "learner_page_fixture",
    "player_lesson_fixture",
    "speaking_clip_fixture",
    "storage_apart_fixture",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW_LINK = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 1_000_000 / 8,
    "uploadThroughput": 1_000_000 / 8,
}


TRACK_MODES = "Array.from(v.textTracks).map((t) => t.language + t.mode)"


def segments(rung: str) -> str:
    return rf"/hls/\d+/{rung}/seg-\d+\.m4s$"


def playlist(rung: str) -> str:
    return rf"/hls/\d+/{rung}/index\.m3u8$"


def segment_number(path: str) -> int:
    return int(path.rsplit("-", 1)[1].split(".")[0])


def test_auto_streams_hls_and_a_chosen_resolution_is_fetched_at_the_same_place(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    assert learner.page.locator("[data-player]").get_attribute("data-engine") == "hls"
    assert learner.network.matching(r"/hls/\d+/master\.m3u8$", since_mark=False)
    # Nothing but the master playlist before the learner asks to play.
    assert not learner.network.matching(r"\.m4s$", since_mark=False)

    learner.play()
    learner.page.get_by_label("Playback speed").select_option(label="1.5×")
    learner.video("v.currentTime = 20")
    learner.wait_video("v.currentTime > 20.5")
    learner.network.mark()
    learner.page.get_by_label("Resolution").select_option(label="240p")

    learner.wait_video("v.videoHeight === 240 && !v.paused && v.currentTime > 21")
    after = learner.network.after_first(segments("240p"))
    assert not [path for path in after if re.search(segments("360p"), path)]
    assert learner.video("v.playbackRate") == 1.5

    learner.network.mark()
    learner.page.get_by_label("Resolution").select_option(label="360p")

    learner.wait_video("v.videoHeight === 360 && !v.paused")
    fetched = learner.network.after_first(segments("360p"))
    assert not [path for path in fetched if re.search(segments("240p"), path)]
    assert learner.network.matching(playlist("360p"), since_mark=False)
    # The first 360p segment fetched is the one at the place reached (2 s each).
    assert segment_number(fetched[0]) >= 10
    assert learner.video("v.currentTime") > 20
    assert learner.page.evaluate("document.documentElement.scrollWidth") <= 360


def test_audio_only_fetches_the_audio_rendition_and_keeps_the_place(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    learner.play()
    learner.video("v.currentTime = 12")
    learner.wait_video("v.currentTime > 12.5")
    learner.network.mark()

    learner.page.get_by_label("Resolution").select_option(label="Audio only")

    learner.wait_video("!v.paused && v.currentTime > 13 && v.videoWidth === 0")
    assert learner.network.matching(playlist("audio"))
    after = learner.network.after_first(segments("audio"))
    assert not [path for path in after if re.search(segments(r"\d+p"), path)]
    assert "Audio only" in learner.page.locator("[data-player-status]").inner_text()

    learner.network.mark()
    learner.page.get_by_label("Resolution").select_option(label="Auto")

    learner.wait_video("!v.paused && v.videoHeight > 0 && v.currentTime > 13")
    assert learner.network.matching(r"/hls/\d+/master\.m3u8$")
    assert learner.network.matching(segments(r"\d+p"))


def test_captions_are_fetched_and_shown_in_the_chosen_language(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    learner.play()
    captions = learner.page.get_by_label("Captions")
    assert [o.strip() for o in captions.locator("option").all_inner_texts()] == [
        "Off",
        "English",
        "French",
    ]

    learner.network.mark()
    captions.select_option(label="French")

    learner.video("v.currentTime = 1")
    learner.wait_video(
        "Array.from(v.textTracks).find((t) => t.language === 'fr')"
        ".activeCues?.[0]?.text === 'Bonjour, apprenants.'"
    )
    assert learner.video(TRACK_MODES) == ["endisabled", "frshowing"]
    assert learner.network.matching(r"/captions/fr\.vtt$")

    captions.select_option(label="English")
    learner.wait_video(
        "Array.from(v.textTracks).find((t) => t.language === 'en').cues?.length > 0"
    )
    assert learner.video(TRACK_MODES) == ["enshowing", "frdisabled"]
    assert learner.network.matching(r"/captions/en\.vtt$", since_mark=False)

    captions.select_option(label="Off")
    assert learner.video(TRACK_MODES) == ["endisabled", "frdisabled"]


def test_the_player_falls_back_to_mp4_files_when_streaming_fails(
    learner_page: Any, player_lesson: Lesson
) -> None:
    video = player_lesson.video
    assert video is not None
    # Gone from storage: the player's request for it will fail. (Intercepting
    # requests in Playwright instead would stop Chromium seeking in files.)
    default_storage.delete(video.hls_master_name)
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    learner.page.get_by_role("button", name="Play").click()
    learner.wait_video("!v.paused && v.currentTime > 1")
    assert learner.page.locator("[data-player]").get_attribute("data-engine") == "file"
    assert learner.video("v.currentSrc").endswith("/360p.mp4")
    learner.video("v.currentTime = 30")
    learner.wait_video("v.currentTime > 30.5")
    learner.network.mark()

    learner.page.get_by_label("Resolution").select_option(label="240p")

    learner.wait_video("v.videoHeight === 240 && !v.paused && v.currentTime > 30")
    assert learner.network.matching(r"/videos/\d+/240p\.mp4$")
    learner.page.get_by_label("Resolution").select_option(label="Audio only")
    learner.wait_video("v.videoWidth === 0 && !v.paused && v.currentTime > 30")
    assert learner.video("v.currentSrc").endswith("/audio.m4a")


def test_with_data_saver_the_player_shows_sizes_and_starts_at_the_lowest_rung(
    learner_page: Any, player_lesson: Lesson
) -> None:
    video = player_lesson.video
    assert video is not None
    sizes = {r.height: filesizeformat(r.size_bytes) for r in video.renditions.all()}
    learner: LearnerPage = learner_page(data_saver=True)

    learner.open(player_lesson)

    menu = learner.page.get_by_label("Resolution")
    labels = [o.strip() for o in menu.locator("option").all_inner_texts()]
    assert labels == [
        f"Auto · ~{sizes[240]}–{sizes[360]}",
        f"360p · ~{sizes[360]}",
        f"240p · ~{sizes[240]}",
        f"Audio only · ~{filesizeformat(video.audio_size_bytes)}",
    ]
    assert menu.input_value() == "240"
    assert "Data saver is on" in learner.page.locator("[data-player]").inner_text()

    learner.play()
    learner.video("v.currentTime = 10")
    learner.page.wait_for_timeout(3000)

    assert learner.video("v.videoHeight") == 240
    assert learner.network.matching(segments("240p"), since_mark=False)
    assert not learner.network.matching(segments("360p"), since_mark=False)


def test_a_learner_on_a_slow_link_sees_the_first_frame_within_3_seconds(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    cdp = learner.page.context.new_cdp_session(learner.page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    learner.open(player_lesson)
    assert learner.page.get_by_label("Resolution").input_value() == "auto"
    learner.page.evaluate(
        """() => {
          const v = document.querySelector('video');
          const play = document.querySelector('[data-control=play]');
          play.addEventListener('click', () => {
            window.playAt = performance.now();
          }, { capture: true });
          v.requestVideoFrameCallback(() => {
            window.frameAt = performance.now();
          });
        }"""
    )
    learner.network.mark()

    learner.page.get_by_role("button", name="Play").click()

    learner.page.wait_for_function("window.frameAt !== undefined", timeout=20_000)
    seconds = learner.page.evaluate("(window.frameAt - window.playAt) / 1000")
    assert seconds < 3, f"first frame after {seconds:.2f} s"
    first_segment = learner.network.matching(r"\.m4s$")[0]
    assert "/240p/" in first_segment


def test_without_media_source_extensions_the_browser_plays_the_playlists(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    # As on an iPhone before iOS 17.1: HLS in the browser, no MSE for hls.js.
    learner.page.add_init_script(
        "delete window.MediaSource; delete window.ManagedMediaSource;"
    )
    learner.open(player_lesson)
    assert learner.page.locator("[data-player]").get_attribute("data-engine") == (
        "native"
    )
    assert not learner.network.matching(r"hls\.light\.min\.js", since_mark=False)

    learner.play()
    learner.video("v.currentTime = 20")
    learner.wait_video("v.currentTime > 20.5")
    learner.network.mark()
    learner.page.get_by_label("Resolution").select_option(label="240p")

    learner.wait_video("!v.paused && v.currentTime > 20 && v.videoHeight === 240")
    assert learner.video("v.currentSrc").endswith("/240p/index.m3u8")
    assert learner.network.matching(segments("240p"))
