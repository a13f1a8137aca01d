"""Reads of videos: what the player needs, and permission-checked files."""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.text import capfirst

from iioe.media import ladder
from iioe.media.models import CaptionTrack, Rendition, Video, output_folder
from iioe.media.streaming import StoredName

# Decimals, so that templates print 0.5 as "0.5" (or "0,5"), never "0.50".
PLAYBACK_SPEEDS = tuple(
    Decimal(speed) for speed in ("0.5", "0.75", "1", "1.25", "1.5", "1.75", "2")
)
# The file a player without adaptive streaming starts with, and the rung an
# adaptive one starts at when it knows nothing of the link: light enough for
# a phone on a slow link.
DEFAULT_HEIGHT = 360
AUDIO_ONLY = "audio"
# The files of an HLS folder, as ffmpeg names them (see ffmpeg.hls_command).
HLS_NAME = re.compile(
    r"^(?:master\.m3u8|(?:\d{2,4}p|audio)/(?:index\.m3u8|init(?:_\d+)?\.mp4"
    r"|seg-\d{5}\.m4s))$"
)
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


@dataclass(frozen=True)
class PlaybackChoice:
    """One entry of the player's resolution menu: a rung, or audio only.

    `playlist_url` is the HLS media playlist of the choice, empty when it has
    none; `file_url` a file any browser plays. `size_bytes` is the approximate
    download for the whole video, 0 when unknown.
    """

    key: str
    label: str
    height: int
    file_url: str
    playlist_url: str
    size_bytes: int

    @property
    def is_audio(self) -> bool:
        return self.key == AUDIO_ONLY


@dataclass(frozen=True)
class CaptionSource:
    language: str
    label: str
    url: str
    is_default: bool


@dataclass(frozen=True)
class Playback:
    """Everything a page needs to show the player of one video.

    `rungs` are the video renditions from the lowest; `audio` is the
    audio-only choice, if the video has one; `hls_url` the master playlist,
    empty when the video has none yet (it then plays from its MP4 files).
    """

    video_id: int
    status: str
    duration_seconds: float | None
    poster_url: str
    hls_url: str
    rungs: list[PlaybackChoice]
    audio: PlaybackChoice | None
    captions: list[CaptionSource]
    speeds: tuple[Decimal, ...] = PLAYBACK_SPEEDS

    @property
    def is_ready(self) -> bool:
        return self.status == Video.Status.READY and bool(self.rungs)

    @property
    def is_failed(self) -> bool:
        return self.status == Video.Status.FAILED

    @property
    def default_rung(self) -> PlaybackChoice | None:
        """Return the rung to start from without adaptive streaming."""
        fitting = [r for r in self.rungs if r.height <= DEFAULT_HEIGHT]
        if fitting:
            return fitting[-1]
        return self.rungs[0] if self.rungs else None

    @property
    def lowest_rung(self) -> PlaybackChoice | None:
        return self.rungs[0] if self.rungs else None

    @property
    def menu(self) -> list[PlaybackChoice]:
        """Return the manual choices as the menu lists them: highest first."""
        choices = list(reversed(self.rungs))
        if self.audio is not None:
            choices.append(self.audio)
        return choices

    @property
    def size_range(self) -> tuple[int, int]:
        """Return the smallest and largest download of the video's rungs."""
        sizes = [r.size_bytes for r in self.rungs if r.size_bytes]
        return (min(sizes), max(sizes)) if sizes else (0, 0)


def video_playback(*, video: Video) -> Playback:
    """Return the player's view of a video: its files' URLs and captions.

    Captions are labelled with their language's name in the active language;
    the one in that language, or else the first if the video has no sound,
    is shown by default. Two queries, fewer if renditions and captions were
    prefetched.
    """
    rungs = [
        PlaybackChoice(
            key=str(r.height),
            label=f"{r.height}p",
            height=r.height,
            file_url=reverse("media:rendition", args=[video.pk, r.height]),
            playlist_url=_hls_url(video, f"{r.height}p/{ladder.MEDIA_PLAYLIST}"),
            size_bytes=r.size_bytes,
        )
        for r in video.renditions.all()
    ]
    audio = None
    if video.audio:
        audio = PlaybackChoice(
            key=AUDIO_ONLY,
            label=AUDIO_ONLY,
            height=0,
            file_url=reverse("media:audio", args=[video.pk]),
            playlist_url=_hls_url(video, f"{ladder.AUDIO_DIR}/{ladder.MEDIA_PLAYLIST}"),
            size_bytes=video.audio_size_bytes or 0,
        )
    tracks = list(video.captions.all())
    default = _default_caption(tracks, has_audio=video.has_audio)
    captions = [
        CaptionSource(
            language=t.language,
            label=t.label or _language_name(t.language),
            url=reverse("media:caption", args=[video.pk, t.language]),
            is_default=t is default,
        )
        for t in tracks
    ]
    poster_url = reverse("media:poster", args=[video.pk]) if video.poster else ""
    return Playback(
        video_id=video.pk,
        status=video.status,
        duration_seconds=video.duration_seconds,
        poster_url=poster_url,
        hls_url=_hls_url(video, ladder.MASTER_PLAYLIST),
        rungs=rungs,
        audio=audio,
        captions=captions,
    )


def rendition_get_for_viewer(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int, height: int
) -> Rendition:
    """Return a ready video's rendition if the user may watch it.

    Raise PermissionDenied for guests and Http404 if there is no such file.
    """
    _check_viewer(user, video_id=video_id)
    rendition = (
        Rendition.objects.filter(
            video_id=video_id, height=height, video__status=Video.Status.READY
        )
        .exclude(file="")
        .first()
    )
    if rendition is None:
        raise Http404
    return rendition


def caption_get_for_viewer(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int, language: str
) -> CaptionTrack:
    """Return a video's caption track in a language if the user may see it."""
    _check_viewer(user, video_id=video_id)
    track = (
        CaptionTrack.objects.filter(video_id=video_id, language=language)
        .exclude(file="")
        .first()
    )
    if track is None:
        raise Http404
    return track


def poster_get_for_viewer(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int
) -> FieldFile:
    """Return the poster image of a video if the user may see it."""
    _check_viewer(user, video_id=video_id)
    video = Video.objects.filter(pk=video_id).exclude(poster="").first()
    if video is None:
        raise Http404
    return video.poster


def hls_file_get_for_viewer(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int, key: int, name: str
) -> StoredName:
    """Return a playlist or segment of a ready video's current HLS files.

    `key` names the set of files; a set the video no longer uses is gone, so
    its addresses answer 404 rather than mix old and new segments. Raise
    PermissionDenied for guests and Http404 for anything else.
    """
    _check_viewer(user, video_id=video_id)
    if not HLS_NAME.match(name):
        raise Http404
    exists = Video.objects.filter(
        pk=video_id, output_key=key, status=Video.Status.READY
    ).exists()
    stored = f"{output_folder(key)}/{ladder.HLS_DIR}/{name}"
    if not exists or not default_storage.exists(stored):
        raise Http404
    return StoredName(storage=default_storage, name=stored)


def hls_content_type(name: str) -> str:
    """Return the media type of a file of an HLS folder."""
    if name.endswith(".m3u8"):
        return PLAYLIST_TYPE
    if name.startswith(f"{ladder.AUDIO_DIR}/"):
        return "audio/mp4"
    return "video/mp4"


def audio_get_for_viewer(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int
) -> FieldFile:
    """Return the audio-only file of a ready video if the user may hear it."""
    _check_viewer(user, video_id=video_id)
    video = (
        Video.objects.filter(pk=video_id, status=Video.Status.READY)
        .exclude(audio="")
        .first()
    )
    if video is None:
        raise Http404
    return video.audio


@dataclass(frozen=True)
class StaffVideo:
    """What the staff page of a lesson's video shows.

    `waiting` are uploads that will replace the video once converted, newest
    first; `captions` the tracks of the video.
    """

    video: Video | None
    waiting: list[Video]
    captions: list[CaptionTrack]


def staff_check(user: AbstractBaseUser | AnonymousUser) -> None:
    """Refuse anyone but an active staff member."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied


def staff_video(
    *, user: AbstractBaseUser | AnonymousUser, video: Video | None
) -> StaffVideo:
    """Return a video with the uploads waiting to replace it and its captions.

    Two queries, none without a video.
    """
    staff_check(user)
    if video is None:
        return StaffVideo(video=None, waiting=[], captions=[])
    return StaffVideo(
        video=video,
        waiting=list(Video.objects.filter(replaces=video).order_by("-pk")),
        captions=list(video.captions.all()),
    )


def video_get_for_staff(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int
) -> Video:
    """Return any video for the staff; Http404 if there is none."""
    staff_check(user)
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        raise Http404
    return video


def caption_get_for_staff(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int, language: str
) -> CaptionTrack:
    """Return a video's caption track in a language for the staff, or 404."""
    staff_check(user)
    track = CaptionTrack.objects.filter(video_id=video_id, language=language).first()
    if track is None:
        raise Http404
    return track


def _hls_url(video: Video, name: str) -> str:
    """Return the address of a file of a video's HLS folder, if it has one."""
    if video.output_key is None or video.status != Video.Status.READY:
        return ""
    return reverse("media:hls", args=[video.pk, video.output_key, name])


def _check_viewer(user: AbstractBaseUser | AnonymousUser, *, video_id: int) -> None:
    """Refuse guests, and anyone the video's owner says may not watch it.

    Course videos are for members. Which videos a member may see is decided
    where they are used (the catalog hides unpublished courses), so the media
    app asks the function named by VIDEO_VIEW_POLICY instead of importing it.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    if not _view_policy()(user=user, video_id=video_id):
        raise Http404


@functools.cache
def _view_policy() -> Callable[..., bool]:
    policy: Callable[..., bool] = import_string(settings.VIDEO_VIEW_POLICY)
    return policy


def _default_caption(
    tracks: list[CaptionTrack], *, has_audio: bool
) -> CaptionTrack | None:
    language = (translation.get_language() or "en").lower()
    for track in tracks:
        if track.language.lower() == language:
            return track
    for track in tracks:
        if _primary(track.language) == _primary(language):
            return track
    if not has_audio and tracks:
        return tracks[0]
    return None


def _language_name(code: str) -> str:
    try:
        return capfirst(str(translation.get_language_info(code)["name_translated"]))
    except KeyError:
        return code


def _primary(code: str) -> str:
    return code.lower().split("-")[0]
