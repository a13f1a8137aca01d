"""Every write to videos, their renditions, posters and caption tracks.

Transcoding is slow, so it never runs on a web request: video_create,
video_upload, video_retry and video_request_processing enqueue the
`process_video` task after the transaction commits, and the task calls
video_process. A conversion writes its files under the video's own folder,
always under the same names, so running it again replaces them in place.
"""

import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from iioe.accounts.models import User
from iioe.media import captions, ffmpeg, ladder, stored_files
from iioe.media.models import (
    CaptionTrack,
    Rendition,
    Video,
    output_folder,
)

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
CAPTION_MAX_BYTES = 2 * 1024 * 1024
SOURCE_NAME_MAX = 80
# The conversion's share of the progress bar; cutting HLS segments, the
# poster and storing the files take the rest.
ENCODING_SHARE = 95
PROGRESS_EVERY_SECONDS = 1.0
UNEXPECTED_FAILURE = "An unexpected error stopped the processing; see the worker log."


def video_upload_check(*, upload: UploadedFile) -> ffmpeg.Probe:
    """Return the probe of an uploaded video, or refuse it for the uploader.

    The size limit is VIDEO_UPLOAD_MAX_BYTES; the content must be a video in
    MP4, MOV, WebM or MKV whose first frame decodes, whatever its name and
    declared type. Raise ValidationError with a translated message.
    """
    limit = settings.VIDEO_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(upload_too_large_message())
    if not upload.size:
        raise ValidationError(_("The file is empty."))

    with stored_files.upload_path(upload) as path:
        try:
            return ffmpeg.check_upload(path)
        except ffmpeg.FFmpegError as error:
            logger.info("Upload refused: %s", error)
            raise ValidationError(_upload_refusal(error.kind)) from error


def upload_too_large_message() -> str:
    return _("The file is larger than the limit of %(limit)s.") % {
        "limit": filesizeformat(settings.VIDEO_UPLOAD_MAX_BYTES)
    }


def video_upload(
    *, title: str, upload: UploadedFile, replacing: Video | None, actor: User
) -> Video:
    """Check and store an uploaded video, and enqueue its conversion.

    Return the new video. With `replacing`, the new video takes that video's
    place once it is ready (see video_process); until then learners keep the
    old one, and an earlier upload still waiting to replace it is dropped.
    Without it, the caller attaches the new video where it belongs.
    """
    info = video_upload_check(upload=upload)

    with transaction.atomic():
        if replacing is not None:
            _replacements_drop(replacing)
        video = video_create(
            title=title,
            source=upload,
            replaces=replacing,
            created_by=actor,
            probed=info,
        )
    logger.info(
        "Staff %s uploaded video %s (replacing %s)",
        actor.pk,
        video.pk,
        replacing.pk if replacing else None,
    )
    return video


def video_create(
    *,
    title: str,
    source: File,
    source_sha256: str = "",
    replaces: Video | None = None,
    created_by: User | None = None,
    probed: ffmpeg.Probe | None = None,
) -> Video:
    """Store a new video from its source file and enqueue its transcoding.

    The source is stored under a cleaned-up version of its name; the
    transcoding task starts once the surrounding transaction has committed.
    What `probed` says of the source is kept, so the task need not ask again.
    """
    video = Video(
        title=title[:200],
        source_sha256=source_sha256,
        replaces=replaces,
        created_by=created_by,
    )
    if probed is not None:
        video.duration_seconds = probed.duration_seconds
        video.width, video.height = probed.width, probed.height
        video.has_audio = probed.has_audio
    with transaction.atomic():
        video.source.save(source_name(source.name or ""), source, save=False)
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
    existing = (
        Video.objects.filter(source_sha256=digest, replaces=None).order_by("pk").first()
    )
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


def video_retry(*, video: Video, actor: User) -> bool:
    """Convert a failed video again; say whether it was failed and is queued."""
    with transaction.atomic():
        retried = Video.objects.filter(pk=video.pk, status=Video.Status.FAILED).update(
            status=Video.Status.PENDING, progress=0, failure_kind="", failure_reason=""
        )
        if retried:
            _enqueue_processing(video.pk)
    if retried:
        logger.info("Staff %s retried video %s", actor.pk, video.pk)
    return bool(retried)


def video_is_complete(*, video: Video) -> bool:
    """Say whether a video is ready with every file of its ladder.

    Costs one query and a storage lookup per file.
    """
    if video.status != Video.Status.READY or not video.height:
        return False
    if not video.hls_master_name:
        return False

    renditions = {r.height: r for r in video.renditions.all()}
    needed = [video.poster.name, video.hls_master_name]
    needed += [video.audio.name] if video.has_audio else []
    for height in ladder.ladder_for(video.height):
        rendition = renditions.get(height)
        needed.append(rendition.file.name if rendition else "")
    return all(name and default_storage.exists(name) for name in needed)


def video_process(*, video_id: int) -> None:
    """Convert a video into its ladder of renditions, then publish them.

    A video that is ready keeps playing from its old files while this runs.
    Running it again makes no duplicates: the files keep their names. ffmpeg
    failures mark the video failed with their reason; anything unexpected does
    the same and is raised again for the task log.
    """
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        logger.warning("Video %s vanished before it could be processed", video_id)
        return
    if video_is_complete(video=video):
        logger.info("Video %s already has all its renditions", video_id)
        return

    playing = video.status == Video.Status.READY
    changes: dict[str, object] = {"progress": 0}
    if not playing:
        changes |= {"status": Video.Status.PROCESSING, "failure_kind": ""}
        changes |= {"failure_reason": ""}
    Video.objects.filter(pk=video_id).update(**changes)
    try:
        _transcode(video)
    except ffmpeg.FFmpegError as error:
        _mark_failed(video, error.kind, str(error), playing=playing)
    except Exception:
        logger.exception("Video %s could not be processed", video_id)
        _mark_failed(
            video, Video.Failure.UNEXPECTED, UNEXPECTED_FAILURE, playing=playing
        )
        raise


def caption_track_set(
    *, video: Video, language: str, content: bytes, label: str = ""
) -> CaptionTrack:
    """Store the captions of a video in one language, replacing any.

    The content may be SRT or WebVTT in any common encoding; it is stored as
    UTF-8 WebVTT. Raise ValidationError, naming the line of the first problem,
    if it cannot be read. Storing the same captions again changes nothing.
    """
    text = caption_text_normalise(content)
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
        if old_name and old_name != track.file.name:
            storage = track.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return track


def caption_track_delete(*, track: CaptionTrack) -> None:
    """Delete a caption track and, once committed, its file."""
    name, storage = track.file.name, track.file.storage
    with transaction.atomic():
        track.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))
    logger.info("Caption track %s of video %s deleted", track.language, track.video_id)


def caption_text_normalise(content: bytes) -> str:
    """Return caption content as UTF-8 WebVTT text with every cue kept.

    Raise ValidationError, with a message for the uploader, if the content is
    too large, in an encoding that cannot be told, or malformed.
    """
    if len(content) > CAPTION_MAX_BYTES:
        raise ValidationError(_("The caption file is larger than 2 MB."))
    try:
        return captions.to_webvtt(captions.read(content))
    except captions.CaptionError as error:
        raise ValidationError(str(error)) from error


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, reading it in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def source_name(name: str) -> str:
    """Return a safe file name for an upload: no folders, odd characters or
    excessive length."""
    path = Path(name.replace("\\", "/")).name.lstrip(".")
    stem, suffix = Path(path).stem, Path(path).suffix[:8]
    try:
        stem = get_valid_filename(stem)[:SOURCE_NAME_MAX]
        suffix = get_valid_filename(suffix) if suffix else ""
    except SuspiciousFileOperation:
        stem, suffix = "video", ""
    return f"{stem or 'video'}{suffix}"


def _transcode(video: Video) -> None:
    """Make every rendition of a video in a scratch folder, then publish it."""
    source_name_at_start = video.source.name
    key = video.output_key or video.pk
    with (
        stored_files.local_copy(video.source) as source,
        tempfile.TemporaryDirectory() as tmp,
    ):
        info = _probe_known(video) or ffmpeg.probe(source)
        made = ladder.encode_ladder(
            source, Path(tmp), info=info, on_progress=_progress_recorder(video.pk)
        )
        stored = stored_files.tree_store(Path(tmp), output_folder(key))
        Video.objects.filter(pk=video.pk).update(progress=ENCODING_SHARE + 4)
        _ladder_publish(
            video_id=video.pk,
            key=key,
            info=info,
            made=made,
            stored=stored,
            source_at_start=source_name_at_start,
        )


def _probe_known(video: Video) -> ffmpeg.Probe | None:
    """Return what is known of a video's source, if it was probed before.

    The fields are written only from a probe of the current source: on
    upload, or when a conversion is published. Videos converted before the
    output folders existed are probed again: their probe ignored rotation.
    """
    if not (video.duration_seconds and video.width and video.height):
        return None
    if video.status == Video.Status.READY and video.output_key is None:
        return None
    return ffmpeg.Probe(
        duration_seconds=video.duration_seconds,
        width=video.width,
        height=video.height,
        has_audio=video.has_audio,
    )


def _ladder_publish(
    *,
    video_id: int,
    key: int,
    info: ffmpeg.Probe,
    made: ladder.Ladder,
    stored: set[str],
    source_at_start: str,
) -> None:
    """Point a video, or the one it replaces, at its new files in one step.

    The rows are locked first. If the video was dropped, or its source changed
    while it was being converted, the new files are deleted instead.
    """
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None or video.source.name != source_at_start:
            _drop_unused_files(key, stored)
            logger.info("Video %s changed while converting; files dropped", video_id)
            return
        target = video
        if video.replaces_id is not None:
            target = Video.objects.select_for_update().get(pk=video.replaces_id)
        old_names = _output_names(target)
        _outputs_apply(target, key=key, info=info, made=made)
        if target is not video:
            target.source.name = video.source.name
            target.source_sha256 = video.source_sha256
            Video.objects.filter(pk=video.pk).delete()
        target.save()

        stale = old_names - _output_names(target)
        transaction.on_commit(lambda: stored_files.files_delete(stale))
    logger.info("Video %s is ready (files of %s)", target.pk, video_id)


def _outputs_apply(
    video: Video, *, key: int, info: ffmpeg.Probe, made: ladder.Ladder
) -> None:
    """Give a video the renditions and files of a conversion; the caller
    saves it."""
    prefix = output_folder(key)
    Rendition.objects.filter(video=video).delete()
    Rendition.objects.bulk_create(
        Rendition(
            video=video,
            height=rung.height,
            width=rung.width,
            file=f"{prefix}/{rung.path.name}",
            size_bytes=rung.size_bytes,
        )
        for rung in made.rungs
    )
    video.status = Video.Status.READY
    video.progress = 100
    video.failure_kind = video.failure_reason = ""
    video.duration_seconds = info.duration_seconds
    video.width, video.height = info.width, info.height
    video.has_audio = info.has_audio
    video.poster.name = f"{prefix}/{made.poster.name}"
    video.audio.name = f"{prefix}/{made.audio.name}" if made.audio else ""
    video.audio_size_bytes = made.audio.stat().st_size if made.audio else 0
    video.output_key = key
    video.processed_at = timezone.now()


def _output_names(video: Video) -> set[str]:
    """Return the storage names of a video's files, and of its HLS folder.

    The HLS folder is named with a trailing slash, for which
    stored_files.files_delete deletes everything under it.
    """
    names = {video.source.name, video.poster.name, video.audio.name}
    names |= set(video.renditions.values_list("file", flat=True))
    if video.output_key is not None:
        names.add(f"{video.output_dir}/{ladder.HLS_DIR}/")
    return {name for name in names if name}


def _drop_unused_files(key: int, stored: set[str]) -> None:
    """Delete files a dropped conversion wrote, unless a video now uses them."""
    if Video.objects.filter(output_key=key).exists():
        return
    transaction.on_commit(lambda: stored_files.files_delete(stored))


def _replacements_drop(video: Video) -> None:
    """Drop the uploads still waiting to replace a video, and their files."""
    for waiting in Video.objects.filter(replaces=video):
        names = {waiting.source.name, f"{waiting.output_dir}/"}
        waiting.delete()
        transaction.on_commit(lambda names=names: stored_files.files_delete(names))
        logger.info("Upload %s replaced by a newer one", waiting.pk)


def _progress_recorder(video_id: int) -> Callable[[float], None]:
    """Return a callback that stores the conversion's percentage, at most
    once a second and only when it moves."""
    last = {"percent": 0, "at": 0.0}

    def record(share: float) -> None:
        percent = min(ENCODING_SHARE, int(share * ENCODING_SHARE))
        now = time.monotonic()
        if percent <= last["percent"] or now - last["at"] < PROGRESS_EVERY_SECONDS:
            return
        last["percent"], last["at"] = percent, now
        Video.objects.filter(pk=video_id).update(progress=percent)

    return record


def _mark_failed(video: Video, kind: str, reason: str, *, playing: bool) -> None:
    logger.warning("Video %s failed: %s", video.pk, reason)
    # A video whose source changed meanwhile took a newer upload's files,
    # which this failure says nothing about.
    same = Video.objects.filter(pk=video.pk, source=video.source.name)
    if playing:
        # Its old files still play; the log says what went wrong.
        same.update(progress=0)
        return
    same.update(
        status=Video.Status.FAILED,
        failure_kind=kind,
        failure_reason=reason,
        progress=0,
        processed_at=timezone.now(),
    )


def _upload_refusal(kind: str) -> str:
    if kind == ffmpeg.Failure.DAMAGED:
        return _(
            "This video file is damaged: its pictures cannot be read. Export it "
            "again from your editing program and upload the new file."
        )
    if kind == ffmpeg.Failure.NO_TOOL:
        return _(
            "Videos cannot be checked at the moment because the server lacks "
            "ffmpeg. Please tell the administrator."
        )
    if kind == ffmpeg.Failure.TIMEOUT:
        return _("Checking this file took too long. Please try again.")
    return _(
        "This file is not a video that the platform can read. Upload an MP4, "
        "MOV, WebM or MKV video."
    )


def _enqueue_processing(video_id: int) -> None:
    # Imported here: the task module imports this one.
    from iioe.media.tasks import process_video

    transaction.on_commit(lambda: process_video.enqueue(video_id=video_id))


def _read_text(field_file: FieldFile) -> str | None:
    if not stored_files.stored(field_file):
        return None
    with field_file.open("rb") as handle:
        return handle.read().decode("utf-8", "replace")
