"""Processing videos with the real ffprobe and ffmpeg."""

import json
import subprocess  # noqa: S404
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from iioe.media import ffmpeg, services
from iioe.media.models import Video
from iioe.media.tests.factories import VideoFactory
from iioe.media.tests.fixtures import POPEYE_1, RABBIT, EncodeSpy

pytestmark = pytest.mark.django_db

Process = Callable[[Path], Video]


@pytest.fixture
def process(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Process:
    """Return a function that loads a clip and runs the tasks it enqueues."""

    def load(path: Path) -> Video:
        with django_capture_on_commit_callbacks(execute=True):
            video, _created = services.video_get_or_create_from_path(
                title=path.stem, path=path
            )
        video.refresh_from_db()
        return video

    return load


def stream_kinds(path: str) -> list[str]:
    """Return codec type, codec and pixel format of each stream of a file."""
    output = subprocess.run(  # noqa: S603
        [
            settings.FFPROBE_BINARY,
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,pix_fmt",
            "-of",
            "json",
            path,
        ],
        capture_output=True,
        check=True,
    ).stdout
    return sorted(
        f"{s['codec_type']}:{s['codec_name']}:{s.get('pix_fmt', '')}"
        for s in json.loads(output)["streams"]
    )


def top_level_boxes(path: str) -> list[str]:
    """Return the types of an MP4 file's top-level boxes, in order."""
    boxes = []
    with open(path, "rb") as handle:
        while header := handle.read(8):
            size, kind = int.from_bytes(header[:4], "big"), header[4:].decode()
            if size == 1:
                size = int.from_bytes(handle.read(8), "big") - 8
            boxes.append(kind)
            handle.seek(size - 8, 1)
    return boxes


def test_ladder_never_goes_above_the_source_height() -> None:
    assert ffmpeg.ladder_for(1080) == [240, 360, 480, 720, 1080]
    assert ffmpeg.ladder_for(478) == [240, 360]
    assert ffmpeg.ladder_for(720) == [240, 360, 480, 720]


def test_ladder_of_a_small_source_still_offers_a_choice() -> None:
    assert ffmpeg.ladder_for(240) == [144, 240]
    assert ffmpeg.ladder_for(200) == [144, 200]
    assert ffmpeg.ladder_for(101) == [100]


def test_probe_reads_duration_size_and_sound_of_a_clip() -> None:
    info = ffmpeg.probe(RABBIT)

    assert (info.width, info.height, info.has_audio) == (320, 240, True)
    assert info.duration_seconds == pytest.approx(7.8, abs=0.1)


def test_processing_the_small_clip_makes_two_renditions_without_upscaling(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(RABBIT)

    renditions = list(video.renditions.all())
    assert video.status == Video.Status.READY
    assert video.failure_reason == ""
    assert [(r.width, r.height) for r in renditions] == [(192, 144), (320, 240)]
    assert all(r.size_bytes == Path(r.file.path).stat().st_size for r in renditions)
    assert stream_kinds(renditions[0].file.path) == [
        "audio:aac:",
        "video:h264:yuv420p",
    ]


def test_processing_records_duration_size_and_a_poster(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(RABBIT)

    assert video.duration_seconds == pytest.approx(7.8, abs=0.1)
    assert (video.width, video.height, video.has_audio) == (320, 240, True)
    assert video.processed_at is not None
    with video.poster.open("rb") as poster:
        assert poster.read(3) == b"\xff\xd8\xff"


def test_processing_a_silent_clip_makes_video_only_renditions_of_even_width(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(POPEYE_1)

    renditions = list(video.renditions.all())
    assert [r.height for r in renditions] == [240, 360]
    assert all(r.width % 2 == 0 for r in renditions)
    assert stream_kinds(renditions[1].file.path) == ["video:h264:yuv420p"]
    boxes = top_level_boxes(renditions[1].file.path)
    assert boxes.index("moov") < boxes.index("mdat"), "index not at the front"
    info = ffmpeg.probe(Path(renditions[1].file.path))
    assert info.duration_seconds == pytest.approx(60, abs=0.5)
    assert video.has_audio is False


def test_processing_again_keeps_the_renditions_and_encodes_nothing(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(RABBIT)
    names = [r.file.name for r in video.renditions.all()]
    transcode_cache.requested.clear()

    services.video_process(video_id=video.pk)
    enqueued = services.video_request_processing(video=video)

    assert transcode_cache.requested == []
    assert enqueued is False
    assert [r.file.name for r in video.renditions.all()] == names


def test_processing_remakes_only_a_rendition_whose_file_was_lost(
    transcode_cache: EncodeSpy,
    process: Process,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    video = process(RABBIT)
    lost = video.renditions.get(height=144)
    lost.file.storage.delete(lost.file.name)
    transcode_cache.requested.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.video_request_processing(video=video) is True

    assert transcode_cache.requested == [144]
    assert video.renditions.count() == 2
    assert lost.file.storage.exists(lost.file.name)


def test_loading_the_same_file_twice_reuses_the_video(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    first = process(RABBIT)
    again, created = services.video_get_or_create_from_path(title="x", path=RABBIT)

    assert (again.pk, created) == (first.pk, False)
    assert Video.objects.count() == 1


def test_a_corrupt_file_fails_with_a_reason(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        video = services.video_create(
            title="Broken",
            source=ContentFile(b"\x00garbage" * 500, name="broken.mp4"),
        )

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert "ffprobe failed" in video.failure_reason
    assert "/" not in video.failure_reason.split(":", 1)[1].split()[0]
    assert not video.renditions.exists()


def test_a_missing_source_fails_with_a_reason() -> None:
    video = VideoFactory()
    video.source.storage.delete(video.source.name)

    services.video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason == "The source file is missing from storage."


def test_a_missing_ffmpeg_fails_with_a_reason(settings: Settings) -> None:
    settings.FFPROBE_BINARY = "/nonexistent/ffprobe"
    video = VideoFactory()

    services.video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_reason == "/nonexistent/ffprobe is not installed."


def test_transcoding_is_enqueued_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        video = VideoFactory()
        services.video_request_processing(video=video)
        assert Video.objects.get(pk=video.pk).status == Video.Status.PENDING

    assert len(callbacks) == 1
