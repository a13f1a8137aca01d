"""The lesson page: who may open it, what it shows, and its player."""

import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Course, Lesson, WatchProgress
from iioe.catalog.tests.factories import CourseFactory, LessonFactory
from iioe.media.models import Video
from iioe.media.tests.factories import VideoFactory, ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner() -> User:
    # No password: the learner logs in with force_login, and hashing is slow.
    return UserFactory(first_name="Amina", password=None)


@pytest.fixture
def member(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client


@pytest.fixture
def course() -> Course:
    course = CourseFactory(title="Introduction to Data Science")
    LessonFactory(course=course, position=1, title="Why data", video=ready_video())
    LessonFactory(course=course, position=2, title="Cleaning data", video=ready_video())
    LessonFactory(course=course, position=3, title="Models", video=None)
    return course


def lesson_url(course: Course, position: int) -> str:
    return reverse("catalog:lesson", args=[course.slug, position])


def test_a_guest_is_sent_to_log_in_and_back(client: Client, course: Course) -> None:
    url = lesson_url(course, 1)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_the_page_shows_the_lesson_its_course_and_the_next_lesson(
    member: Client, course: Course
) -> None:
    response = member.get(lesson_url(course, 1))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Why data</h1>" in html
    assert f'href="{reverse("catalog:course_detail", args=[course.slug])}"' in html
    assert re.search(
        rf'href="{lesson_url(course, 1)}" aria-current="page">Why data<', html
    )
    assert f'href="{lesson_url(course, 2)}">Cleaning data<' in html
    assert re.search(rf'rel="next" href="{lesson_url(course, 2)}"', html)
    assert 'rel="prev"' not in html


def select_options(html: str, select_id: str) -> list[str]:
    """Return the opening tags of the options of one select of a page."""
    match = re.search(rf'<select id="{select_id}".*?</select>', html, re.DOTALL)
    assert match, select_id
    return re.findall(r"<option [^>]*>[^<]*", match.group(0))


def test_the_player_offers_captions_speeds_and_resolutions(
    member: Client, course: Course
) -> None:
    video = Lesson.objects.get(course=course, position=1).video
    assert video is not None

    html = member.get(lesson_url(course, 1)).content.decode()

    caption_url = reverse("media:caption", args=[video.pk, "en"])
    assert (
        f'<track kind="captions" srclang="en" label="English" src="{caption_url}"'
        in html
    )
    speeds = [
        re.search(r'value="([^"]*)"', option).group(1)  # type: ignore[union-attr]
        for option in select_options(html, "player-speed")
    ]
    assert speeds == ["0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"]
    resolutions = select_options(html, "player-resolution")
    url_360 = reverse("media:rendition", args=[video.pk, 360])
    url_240 = reverse("media:rendition", args=[video.pk, 240])
    assert resolutions[0] == f'<option value="auto" data-file="{url_360}" selected>Auto'
    assert resolutions[1].startswith('<option value="360" data-height="360"')
    assert f'data-file="{url_360}"' in resolutions[1]
    assert resolutions[1].endswith(">360p")
    assert f'data-file="{url_240}"' in resolutions[2]
    assert resolutions[2].endswith(">240p")
    assert f'<source src="{url_360}" type="video/mp4">' in html
    assert re.search(r'<script src="[^"]*media/player\.js" defer>', html)
    # hls.js is fetched by the player only where the browser needs it.
    assert re.search(r'data-hls-script="[^"]*/hls\.light\.min\.js"', html)
    assert 'hls.light.min.js"' not in html.split("data-hls-script")[0]
    assert re.search(r'name="csrfmiddlewaretoken" value="\w+"', html)
    for label in ("Captions", "Playback speed", "Resolution"):
        assert f">{label}</label>" in html
    for button in ("Play", "Full screen"):
        assert re.search(rf'<button type="button"[^>]*>{button}</button>', html)
    assert "<summary>Keyboard shortcuts</summary>" in html


def test_the_player_streams_the_master_playlist_and_offers_audio_only(
    member: Client, learner: User
) -> None:
    video = ready_video(has_audio=True)
    lesson = LessonFactory(video=video)
    learner.data_saver = True
    learner.save()

    html = member.get(lesson_url(lesson.course, 1)).content.decode()

    hls = f"/media/videos/{video.pk}/hls/{video.output_key}"
    assert f'data-hls="{hls}/master.m3u8"' in html
    resolutions = select_options(html, "player-resolution")
    assert f'data-playlist="{hls}/240p/index.m3u8"' in resolutions[2]
    assert resolutions[3] == (
        f'<option value="audio" data-file="{reverse("media:audio", args=[video.pk])}"'
        f' data-playlist="{hls}/audio/index.m3u8">Audio only · ~29.3\xa0KB'
    )


def test_with_data_saver_the_player_starts_lowest_and_shows_sizes(
    member: Client, learner: User, course: Course
) -> None:
    learner.data_saver = True
    learner.save()

    html = member.get(lesson_url(course, 1)).content.decode()

    assert 'data-start="lowest"' in html
    resolutions = select_options(html, "player-resolution")
    # The factory's renditions weigh 200,000 bytes each.
    assert resolutions[0].endswith(">Auto · ~195.3\xa0KB")
    assert " selected" not in resolutions[0]
    assert resolutions[1].endswith(">360p · ~195.3\xa0KB")
    assert " selected>240p · ~195.3\xa0KB" in resolutions[2]
    assert "Data saver is on" in html


def test_without_data_saver_the_player_starts_on_auto_without_sizes(
    member: Client, course: Course
) -> None:
    html = member.get(lesson_url(course, 1)).content.decode()

    assert 'data-start="auto"' in html
    assert "KB" not in "".join(select_options(html, "player-resolution"))
    assert "Data saver is on" not in html


def test_sizes_follow_the_number_format_of_the_language(
    member: Client, learner: User, course: Course
) -> None:
    learner.data_saver = True
    learner.save()
    member.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = member.get(lesson_url(course, 1)).content.decode()

    assert " selected>240p · ~195,3\xa0Kio" in "".join(
        select_options(html, "player-resolution")
    )


def test_the_player_offers_the_next_lesson_when_the_video_ends(
    member: Client, course: Course
) -> None:
    html = member.get(lesson_url(course, 1)).content.decode()

    panel = re.search(
        r"<div class=\"player-next\" data-player-next hidden>.*?</div>", html, re.DOTALL
    )
    assert panel
    assert f'href="{lesson_url(course, 2)}">Next lesson: Cleaning data</a>' in (
        panel.group(0)
    )


def test_the_last_lesson_offers_no_next_lesson(member: Client) -> None:
    lesson = LessonFactory(video=ready_video())

    html = member.get(lesson_url(lesson.course, lesson.position)).content.decode()

    assert "data-player-next" in html
    assert "Next lesson" not in html


def test_the_player_speaks_the_language_of_the_page(
    member: Client, course: Course
) -> None:
    member.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = member.get(lesson_url(course, 1)).content.decode()

    assert ">Sous-titres</label>" in html
    assert ">0,5×</option>" in html
    assert 'label="Anglais"' in html


def test_a_video_still_being_prepared_is_announced_and_not_streamed(
    member: Client,
) -> None:
    video = VideoFactory(status=Video.Status.PROCESSING)
    lesson = LessonFactory(video=video)

    html = member.get(lesson_url(lesson.course, 1)).content.decode()

    assert "being prepared" in html
    assert "<video" not in html
    assert video.source.url not in html
    assert "player.js" not in html


def test_a_failed_video_gets_a_friendly_message(member: Client) -> None:
    video = VideoFactory(status=Video.Status.FAILED, failure_reason="ffprobe failed")
    lesson = LessonFactory(video=video)

    response = member.get(lesson_url(lesson.course, 1))

    assert response.status_code == 200
    assert "cannot be played at the moment" in response.content.decode()
    assert "ffprobe" not in response.content.decode()


def test_a_lesson_without_video_says_so(member: Client, course: Course) -> None:
    html = member.get(lesson_url(course, 3)).content.decode()

    assert "This lesson has no video yet." in html
    assert 'rel="prev"' in html
    assert 'rel="next"' not in html


def test_the_page_resumes_where_the_learner_stopped(
    member: Client, learner: User, course: Course
) -> None:
    lesson = Lesson.objects.get(course=course, position=2)
    WatchProgress.objects.create(user=learner, lesson=lesson, position_seconds=42.5)

    html = member.get(lesson_url(course, 2)).content.decode()

    assert 'data-resume="42.5"' in html
    assert '360p.mp4#t=42.5" type="video/mp4">' in html


def test_a_lesson_watched_to_its_end_starts_again(
    member: Client, learner: User, course: Course
) -> None:
    lesson = Lesson.objects.get(course=course, position=2)
    WatchProgress.objects.create(user=learner, lesson=lesson, position_seconds=59.0)

    html = member.get(lesson_url(course, 2)).content.decode()

    assert 'data-resume="0.0"' in html
    assert "#t=" not in html


def test_missing_and_unpublished_lessons_are_not_found(
    member: Client, course: Course
) -> None:
    hidden = LessonFactory(course=CourseFactory(is_published=False))

    assert member.get(lesson_url(course, 9)).status_code == 404
    assert member.get(lesson_url(hidden.course, 1)).status_code == 404


def test_the_page_costs_the_same_queries_for_a_long_course(
    member: Client,
    course: Course,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    member.get(lesson_url(course, 1))
    for position in range(4, 30):
        LessonFactory(course=course, position=position, video=ready_video())

    with django_assert_max_num_queries(7):
        member.get(lesson_url(course, 1))


def test_other_pages_do_not_load_the_player_script(member: Client) -> None:
    html = member.get(reverse("catalog:my_iioe")).content.decode()

    assert "player.js" not in html
