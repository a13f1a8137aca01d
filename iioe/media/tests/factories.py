"""Videos for tests, without running ffmpeg.

`ready_video` makes a video as processing would leave it, but its files hold
known bytes instead of real video: enough for pages and for streaming.
"""

from collections.abc import Sequence

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from iioe.media.models import CaptionTrack, Rendition, Video, output_folder

CAPTION_TEXT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello, learners.\n"
MASTER_TEXT = "#EXTM3U\n#EXT-X-VERSION:7\n"
MEDIA_PLAYLIST_TEXT = "#EXTM3U\n#EXTINF:2.0,\nseg-00000.m4s\n#EXT-X-ENDLIST\n"


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
    """Return a ready video with renditions, HLS files, a poster and captions.

    The HLS folder holds a master playlist, and a media playlist, an init
    segment and one segment per rung (and for audio, with sound).
    """
    video = VideoFactory(
        status=Video.Status.READY,
        duration_seconds=duration,
        width=max(heights) * 4 // 3,
        height=max(heights),
        has_audio=has_audio,
        progress=100,
    )
    video.output_key = video.pk
    video.save(update_fields=["output_key"])
    video.poster.save("poster.jpg", ContentFile(b"\xff\xd8poster\xff\xd9"))
    folders = [f"{height}p" for height in heights] + (["audio"] if has_audio else [])
    hls = f"{output_folder(video.pk)}/hls"
    default_storage.save(f"{hls}/master.m3u8", ContentFile(MASTER_TEXT.encode()))
    for number, folder in enumerate(folders):
        default_storage.save(
            f"{hls}/{folder}/index.m3u8", ContentFile(MEDIA_PLAYLIST_TEXT.encode())
        )
        default_storage.save(
            f"{hls}/{folder}/init_{number}.mp4", ContentFile(b"init" * 10)
        )
        default_storage.save(
            f"{hls}/{folder}/seg-00000.m4s", ContentFile(rendition_bytes(number, 5000))
        )
    if has_audio:
        video.audio.save("audio.m4a", ContentFile(rendition_bytes(7, 30_000)))
        video.audio_size_bytes = 30_000
        video.save(update_fields=["audio_size_bytes"])
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
