"""A new learner's first visit in a real Chromium, from sign-up to My IIOE.

The learner switches the site to French, signs up with the code mailed to
them through a real SMTP server, finds a demo course by searching, plays its
first lesson with English captions at 1.5x in the lowest resolution, adds the
course to the study plan and finds it in My IIOE.
"""

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from iioe.accounts.tests.smtp import Inbox, code_in
from iioe.catalog.models import Course, StudyPlanEntry
from iioe.media.tests.fixtures import EncodeSpy

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
COURSE_TITLE = "Introduction to Data Science & Machine Learning"
EMAIL = "kwame.mensah@example.edu.gh"
PASSWORD = "Harmattan2026wind"


@pytest.fixture
def demo_content(transcode_cache: EncodeSpy) -> Course:
    """The bundled catalog and lessons, transcoded by the real ffmpeg."""
    call_command("load_demo", stdout=io.StringIO())
    return Course.objects.get(title=COURSE_TITLE)


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Chromium page of a desktop browser that prefers English."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required"],
        )
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def sign_up_in_french(page: Any, base_url: str, smtp_inbox: Inbox) -> None:
    page.goto(f"{base_url}/register")
    page.get_by_role("button", name="Français").click()
    page.wait_for_selector("html[lang=fr]")

    page.get_by_label("Prénom").fill("Kwame")
    page.get_by_label("Nom", exact=True).fill("Mensah")
    page.get_by_label("Date de naissance").fill("1979-11-02")
    page.get_by_label("Identité").select_option("teacher")
    page.get_by_label("Homme").check()
    page.get_by_label("Pays/région").select_option("GH")
    page.get_by_role("button", name="Suivant").click()

    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_role("button", name="Envoyer le code de vérification").click()
    page.wait_for_selector("#code-status:has-text('Nous avons envoyé')")
    message = smtp_inbox.last_to(EMAIL)
    assert "code" in str(message["Subject"]).lower()

    page.get_by_label("Code de vérification").fill(code_in(message))
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.locator("#id_consent").check()
    page.get_by_role("button", name="S’inscrire").click()
    page.wait_for_url(re.compile(r"/my-iioe"))


def play_first_lesson(page: Any) -> dict[str, Any]:
    """Choose captions, speed and resolution, play, and report the state."""
    page.get_by_role("link", name="REGARDER LA VIDÉO").click()
    page.wait_for_selector("[data-player-controls]:not([hidden])")

    page.get_by_label("Sous-titres", exact=True).select_option("en")
    page.get_by_label("Vitesse de lecture").select_option("1.5")
    resolution = page.get_by_label("Résolution")
    heights = resolution.locator("option[data-height]").evaluate_all(
        "options => options.map(o => Number(o.dataset.height))"
    )
    assert len(heights) >= 2
    lowest = min(heights)
    resolution.select_option(label=f"{lowest}p")

    page.evaluate("document.querySelector('[data-player] video').play()")
    page.wait_for_function(
        "document.querySelector('[data-player] video').currentTime > 1.5"
    )
    state: dict[str, Any] = page.evaluate(
        """() => {
          const video = document.querySelector('[data-player] video');
          const showing = Array.from(video.textTracks)
            .filter(track => track.mode === 'showing')
            .map(track => track.language);
          return {
            rate: video.playbackRate,
            fetched: performance.getEntriesByType('resource')
              .map(entry => new URL(entry.name).pathname),
            showing: showing,
            height: video.videoHeight,
          };
        }"""
    )
    state["lowest"] = lowest
    return state


def test_a_new_learner_signs_up_in_french_watches_and_plans_a_course(
    live_server: Any, browser_page: Any, smtp_inbox: Inbox, demo_content: Course
) -> None:
    page = browser_page
    sign_up_in_french(page, live_server.url, smtp_inbox)

    page.get_by_label("Rechercher des cours").fill("Data Science & Machine")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/courses\?"))
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    page.wait_for_url(re.compile(rf"/courses/{demo_content.slug}$"))

    state = play_first_lesson(page)
    assert state["rate"] == 1.5
    assert state["showing"] == ["en"]
    lowest_files = re.compile(rf"/{state['lowest']}p(/seg-\d+\.m4s|\.mp4)$")
    assert any(lowest_files.search(path) for path in state["fetched"])
    assert state["height"] == state["lowest"]

    page.get_by_role("link", name=COURSE_TITLE).first.click()
    page.get_by_role("button", name="AJOUTER AU PLAN D’ÉTUDES").click()
    page.wait_for_selector("text=RETIRER DU PLAN D’ÉTUDES")
    page.get_by_role("link", name="Mon IIOE").click()
    page.get_by_role("link", name=re.compile(r"Plan d’études \(1\)")).click()
    assert COURSE_TITLE in page.inner_text("main")
    assert StudyPlanEntry.objects.filter(
        user__email=EMAIL, course=demo_content
    ).exists()
