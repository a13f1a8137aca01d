"""The lesson player in a real Chromium: its controls, keys and the place."""

from typing import Any

import pytest
from django.urls import reverse

from iioe.catalog.models import Lesson, WatchProgress
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

STATE = (
    "{t: v.currentTime, paused: v.paused, rate: v.playbackRate,"
    " captions: Array.from(v.textTracks).filter((t) => t.mode === 'showing')"
    ".map((t) => t.language),"
    " fullScreen: document.fullscreenElement === v.closest('[data-player]')}"
)


def test_every_control_is_labelled_and_reached_with_the_tab_key(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    page = learner.page

    play = page.get_by_role("button", name="Play")
    full_screen = page.get_by_role("button", name="Full screen")
    controls = [
        play,
        page.get_by_label("Resolution"),
        page.get_by_label("Captions"),
        page.get_by_label("Playback speed"),
        full_screen,
        page.get_by_text("Keyboard shortcuts"),
    ]
    play.focus()
    reached = []
    for _control in controls:
        reached.append(page.evaluate("document.activeElement.outerHTML"))
        page.keyboard.press("Tab")

    for control, html in zip(controls, reached, strict=True):
        assert control.evaluate("(element) => element.outerHTML") == html

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("document.fullscreenElement !== null")
    page.get_by_role("button", name="Exit full screen").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_function("document.fullscreenElement === null")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_keys_play_seek_switch_captions_speed_and_full_screen(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    page = learner.page

    page.keyboard.press("k")
    learner.wait_video("!v.paused && v.currentTime > 0.5")
    page.keyboard.press(" ")
    learner.wait_video("v.paused")
    # The button follows the video's pause event, which comes a moment later.
    page.get_by_role("button", name="Play").wait_for()
    start = learner.video("v.currentTime")

    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert learner.video("v.currentTime") == pytest.approx(start + 5, abs=0.1)

    page.keyboard.press(">")
    page.keyboard.press(">")
    page.keyboard.press("<")
    state = learner.video(STATE)
    assert state["rate"] == 1.25
    assert page.get_by_label("Playback speed").input_value() == "1.25"
    assert "1.25×" in page.locator("[data-player-status]").inner_text()

    page.keyboard.press("c")
    assert learner.video(STATE)["captions"] == []
    assert page.locator("[data-player-status]").inner_text() == "Captions off"
    page.keyboard.press("c")
    assert learner.video(STATE)["captions"] == ["en"]
    assert page.get_by_label("Captions").input_value() == "en"

    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement !== null")
    assert learner.video(STATE)["fullScreen"]
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")

    page.keyboard.press("Space")
    learner.wait_video("!v.paused")


def test_keys_typed_into_a_form_field_are_left_to_it(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    page = learner.page
    before = learner.video(STATE)

    search = page.get_by_role("searchbox", name="Search courses")
    search.click()
    page.keyboard.type("k f c > ")
    page.keyboard.press("ArrowLeft")
    speed = page.get_by_label("Playback speed")
    speed.focus()
    page.keyboard.press("ArrowDown")

    assert search.input_value() == "k f c > "
    after = learner.video(STATE)
    assert after["paused"] and not after["fullScreen"]
    assert after["captions"] == before["captions"]
    # The select moved to its next option, as it does for everyone.
    assert speed.input_value() == "1.25"


def test_the_next_lesson_is_offered_and_focused_at_the_end(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    offered = learner.page.locator("[data-player-next] a")
    assert offered.inner_text() == "Next lesson: Second cartoon"
    assert not offered.is_visible()

    learner.play()
    learner.video("v.currentTime = v.duration - 1.5")
    learner.wait_video("v.ended")

    offered.wait_for()
    assert offered.evaluate("(link) => link === document.activeElement")
    learner.page.keyboard.press("Enter")
    learner.page.wait_for_url("**/lessons/2")


def test_the_place_is_saved_on_pause_and_the_lesson_resumes_there(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    learner.play()
    learner.video("v.currentTime = 24.2")
    learner.wait_video("v.currentTime > 24.5")

    learner.page.get_by_role("button", name="Pause").click()
    learner.page.wait_for_function(
        "performance.getEntriesByType('resource')"
        ".some((e) => e.name.endsWith('/progress'))"
    )
    learner.page.wait_for_timeout(300)
    saved = WatchProgress.objects.get(lesson=player_lesson).position_seconds
    assert 24.2 <= saved < 27

    learner.open(player_lesson)
    assert learner.video("v.currentTime") == 0
    learner.page.get_by_role("button", name="Play").click()
    learner.wait_video("!v.paused && v.currentTime > 0")
    assert abs(learner.video("v.currentTime") - saved) < 1.5


def test_the_place_is_saved_when_the_learner_leaves_while_playing(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    learner.play()
    learner.video("v.currentTime = 13")
    learner.wait_video("v.currentTime > 13.5")

    learner.page.goto(learner.live_url + reverse("catalog:my_iioe"))

    learner.page.wait_for_timeout(500)
    saved = WatchProgress.objects.get(lesson=player_lesson).position_seconds
    assert 13.5 <= saved < 17
    history = learner.page.goto(
        learner.live_url + reverse("catalog:my_iioe") + "?tab=history"
    )
    assert "First cartoon" in history.text()


def test_opening_a_lesson_and_leaving_at_once_keeps_the_saved_place(
    learner_page: Any, player_lesson: Lesson
) -> None:
    learner: LearnerPage = learner_page()
    learner.open(player_lesson)
    learner.play()
    learner.video("v.currentTime = 30")
    learner.wait_video("v.currentTime > 30.5")
    learner.page.get_by_role("button", name="Pause").click()
    learner.page.wait_for_timeout(500)
    saved = WatchProgress.objects.get(lesson=player_lesson).position_seconds

    learner.open(player_lesson)
    learner.page.goto(learner.live_url + reverse("catalog:my_iioe"))
    learner.page.wait_for_timeout(500)

    assert WatchProgress.objects.get(lesson=player_lesson).position_seconds == saved
