"""Reads of videos: what the player needs, and permission-checked files."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from iioe.media.models import CaptionTrack, Rendition, Video

# Decimals, so that templates print 0.5 as "0.5" (or "0,5"), never "0.50".
PLAYBACK_SPEEDS = tuple(
    Decimal(speed) for speed in ("0.5", "0.75", "1", "1.25", "1.5", "1.75", "2")
)
# The rendition a player starts with: light enough for a phone on a slow link.
DEFAULT_HEIGHT = 360


@dataclass(frozen=True)
class RenditionSource:
    height: int
    width: int
    url: str


@dataclass(frozen=True)
class CaptionSource:
    language: str
    label: str
    url: str
    is_default: bool


@dataclass(frozen=True)
class Playback:
    """Everything a page needs to show the player of one video."""

    video_id: int
    status: str
    duration_seconds: float | None
    poster_url: str
    renditions: list[RenditionSource]
    captions: list[CaptionSource]
    speeds: tuple[Decimal, ...] = PLAYBACK_SPEEDS

    @property
    def is_ready(self) -> bool:
        return self.status == Video.Status.READY and bool(self.renditions)

    @property
    def is_failed(self) -> bool:
        return self.status == Video.Status.FAILED

    @property
    def default_rendition(self) -> RenditionSource | None:
        fitting = [r for r in self.renditions if r.height <= DEFAULT_HEIGHT]
        if fitting:
            return fitting[-1]
        return self.renditions[0] if self.renditions else None


def video_playback(*, video: Video) -> Playback:
    """Return the player's view of a video: its files' URLs and captions.

    Captions are labelled with their language's name in the active language;
    the one in that language, or else the first if the video has no sound,
    is shown by default. Two queries, fewer if renditions and captions were
    prefetched.
    """
    renditions = [
        RenditionSource(
            height=r.height,
            width=r.width,
            url=reverse("media:rendition", args=[video.pk, r.height]),
        )
        for r in video.renditions.all()
    ]
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
        renditions=renditions,
        captions=captions,
    )


def rendition_get_for_viewer(
    *, user: AbstractBaseUser | AnonymousUser, video_id: int, height: int
) -> Rendition:
    """Return a ready video's rendition if the user may watch it.

    Raise PermissionDenied for guests and Http404 if there is no such file.
    """
    _check_viewer(user)
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
    _check_viewer(user)
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
    _check_viewer(user)
    video = Video.objects.filter(pk=video_id).exclude(poster="").first()
    if video is None:
        raise Http404
    return video.poster


def _check_viewer(user: AbstractBaseUser | AnonymousUser) -> None:
    # Every course video is for members: any logged-in user may watch it.
    if not user.is_authenticated:
        raise PermissionDenied


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
