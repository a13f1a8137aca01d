"""Every write to videos, their renditions, posters and caption tracks.

Transcoding is slow, so it never runs on a web request: video_create and
video_request_processing enqueue the `process_video` task after the
transaction commits, and the task calls video_process.
"""

import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from iioe.media import ffmpeg
from iioe.media.models import CaptionTrack, Rendition, Video

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
CAPTION_MAX_BYTES = 2 * 1024 * 1024
WEBVTT_SIGNATURE = re.compile(r"WEBVTT(?:[ \t][^\n]*)?(?:\n|$)")
# Failure reasons are for the secretariat and the logs, so not translated.
UNEXPECTED_FAILURE = "An unexpected error stopped the processing; see the worker log."


def video_create(*, title: str, source: File, source_sha256: str = "") -> Video:
    """Store a new video from its source file and enqueue its transcoding.

    The source is copied into storage under its own name; the transcoding task
    starts once the surrounding transaction has committed.
    """
    video = Video(title=title, source_sha256=source_sha256)
    with transaction.atomic():
        video.source.save(Path(source.name or "video").name, source, save=False)
        video.save()
        _enqueue_processing(video.pk)

    logger.info("Video %s created", video.pk)
    return video


def video_get_or_create_from_path(*, title: str, path: Path) -> tuple[Video, bool]:
    """Return the video made from a local file's content, creating it if none.

    Videos are matched by the SHA-256 of their source, so loading the same
    file again reuses the video and its renditions. Reads the file twice.
    """
    digest = file_sha256(path)
    existing = Video.objects.filter(source_sha256=digest).order_by("pk").first()
    if existing is not None:
        return existing, False

    with path.open("rb") as handle:
        video = video_create(
            title=title, source=File(handle, name=path.name), source_sha256=digest
        )
    return video, True


def video_request_processing(*, video: Video) -> bool:
    """Enqueue the transcoding of a video unless all its outputs exist.

    Return whether a task was enqueued. Costs one query and a few storage
    lookups.
    """
    if video_is_complete(video=video):
        return False

    with transaction.atomic():
        _enqueue_processing(video.pk)
    return True


def video_is_complete(*, video: Video) -> bool:
    """Say whether a video is ready with every rendition and its poster."""
    if video.status != Video.Status.READY or not video.height:
        return False
    if not _stored(video.poster):
        return False

    renditions = {r.height: r for r in video.renditions.all()}
    return all(
        height in renditions and _stored(renditions[height].file)
        for height in ffmpeg.ladder_for(video.height)
    )


def video_process(*, video_id: int) -> None:
    """Probe a video, make its missing renditions and poster, then mark it.

    Renditions that already exist are kept, so running this again makes no
    duplicates. ffmpeg failures mark the video failed with their reason;
    anything unexpected does the same and is raised again for the task log.
    """
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        logger.warning("Video %s vanished before it could be processed", video_id)
        return
    if video_is_complete(video=video):
        logger.info("Video %s already has all its renditions", video_id)
        return

    Video.objects.filter(pk=video_id).update(
        status=Video.Status.PROCESSING, failure_reason=""
    )
    try:
        _transcode(video)
    except ffmpeg.FFmpegError as error:
        _mark_failed(video_id, str(error))
        return
    except Exception:
        logger.exception("Video %s could not be processed", video_id)
        _mark_failed(video_id, UNEXPECTED_FAILURE)
        raise

    Video.objects.filter(pk=video_id).update(
        status=Video.Status.READY, failure_reason="", processed_at=timezone.now()
    )
    logger.info("Video %s is ready", video_id)


def caption_track_set(
    *, video: Video, language: str, content: bytes, label: str = ""
) -> CaptionTrack:
    """Store the WebVTT captions of a video in one language, replacing any.

    Raise ValidationError if the content is not UTF-8 WebVTT. Storing the same
    text again changes nothing.
    """
    text = webvtt_clean(content)
    track = CaptionTrack.objects.filter(video=video, language=language).first()
    if track is not None and _read_text(track.file) == text:
        if track.label != label:
            track.label = label
            track.save(update_fields=["label"])
        return track

    track = track or CaptionTrack(video=video, language=language)
    old_name = track.file.name if track.file else ""
    track.label = label
    with transaction.atomic():
        track.file.save(
            f"{video.pk}/{language}.vtt", ContentFile(text.encode("utf-8")), save=False
        )
        track.save()
        if old_name:
            transaction.on_commit(lambda: track.file.storage.delete(old_name))
    return track


def webvtt_clean(content: bytes) -> str:
    """Return caption text with a byte order mark and CR line ends removed.

    Raise ValidationError, with a message for the uploader, if the content is
    too large, not UTF-8, or does not start with the WebVTT signature.
    """
    if len(content) > CAPTION_MAX_BYTES:
        raise ValidationError(_("The caption file is larger than 2 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("Captions must be UTF-8 text.")) from error

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not WEBVTT_SIGNATURE.match(text):
        raise ValidationError(
            _("Captions must be a WebVTT file, starting with the line WEBVTT.")
        )
    return text


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, reading it in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _transcode(video: Video) -> None:
    """Make the missing renditions and poster of a video from its source."""
    with _local_copy(video.source) as source, tempfile.TemporaryDirectory() as tmp:
        info = ffmpeg.probe(source)
        Video.objects.filter(pk=video.pk).update(
            duration_seconds=info.duration_seconds,
            width=info.width,
            height=info.height,
            has_audio=info.has_audio,
        )
        existing = {r.height: r for r in video.renditions.all()}
        for height in ffmpeg.ladder_for(info.height):
            rendition = existing.get(height)
            if rendition is not None and _stored(rendition.file):
                continue
            target = Path(tmp) / f"{height}p.mp4"
            ffmpeg.encode_rendition(
                source,
                target,
                height=height,
                has_audio=info.has_audio,
                duration=info.duration_seconds,
            )
            _rendition_store(video, height, target, rendition)

        if not _stored(video.poster):
            target = Path(tmp) / "poster.jpg"
            ffmpeg.extract_poster(source, target, duration=info.duration_seconds)
            _file_replace(video.poster, f"{video.pk}.jpg", target)
            Video.objects.filter(pk=video.pk).update(poster=video.poster.name)


def _rendition_store(
    video: Video, height: int, path: Path, rendition: Rendition | None
) -> None:
    """Save an encoded file as the rendition of this height."""
    output = ffmpeg.probe(path)
    rendition = rendition or Rendition(video=video, height=height)
    _file_replace(rendition.file, f"{video.pk}/{height}p.mp4", path)
    rendition.width = output.width
    rendition.size_bytes = path.stat().st_size
    rendition.save()
    logger.info("Video %s: %sp rendition stored", video.pk, height)


def _file_replace(field_file: FieldFile, name: str, path: Path) -> None:
    """Store a local file in a file field under a stable name."""
    storage = field_file.storage
    final_name = field_file.field.generate_filename(field_file.instance, name)
    if field_file.name and field_file.name != final_name:
        storage.delete(field_file.name)
    storage.delete(final_name)
    with path.open("rb") as handle:
        field_file.save(name, File(handle), save=False)


def _mark_failed(video_id: int, reason: str) -> None:
    logger.warning("Video %s failed: %s", video_id, reason)
    Video.objects.filter(pk=video_id).update(
        status=Video.Status.FAILED, failure_reason=reason, processed_at=timezone.now()
    )


def _enqueue_processing(video_id: int) -> None:
    # Imported here: the task module imports this one.
    from iioe.media.tasks import process_video

    transaction.on_commit(lambda: process_video.enqueue(video_id=video_id))


def _stored(field_file: FieldFile) -> bool:
    return bool(field_file) and field_file.storage.exists(field_file.name)


def _read_text(field_file: FieldFile) -> str | None:
    if not _stored(field_file):
        return None
    with field_file.open("rb") as handle:
        return handle.read().decode("utf-8", "replace")


@contextmanager
def _local_copy(field_file: FieldFile) -> Iterator[Path]:
    """Yield a local path to a stored file, copying it if storage is remote."""
    if not _stored(field_file):
        raise ffmpeg.FFmpegError("The source file is missing from storage.")
    try:
        local = Path(field_file.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / Path(field_file.name).name
        with field_file.open("rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK_BYTES)
        yield target
