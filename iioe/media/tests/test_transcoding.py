"""Processing videos with the real ffprobe and ffmpeg."""

import json
import random
import re
import subprocess  # noqa: S404
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.media import ffmpeg, ladder, selectors, services
from iioe.media.models import Video
from iioe.media.tests.factories import VideoFactory
from iioe.media.tests.fixtures import POPEYE_1, POPEYE_2, RABBIT, EncodeSpy

pytestmark = pytest.mark.django_db

Process = Callable[[Path], Video]
ATTRIBUTE = re.compile(r'([A-Z-]+)=("[^"]*"|[^,]*)')


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


@pytest.fixture
def staff() -> User:
    return UserFactory(password=None, is_staff=True)


@pytest.fixture
def member() -> Client:
    client = Client()
    client.force_login(UserFactory(password=None))
    return client


def ffprobe_json(path: str, entries: str) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603
        [settings.FFPROBE_BINARY, "-v", "error", "-show_entries", entries]
        + ["-of", "json", path],
        capture_output=True,
        check=True,
    ).stdout
    return json.loads(output)  # type: ignore[no-any-return]


def stream_kinds(path: str) -> list[str]:
    """Return codec type, codec and pixel format of each stream of a file."""
    streams = ffprobe_json(path, "stream=codec_type,codec_name,pix_fmt")["streams"]
    return sorted(
        f"{s['codec_type']}:{s['codec_name']}:{s.get('pix_fmt', '')}" for s in streams
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


def stored_files() -> dict[str, int]:
    """Return every file under MEDIA_ROOT with its size."""
    root = Path(settings.MEDIA_ROOT)
    return {
        path.relative_to(root).as_posix(): path.stat().st_size
        for path in root.rglob("*")
        if path.is_file()
    }


def master_entries(video: Video) -> list[tuple[dict[str, str], str]]:
    """Return the attributes and address of each entry of a master playlist."""
    lines = default_storage.open(video.hls_master_name).read().decode().splitlines()
    assert lines[0] == "#EXTM3U"
    entries = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            pairs = ATTRIBUTE.findall(line.split(":", 1)[1])
            attributes = {name: value.strip('"') for name, value in pairs}
            entries.append((attributes, lines[index + 1]))
    return entries


def garbled(path: Path) -> bytes:
    """Return a video's bytes with its pictures overwritten by noise."""
    data = bytearray(path.read_bytes())
    noise = random.Random(1)  # noqa: S311
    start = data.find(b"mdat") + 200
    for index in range(start, len(data)):
        data[index] = noise.randrange(256)
    return bytes(data)


def test_the_ladder_never_goes_above_the_source_height() -> None:
    assert ladder.ladder_for(1080) == [240, 360, 720]
    assert ladder.ladder_for(720) == [240, 360, 720]
    assert ladder.ladder_for(719) == [240, 360]
    assert ladder.ladder_for(478) == [240, 360]
    assert ladder.ladder_for(240) == [240]


def test_a_source_lower_than_the_lowest_rung_gets_one_rung_of_its_height() -> None:
    assert ladder.ladder_for(200) == [200]
    assert ladder.ladder_for(101) == [100]


def test_probe_reads_duration_size_and_sound_of_a_clip() -> None:
    info = ffmpeg.probe(RABBIT)

    assert (info.width, info.height, info.has_audio) == (320, 240, True)
    assert info.duration_seconds == pytest.approx(7.8, abs=0.1)
    assert "mp4" in info.formats


def test_probe_gives_the_frame_of_a_rotated_video_as_shown(tmp_path: Path) -> None:
    plain, rotated = tmp_path / "plain.mp4", tmp_path / "phone.mp4"
    subprocess.run(  # noqa: S603
        [settings.FFMPEG_BINARY, "-v", "error", "-f", "lavfi", "-i"]
        + ["testsrc=size=320x176:rate=10:duration=1", "-c:v", "libx264"]
        + ["-preset", "ultrafast", str(plain)],
        check=True,
    )
    # A phone films sideways and says so in the file, as this copy does.
    subprocess.run(  # noqa: S603
        [settings.FFMPEG_BINARY, "-v", "error", "-i", str(plain), "-c", "copy"]
        + ["-metadata:s:v:0", "rotate=90", str(rotated)],
        check=True,
    )

    info = ffmpeg.probe(rotated)

    assert (info.width, info.height) == (176, 320)


@pytest.mark.parametrize(
    ("size", "height"),
    [("640x478", 240), ("640x478", 360), ("854x480", 240), ("1000x562", 360)]
    + [("720x1280", 720), ("426x240", 240), ("1918x1080", 720), ("478x360", 240)],
)
def test_the_width_of_a_rung_is_the_one_ffmpeg_makes(
    tmp_path: Path, size: str, height: int
) -> None:
    scaled = tmp_path / "scaled.mp4"
    subprocess.run(  # noqa: S603
        [settings.FFMPEG_BINARY, "-v", "error", "-f", "lavfi", "-i"]
        + [f"color=size={size}:duration=0.1", "-vf", f"scale=-2:{height}"]
        + ["-c:v", "libx264", "-preset", "ultrafast", str(scaled)],
        check=True,
    )
    width, source_height = (int(n) for n in size.split("x"))
    source = ffmpeg.Probe(
        duration_seconds=1, width=width, height=source_height, has_audio=False
    )

    assert ladder.rung_width(source, height) == ffmpeg.probe(scaled).width


def test_progress_blocks_give_the_share_done() -> None:
    assert ffmpeg.progress_share({"out_time_us": "15000000"}, 60) == 0.25
    assert ffmpeg.progress_share({"out_time_us": "N/A"}, 60) is None
    assert ffmpeg.progress_share({"out_time_us": "90000000"}, 60) == 1.0
    assert ffmpeg.progress_share({"progress": "end"}, 60) == 1.0


def test_the_clips_pass_the_upload_check() -> None:
    for clip in (RABBIT, POPEYE_1):
        assert ffmpeg.check_upload(clip).height in (240, 478)


def test_a_renamed_text_file_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "lecture.mp4"
    text.write_text("Week 1: introduction to the course.\n" * 50)

    with pytest.raises(ffmpeg.FFmpegError) as refusal:
        ffmpeg.check_upload(text)

    assert refusal.value.kind == ffmpeg.Failure.UNREADABLE


def test_a_video_whose_pictures_are_noise_is_damaged(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(garbled(RABBIT))

    with pytest.raises(ffmpeg.FFmpegError) as refusal:
        ffmpeg.check_upload(broken)

    assert refusal.value.kind == ffmpeg.Failure.DAMAGED


def test_a_picture_in_another_container_is_refused(tmp_path: Path) -> None:
    picture = tmp_path / "slide.mp4"
    subprocess.run(  # noqa: S603
        [settings.FFMPEG_BINARY, "-v", "error", "-f", "lavfi", "-i"]
        + ["testsrc=size=64x48:duration=0.1", "-frames:v", "1", "-f", "image2"]
        + [str(picture)],
        check=True,
    )

    with pytest.raises(ffmpeg.FFmpegError):
        ffmpeg.check_upload(picture)


def test_a_clip_with_sound_gets_its_rung_an_audio_rendition_and_a_poster(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(RABBIT)

    assert video.status == Video.Status.READY
    assert (video.progress, video.failure_reason) == (100, "")
    assert video.duration_seconds == pytest.approx(7.8, abs=0.1)
    assert (video.width, video.height, video.has_audio) == (320, 240, True)
    renditions = list(video.renditions.all())
    assert [(r.width, r.height) for r in renditions] == [(320, 240)]
    assert stream_kinds(renditions[0].file.path) == ["audio:aac:", "video:h264:yuv420p"]
    assert renditions[0].size_bytes == Path(renditions[0].file.path).stat().st_size
    assert stream_kinds(video.audio.path) == ["audio:aac:"]
    assert video.audio_size_bytes == Path(video.audio.path).stat().st_size
    with video.poster.open("rb") as poster:
        assert poster.read(3) == b"\xff\xd8\xff"


def test_the_master_playlist_lists_each_rung_then_audio_only(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(RABBIT)

    entries = master_entries(video)

    assert [address for _attributes, address in entries] == [
        "240p/index.m3u8",
        "audio/index.m3u8",
    ]
    rung, audio = entries[0][0], entries[1][0]
    assert rung["RESOLUTION"] == "320x240"
    assert re.fullmatch(r"avc1\.[0-9a-f]{6},mp4a\.40\.2", rung["CODECS"])
    assert int(rung["AVERAGE-BANDWIDTH"]) <= int(rung["BANDWIDTH"]) < 1_000_000
    assert "RESOLUTION" not in audio
    assert audio["CODECS"] == "mp4a.40.2"
    assert int(audio["BANDWIDTH"]) < int(rung["BANDWIDTH"])


def test_a_silent_clip_gets_two_rungs_without_upscaling_nor_audio(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(POPEYE_1)

    renditions = list(video.renditions.all())
    assert [r.height for r in renditions] == [240, 360]
    assert all(r.width % 2 == 0 for r in renditions)
    assert stream_kinds(renditions[1].file.path) == ["video:h264:yuv420p"]
    boxes = top_level_boxes(renditions[1].file.path)
    assert boxes.index("moov") < boxes.index("mdat"), "index not at the front"
    assert ffmpeg.probe(Path(renditions[1].file.path)).duration_seconds == (
        pytest.approx(60, abs=0.5)
    )
    assert video.has_audio is False
    assert not video.audio
    assert [address for _a, address in master_entries(video)] == [
        "240p/index.m3u8",
        "360p/index.m3u8",
    ]


def test_the_hls_files_play_as_one_valid_stream(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(POPEYE_1)
    master = default_storage.path(video.hls_master_name)

    probed = ffprobe_json(master, "format=duration:stream=codec_name,width,height")

    assert probed["format"]["duration"].startswith(("59.", "60."))
    assert sorted((s["width"], s["height"]) for s in probed["streams"]) == [
        (322, 240),
        (482, 360),
    ]
    playlist = Path(master).parent / "360p" / "index.m3u8"
    durations = [
        float(line.split(":")[1].rstrip(","))
        for line in playlist.read_text().splitlines()
        if line.startswith("#EXTINF:")
    ]
    assert len(durations) == 30
    assert all(d == pytest.approx(ladder.SEGMENT_SECONDS, abs=0.05) for d in durations)


def test_playback_points_the_player_at_the_hls_and_audio_files(
    transcode_cache: EncodeSpy, process: Process, member: Client
) -> None:
    video = process(RABBIT)

    playback = selectors.video_playback(video=video)

    assert playback.hls_url.endswith(f"/hls/{video.output_key}/master.m3u8")
    assert playback.rungs[0].playlist_url.endswith("/240p/index.m3u8")
    assert playback.audio is not None
    assert playback.audio.file_url == reverse("media:audio", args=[video.pk])
    master = member.get(playback.hls_url)
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    segment = member.get(playback.rungs[0].playlist_url.replace("index.m3u8", ""))
    assert segment.status_code == 404
    assert member.get(playback.audio.playlist_url).status_code == 200


def test_progress_is_stored_on_the_video_while_it_converts(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.VIDEO_X264_PRESET = "ultrafast"
    monkeypatch.setattr(services, "PROGRESS_EVERY_SECONDS", 0)
    seen: list[tuple[str, int]] = []
    real_encode = ladder.encode_ladder

    def watched(source: Path, target: Path, **kwargs: Any) -> ladder.Ladder:
        record = kwargs.pop("on_progress")

        def on_progress(share: float) -> None:
            record(share)
            seen.append(tuple(Video.objects.values_list("status", "progress").get()))

        return real_encode(source, target, on_progress=on_progress, **kwargs)

    monkeypatch.setattr(ladder, "encode_ladder", watched)
    with django_capture_on_commit_callbacks(execute=True):
        video, _created = services.video_get_or_create_from_path(
            title="Popeye", path=POPEYE_2
        )

    percents = [percent for _status, percent in seen]
    assert {status for status, _percent in seen} == {Video.Status.PROCESSING}
    assert len(set(percents)) >= 3
    assert percents == sorted(percents)
    assert 0 < max(percents) <= services.ENCODING_SHARE
    video.refresh_from_db()
    assert (video.status, video.progress) == (Video.Status.READY, 100)


def test_a_file_that_is_not_a_video_fails_with_a_readable_reason(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        video = services.video_create(
            title="Broken",
            source=ContentFile(b"\x00garbage" * 500, name="broken.mp4"),
        )

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_kind == Video.Failure.UNREADABLE
    assert video.get_failure_kind_display() == "The file could not be read as a video."
    assert "ffprobe failed" in video.failure_reason
    assert settings.MEDIA_ROOT.as_posix() not in video.failure_reason
    assert not video.renditions.exists()


def test_a_failed_video_is_retried_and_becomes_ready(
    transcode_cache: EncodeSpy,
    staff: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        video = services.video_create(
            title="Broken", source=ContentFile(b"not yet", name="lesson.mp4")
        )
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    # The worker's disk had a hiccup; the file is whole again.
    with default_storage.open(video.source.name, "wb") as source:
        source.write(RABBIT.read_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        assert services.video_retry(video=video, actor=staff) is True

    video.refresh_from_db()
    assert (video.status, video.failure_kind, video.failure_reason) == (
        Video.Status.READY,
        "",
        "",
    )
    assert services.video_retry(video=video, actor=staff) is False


def test_a_missing_source_fails_with_a_reason() -> None:
    video = VideoFactory()
    video.source.storage.delete(video.source.name)

    services.video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_kind == Video.Failure.MISSING_SOURCE


def test_a_missing_ffmpeg_fails_with_a_reason(settings: Settings) -> None:
    settings.FFPROBE_BINARY = "/nonexistent/ffprobe"
    video = VideoFactory()

    services.video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_kind == Video.Failure.NO_TOOL
    assert video.failure_reason == "/nonexistent/ffprobe is not installed."


def test_processing_again_changes_nothing_and_encodes_nothing(
    transcode_cache: EncodeSpy, process: Process
) -> None:
    video = process(RABBIT)
    before = stored_files()
    transcode_cache.requested.clear()

    services.video_process(video_id=video.pk)
    enqueued = services.video_request_processing(video=video)

    assert (transcode_cache.requested, enqueued) == ([], False)
    assert stored_files() == before


def test_remaking_a_lost_file_rewrites_the_same_files_in_place(
    transcode_cache: EncodeSpy,
    process: Process,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    video = process(RABBIT)
    before = stored_files()
    default_storage.delete(video.hls_master_name)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.video_request_processing(video=video) is True

    assert stored_files() == before
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.renditions.count() == 1


def test_a_new_upload_plays_only_once_ready_and_then_replaces_the_old_files(
    transcode_cache: EncodeSpy,
    process: Process,
    staff: User,
    member: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = process(RABBIT)
    old_playback = selectors.video_playback(video=old)
    old_files = {r.file.name for r in old.renditions.all()} | {old.hls_master_name}
    during: list[int] = []
    cached_encode = ladder.encode_ladder

    def encode_while_learners_watch(*args: Any, **kwargs: Any) -> ladder.Ladder:
        # Midway, learners still get the old video, whole.
        old.refresh_from_db()
        during.append(member.get(old_playback.hls_url).status_code)
        during.append(member.get(old_playback.rungs[0].file_url).status_code)
        assert old.status == Video.Status.READY
        assert selectors.video_playback(video=old) == old_playback
        return cached_encode(*args, **kwargs)

    monkeypatch.setattr(ladder, "encode_ladder", encode_while_learners_watch)
    upload = ContentFile(POPEYE_1.read_bytes(), name="new lesson.mp4")
    upload.size = POPEYE_1.stat().st_size
    with django_capture_on_commit_callbacks(execute=True):
        new = services.video_upload(
            title="Lesson", upload=upload, replacing=old, actor=staff
        )

    assert during == [200, 200]
    old.refresh_from_db()
    assert not Video.objects.filter(pk=new.pk).exists()
    assert (old.status, old.height, old.output_key) == (
        Video.Status.READY,
        478,
        new.pk,
    )
    assert [r.height for r in old.renditions.all()] == [240, 360]
    assert old.source.name.endswith("new_lesson.mp4")
    assert not any(default_storage.exists(name) for name in old_files)
    assert not (
        Path(settings.MEDIA_ROOT) / "videos" / str(old_playback.video_id)
    ).exists()
    assert member.get(old_playback.hls_url).status_code == 404
    assert member.get(selectors.video_playback(video=old).hls_url).status_code == 200


def test_a_failed_new_upload_leaves_the_old_video_playing(
    transcode_cache: EncodeSpy,
    process: Process,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    old = process(RABBIT)
    before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        new = services.video_create(
            title="Bad", source=ContentFile(b"nonsense", name="x.mp4"), replaces=old
        )

    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == Video.Status.FAILED
    assert old.status == Video.Status.READY
    assert {k: v for k, v in stored_files().items() if k in before} == before


def test_a_newer_upload_drops_the_one_still_waiting(
    process: Process,
    transcode_cache: EncodeSpy,
    staff: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    old = process(RABBIT)
    first = VideoFactory(replaces=old)

    upload = ContentFile(RABBIT.read_bytes(), name="again.mp4")
    upload.size = RABBIT.stat().st_size
    with django_capture_on_commit_callbacks(execute=True):
        services.video_upload(title="x", upload=upload, replacing=old, actor=staff)

    assert not Video.objects.filter(pk=first.pk).exists()
    assert not default_storage.exists(first.source.name)
    assert list(Video.objects.values_list("pk", flat=True)) == [old.pk]


def test_transcoding_is_enqueued_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        video = VideoFactory()
        services.video_request_processing(video=video)
        assert Video.objects.get(pk=video.pk).status == Video.Status.PENDING

    assert len(callbacks) == 1


def test_the_uploaded_name_is_made_safe() -> None:
    assert services.source_name("../../etc/pass wd?.mp4") == "pass_wd.mp4"
    assert services.source_name("C:\\Users\\me\\课程 1.MOV") == "课程_1.MOV"
    assert services.source_name("...") == "video"
    assert len(services.source_name("a" * 300 + ".mkv")) <= 90


def test_an_upload_is_probed_once_on_arrival_not_again_by_the_worker(
    transcode_cache: EncodeSpy,
    staff: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    probed: list[str] = []
    real_probe = ffmpeg.probe

    def counting_probe(path: Path) -> ffmpeg.Probe:
        probed.append(path.name)
        return real_probe(path)

    monkeypatch.setattr(ffmpeg, "probe", counting_probe)
    upload = ContentFile(RABBIT.read_bytes(), name="rabbit.mp4")
    with django_capture_on_commit_callbacks(execute=True):
        video = services.video_upload(
            title="Bunny", upload=upload, replacing=None, actor=staff
        )

    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert len(probed) == 1
