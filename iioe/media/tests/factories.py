"""Videos for tests, without running ffmpeg.

`ready_video` makes a video as processing would leave it, but its files hold
known bytes instead of real video: enough for pages and for streaming.
"""

from collections.abc import Sequence

import factory
from django.core.files.base import ContentFile

from iioe.media.models import CaptionTrack, Rendition, Video

CAPTION_TEXT = "WEBVTT\n\n00:00.000 --> 00:02.000\nHello, learners.\n"


def rendition_bytes(height: int, size: int = 200_000) -> bytes:
    """Return `size` bytes that differ by position, so ranges can be checked."""
    pattern = bytes((height + i) % 256 for i in range(256))
    return (pattern * (size // 256 + 1))[:size]


class VideoFactory(factory.django.DjangoModelFactory[Video]):
    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"Video {n}")
    source = factory.django.FileField(filename="source.mp4", data=b"not a video")


def ready_video(
    *,
    duration: float = 60.0,
    heights: Sequence[int] = (240, 360),
    captions: Sequence[str] = ("en",),
    has_audio: bool = False,
) -> Video:
    """Return a ready video with renditions, a poster and caption tracks."""
    video = VideoFactory(
        status=Video.Status.READY,
        duration_seconds=duration,
        width=max(heights) * 4 // 3,
        height=max(heights),
        has_audio=has_audio,
    )
    video.poster.save("poster.jpg", ContentFile(b"\xff\xd8poster\xff\xd9"))
    for height in heights:
        Rendition.objects.create(
            video=video,
            height=height,
            width=height * 4 // 3,
            file=ContentFile(rendition_bytes(height), name=f"{height}p.mp4"),
            size_bytes=200_000,
        )
    for language in captions:
        CaptionTrack.objects.create(
            video=video,
            language=language,
            file=ContentFile(CAPTION_TEXT.encode(), name=f"{language}.vtt"),
        )
    return video
