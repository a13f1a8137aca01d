"""Caption tracks: WebVTT only, one per language, replaced in place."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from iioe.media import selectors, services
from iioe.media.models import CaptionTrack
from iioe.media.tests.factories import VideoFactory, ready_video

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nBonjour\r\n"


def stored_text(track: CaptionTrack) -> str:
    with track.file.open("rb") as handle:
        return handle.read().decode()


def test_a_track_is_stored_as_clean_utf8_webvtt() -> None:
    video = VideoFactory()

    track = services.caption_track_set(
        video=video, language="fr", content=b"\xef\xbb\xbf" + VTT
    )

    assert stored_text(track) == "WEBVTT\n\n00:01.000 --> 00:02.000\nBonjour\n"


@pytest.mark.parametrize(
    "content",
    [
        b"1\n00:00:01,000 --> 00:00:02,000\nAn SRT file\n",
        b"WEBVTTX\n",
        "WEBVTT\n\n00:01.000 --> 00:02.000\nd\xe9j\xe0\n".encode("latin-1"),
        b"WEBVTT\n" + b"a" * 3_000_000,
    ],
)
def test_anything_but_webvtt_is_refused(content: bytes) -> None:
    video = VideoFactory()

    with pytest.raises(ValidationError):
        services.caption_track_set(video=video, language="en", content=content)
    assert not CaptionTrack.objects.exists()


def test_setting_the_same_captions_again_changes_nothing() -> None:
    video = VideoFactory()
    first = services.caption_track_set(video=video, language="fr", content=VTT)

    again = services.caption_track_set(video=video, language="fr", content=VTT)

    assert (again.pk, again.file.name) == (first.pk, first.file.name)
    assert CaptionTrack.objects.count() == 1


def test_new_captions_replace_the_old_ones_of_their_language(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    video = VideoFactory()
    old = services.caption_track_set(video=video, language="fr", content=VTT)
    old_name = old.file.name

    with django_capture_on_commit_callbacks(execute=True):
        new = services.caption_track_set(
            video=video, language="fr", content=VTT.replace(b"Bonjour", b"Salut")
        )

    assert new.pk == old.pk
    assert "Salut" in stored_text(new)
    assert not new.file.storage.exists(old_name)


def test_captions_are_labelled_in_the_language_of_the_page() -> None:
    video = ready_video(captions=("en", "fr"))

    with translation.override("fr"):
        playback = selectors.video_playback(video=video)

    assert [(c.language, c.label) for c in playback.captions] == [
        ("en", "Anglais"),
        ("fr", "Français"),
    ]


def test_captions_in_the_language_of_the_page_are_on_by_default() -> None:
    video = ready_video(captions=("en", "fr"), has_audio=True)

    with translation.override("fr"):
        playback = selectors.video_playback(video=video)

    assert [c.language for c in playback.captions if c.is_default] == ["fr"]


def test_a_silent_video_shows_its_first_captions_by_default() -> None:
    video = ready_video(captions=("en",), has_audio=False)

    with translation.override("zh-hans"):
        playback = selectors.video_playback(video=video)

    assert [c.language for c in playback.captions if c.is_default] == ["en"]


def test_a_video_with_sound_starts_without_foreign_captions() -> None:
    video = ready_video(captions=("en",), has_audio=True)

    with translation.override("zh-hans"):
        playback = selectors.video_playback(video=video)

    assert not any(c.is_default for c in playback.captions)
