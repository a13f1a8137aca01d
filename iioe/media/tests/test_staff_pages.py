"""The staff pages that upload a lesson’s video and captions."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Lesson
from iioe.catalog.tests.factories import LessonFactory
from iioe.media import uploads
from iioe.media.models import CaptionTrack, Video
from iioe.media.tests.factories import VideoFactory, ready_video
from iioe.media.tests.fixtures import RABBIT, EncodeSpy

pytestmark = pytest.mark.django_db

CAPTIONS = Path(__file__).parent / "captions"


@pytest.fixture
def staff_user() -> User:
    return UserFactory(password=None, is_staff=True)


@pytest.fixture
def staff(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


@pytest.fixture
def learner(client: Client) -> Client:
    client.force_login(UserFactory(password=None))
    return client


@pytest.fixture
def lesson() -> Lesson:
    return LessonFactory(title="Cloud basics")


def page_url(lesson: Lesson) -> str:
    return reverse("media:staff_lesson_video", args=[lesson.course_id, lesson.pk])


def upload_url(lesson: Lesson) -> str:
    return reverse(
        "media:staff_lesson_video_upload", args=[lesson.course_id, lesson.pk]
    )


def caption_url(lesson: Lesson) -> str:
    return reverse(
        "media:staff_lesson_caption_upload", args=[lesson.course_id, lesson.pk]
    )


def video_file(content: bytes, name: str = "lesson.mp4") -> SimpleUploadedFile:
    # A browser may claim anything; the server looks at the content.
    return SimpleUploadedFile(name, content, content_type="video/mp4")


def test_a_guest_is_sent_to_log_in_and_a_learner_is_refused(
    client: Client, lesson: Lesson
) -> None:
    response = client.get(page_url(lesson))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))

    client.force_login(UserFactory(password=None))
    response = client.get(page_url(lesson))
    assert response.status_code == 403
    assert "Staff only" in response.content.decode()


@pytest.mark.parametrize("who", ["guest", "learner"])
def test_only_the_staff_may_upload_retry_or_ask_the_status(
    client: Client, lesson: Lesson, who: str
) -> None:
    if who == "learner":
        client.force_login(UserFactory(password=None))
    video = VideoFactory(status=Video.Status.FAILED)

    responses = [
        client.post(upload_url(lesson), {"file": video_file(RABBIT.read_bytes())}),
        client.post(
            caption_url(lesson),
            {"language": "en", "file": SimpleUploadedFile("a.vtt", b"WEBVTT\n")},
        ),
        client.post(reverse("media:staff_video_retry", args=[video.pk])),
        client.get(
            reverse("media:staff_video_status", args=[video.pk]),
            HTTP_ACCEPT="application/json",
        ),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert Video.objects.count() == 1
    assert Video.objects.get().status == Video.Status.FAILED
    assert not CaptionTrack.objects.exists()


def test_the_staff_page_offers_the_upload_forms(staff: Client, lesson: Lesson) -> None:
    html = staff.get(page_url(lesson)).content.decode()

    assert "This lesson has no video yet." in html
    assert 'enctype="multipart/form-data"' in html
    assert "MP4, MOV, WebM or MKV, up to 2.0\xa0GB" in html
    assert "Upload the lesson’s video before its captions." in html


def test_a_first_upload_becomes_the_lessons_video_and_is_converted(
    staff: Client,
    lesson: Lesson,
    transcode_cache: EncodeSpy,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            upload_url(lesson),
            {"file": video_file(RABBIT.read_bytes(), name="../Week 1: intro?.mp4")},
        )

    assert response.status_code == 302
    lesson.refresh_from_db()
    video = lesson.video
    assert video is not None
    assert video.status == Video.Status.READY
    assert video.source.name.startswith("videos/source/Week_1_intro")
    html = staff.get(response["Location"]).content.decode()
    assert "The video is uploaded and is being converted." in html
    assert "Ready" in html


def test_an_upload_streams_to_a_temporary_file(
    staff: Client,
    lesson: Lesson,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    seen: list[type] = []
    real_new_file = uploads.VideoUploadHandler.new_file

    def new_file(handler: uploads.VideoUploadHandler, *args: object) -> None:
        real_new_file(handler, *args)
        seen.append(type(handler.file))

    monkeypatch.setattr(uploads.VideoUploadHandler, "new_file", new_file)
    with django_capture_on_commit_callbacks():
        staff.post(upload_url(lesson), {"file": video_file(RABBIT.read_bytes())})

    assert [kind.__name__ for kind in seen] == ["TemporaryUploadedFile"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Week 1: read chapter one.\n" * 100, "not a video that the platform can"),
        (b"", "The submitted file is empty."),
        (RABBIT.read_bytes()[:5000] + b"\x00" * 5000, "This video file is damaged"),
    ],
    ids=["renamed text", "empty", "corrupt"],
)
def test_a_file_that_is_not_a_video_is_refused_next_to_the_field(
    staff: Client, lesson: Lesson, content: bytes, message: str
) -> None:
    response = staff.post(upload_url(lesson), {"file": video_file(content)})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Video.objects.exists()
    lesson.refresh_from_db()
    assert lesson.video is None


def test_an_upload_over_the_limit_is_refused_without_being_stored(
    staff: Client, lesson: Lesson, settings: Settings
) -> None:
    settings.VIDEO_UPLOAD_MAX_BYTES = 100_000

    response = staff.post(upload_url(lesson), {"file": video_file(RABBIT.read_bytes())})

    assert response.status_code == 400
    assert "larger than the limit of 97.7\xa0KB" in response.content.decode()
    assert not Video.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "videos").exists()


def test_the_refusal_is_in_the_language_of_the_page(
    staff: Client, lesson: Lesson
) -> None:
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = staff.post(upload_url(lesson), {"file": video_file(b"hello" * 100)})

    assert "MP4, MOV, WebM ou MKV" in response.content.decode()


def test_a_new_upload_waits_beside_the_video_learners_see(
    staff: Client,
    lesson: Lesson,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    current = ready_video()
    Lesson.objects.filter(pk=lesson.pk).update(video=current)

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post(
            upload_url(lesson), {"file": video_file(RABBIT.read_bytes())}
        )

    assert len(callbacks) == 1
    lesson.refresh_from_db()
    assert lesson.video == current
    waiting = Video.objects.get(replaces=current)
    html = staff.get(response["Location"]).content.decode()
    assert "Learners see the current one until it is ready." in html
    assert "New upload" in html
    assert reverse("media:staff_video_status", args=[waiting.pk]) in html


def test_the_status_answers_the_progress_as_json(
    staff: Client, staff_user: User
) -> None:
    video = VideoFactory(status=Video.Status.PROCESSING, progress=42)

    response = staff.get(
        reverse("media:staff_video_status", args=[video.pk]),
        HTTP_ACCEPT="application/json",
    )

    data = json.loads(response.content)
    assert (data["status"], data["progress"], data["active"]) == (
        "processing",
        42,
        True,
    )
    assert 'value="42"' in data["html"]
    assert "42 % done" in data["html"]
    assert response["Cache-Control"] == "no-store"


def test_a_failure_shows_its_reason_and_a_retry_button(staff: Client) -> None:
    video = VideoFactory(
        status=Video.Status.FAILED,
        failure_kind=Video.Failure.DAMAGED,
        failure_reason="ffmpeg failed: Invalid data",
    )

    data = staff.get(reverse("media:staff_video_status", args=[video.pk])).json()

    assert "The video is damaged: its pictures cannot be decoded." in data["html"]
    assert "ffmpeg failed: Invalid data" in data["html"]
    assert reverse("media:staff_video_retry", args=[video.pk]) in data["html"]
    assert data["active"] is False


def test_retry_queues_a_failed_video_and_returns(
    staff: Client,
    lesson: Lesson,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    video = VideoFactory(status=Video.Status.FAILED, failure_kind="unreadable")

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post(
            reverse("media:staff_video_retry", args=[video.pk]),
            {"next": page_url(lesson)},
        )

    assert response.status_code == 302
    assert response["Location"] == page_url(lesson)
    assert len(callbacks) == 1
    video.refresh_from_db()
    assert (video.status, video.failure_kind) == (Video.Status.PENDING, "")


def test_retry_returns_only_to_this_site(staff: Client) -> None:
    video = VideoFactory(status=Video.Status.READY)

    response = staff.post(
        reverse("media:staff_video_retry", args=[video.pk]),
        {"next": "https://elsewhere.example/"},
    )

    assert response["Location"] == reverse("catalog:staff_course_list")
    video.refresh_from_db()
    assert video.status == Video.Status.READY


def test_captions_in_gb18030_are_stored_as_utf8_webvtt(
    staff: Client, lesson: Lesson
) -> None:
    Lesson.objects.filter(pk=lesson.pk).update(video=ready_video(captions=()))
    content = (CAPTIONS / "zh-cn.gb18030.crlf.vtt").read_bytes()

    response = staff.post(
        caption_url(lesson),
        {
            "language": "zh-hans",
            "label": "",
            "file": SimpleUploadedFile("zh.vtt", content),
        },
    )

    assert response.status_code == 302
    track = CaptionTrack.objects.get(language="zh-hans")
    with track.file.open("rb") as handle:
        stored = handle.read().decode("utf-8")
    assert "我们一直坚信每个人都应该有机会获得高等教育" in stored
    html = staff.get(response["Location"]).content.decode()
    assert "The captions in Simplified Chinese (简体中文) are saved." in html


def test_malformed_captions_are_refused_with_their_line(
    staff: Client, lesson: Lesson
) -> None:
    Lesson.objects.filter(pk=lesson.pk).update(video=ready_video(captions=()))
    content = b"1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n\r\n2\r\n00:00:09,000\r\n"

    response = staff.post(
        caption_url(lesson),
        {"language": "en", "file": SimpleUploadedFile("en.srt", content)},
    )

    assert response.status_code == 400
    assert "Line 6: expected a timing line" in response.content.decode()
    assert 'value="en" selected' in response.content.decode()
    assert not CaptionTrack.objects.exists()


def test_captions_need_a_video(staff: Client, lesson: Lesson) -> None:
    response = staff.post(
        caption_url(lesson),
        {"language": "en", "file": SimpleUploadedFile("en.vtt", b"WEBVTT\n")},
    )

    assert response.status_code == 400
    assert "Upload the lesson’s video before its captions." in response.content.decode()
    assert not CaptionTrack.objects.exists()


def test_captions_need_a_known_language(staff: Client, lesson: Lesson) -> None:
    Lesson.objects.filter(pk=lesson.pk).update(video=ready_video(captions=()))

    response = staff.post(
        caption_url(lesson),
        {"language": "xx", "file": SimpleUploadedFile("en.vtt", b"WEBVTT\n")},
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_the_staff_may_delete_captions(staff: Client, lesson: Lesson) -> None:
    video = ready_video(captions=("en", "fr"))
    Lesson.objects.filter(pk=lesson.pk).update(video=video)

    response = staff.post(
        reverse(
            "media:staff_lesson_caption_delete",
            args=[lesson.course_id, lesson.pk, "fr"],
        )
    )

    assert response.status_code == 302
    assert list(CaptionTrack.objects.values_list("language", flat=True)) == ["en"]


def test_a_learner_downloads_the_transcript_as_text_and_srt(
    learner: Client, lesson: Lesson
) -> None:
    video = ready_video(captions=())
    video.title = "Cloud basics"
    video.save()
    CaptionTrack.objects.create(
        video=video,
        language="fr",
        file=SimpleUploadedFile("fr.vtt", (CAPTIONS / "fr.vtt").read_bytes()),
    )

    text = learner.get(reverse("media:transcript_text", args=[video.pk, "fr"]))
    srt = learner.get(reverse("media:transcript_srt", args=[video.pk, "fr"]))

    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text["Content-Disposition"] == ('attachment; filename="cloud-basics-fr.txt"')
    assert text.content.decode().startswith("[Musique]\nNarrateur: Vous voulez")
    assert srt["Content-Disposition"].endswith('filename="cloud-basics-fr.srt"')
    assert srt.content.decode().startswith("1\n00:00:00,429 --> 00:00:09,165\n")


def test_a_guest_gets_no_transcript(client: Client) -> None:
    video = ready_video(captions=("en",))

    response = client.get(reverse("media:transcript_text", args=[video.pk, "en"]))

    assert response.status_code == 403


def test_the_lesson_page_links_to_the_transcripts(learner: Client) -> None:
    lesson = LessonFactory(video=ready_video(captions=("en", "fr")))

    html = learner.get(
        reverse("catalog:lesson", args=[lesson.course.slug, lesson.position])
    ).content.decode()

    for language in ("en", "fr"):
        assert (
            reverse("media:transcript_text", args=[lesson.video_id, language]) in html
        )
        assert reverse("media:transcript_srt", args=[lesson.video_id, language]) in html
