"""Thin, typed wrappers around the ffprobe and ffmpeg programs.

They work on local paths and know nothing of models or storage; the services
copy files in and out. Every failure, including a missing program, surfaces as
FFmpegError with a short reason fit for the video's failure record.
"""

import json
import logging
import math
import subprocess  # noqa: S404 - the commands are built from fixed arguments
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# The standard ladder of heights; a video gets every rung up to its own height.
LADDER = (240, 360, 480, 720, 1080)
# Only used when the source is too small to offer two rungs of the ladder.
SMALL_RUNG = 144
# Peak video bitrates per rung, in kbit/s, so that a slow link can keep up.
MAX_KBITS = {144: 200, 240: 400, 360: 800, 480: 1200, 720: 2500, 1080: 5000}
POSTER_MAX_HEIGHT = 720
STDERR_TAIL = 500


class FFmpegError(Exception):
    """ffprobe or ffmpeg could not do its work; the message says why."""


@dataclass(frozen=True)
class Probe:
    duration_seconds: float
    width: int
    height: int
    has_audio: bool


def probe(path: Path) -> Probe:
    """Return the duration, frame size and audio presence of a media file."""
    output = _run(
        [
            settings.FFPROBE_BINARY,
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type,width,height,duration",
            "-of",
            "json",
            str(path),
        ],
        timeout=60,
    )
    try:
        data = json.loads(output)
    except ValueError as error:
        raise FFmpegError("ffprobe gave output that is not JSON.") from error

    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None or not video.get("width") or not video.get("height"):
        raise FFmpegError("The file has no video stream.")
    duration = _as_float(data.get("format", {}).get("duration"))
    duration = duration or _as_float(video.get("duration"))
    if not duration or not math.isfinite(duration) or duration <= 0:
        raise FFmpegError("The duration of the video could not be read.")

    return Probe(
        duration_seconds=duration,
        width=int(video["width"]),
        height=int(video["height"]),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
    )


def ladder_for(source_height: int) -> list[int]:
    """Return the rendition heights for a source, never above its height.

    A source below 360 lines also gets a 144-line rung, and one below 240
    lines its own height (made even), so that the learner still has a choice.
    """
    heights = [height for height in LADDER if height <= source_height]
    if len(heights) < 2 and source_height > SMALL_RUNG:
        heights.insert(0, SMALL_RUNG)
    even_source = max(2, source_height - source_height % 2)
    if len(heights) < 2 and even_source not in heights:
        heights.append(even_source)
    return heights


def encode_rendition(
    source: Path, target: Path, *, height: int, has_audio: bool, duration: float
) -> None:
    """Write an H.264 (and AAC, if there is sound) MP4 of the given height.

    The output is yuv420p with even dimensions and its index at the front, so
    that every browser plays it and can start before the download ends.
    """
    max_kbits = MAX_KBITS.get(height, 5000)
    command = [
        settings.FFMPEG_BINARY,
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-vf",
        f"scale=-2:{height},format=yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        settings.VIDEO_X264_PRESET,
        "-crf",
        "24",
        "-maxrate",
        f"{max_kbits}k",
        "-bufsize",
        f"{2 * max_kbits}k",
    ]
    if has_audio:
        command += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "96k", "-ac", "2"]
    else:
        command += ["-an"]
    command += ["-sn", "-dn", "-movflags", "+faststart", str(target)]
    _run(command, timeout=_encode_timeout(duration))


def extract_poster(source: Path, target: Path, *, duration: float) -> None:
    """Write a JPEG of one frame, taken early but past any opening black."""
    at = min(duration * 0.25, 10.0)
    _run(
        [
            settings.FFMPEG_BINARY,
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            f"scale=-2:'min(ih,{POSTER_MAX_HEIGHT})',format=yuvj420p",
            "-q:v",
            "4",
            str(target),
        ],
        timeout=60,
    )
    if not target.exists() or target.stat().st_size == 0:
        raise FFmpegError("No frame could be taken for the poster.")


def _encode_timeout(duration: float) -> float:
    # Generous: a stuck ffmpeg must not hold a worker for ever, but a slow
    # machine must still finish a long lecture.
    return 120 + duration * 10


def _run(command: list[str], *, timeout: float) -> str:
    """Run a program and return its standard output, or raise FFmpegError."""
    try:
        completed = subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as error:
        raise FFmpegError(f"{command[0]} is not installed.") from error
    except subprocess.TimeoutExpired as error:
        raise FFmpegError(f"{command[0]} took longer than {timeout:.0f} s.") from error

    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        # Paths of the server's disk have no place in a failure reason.
        for argument in command[1:]:
            if argument.startswith("/"):
                stderr = stderr.replace(argument, Path(argument).name)
        reason = stderr[-STDERR_TAIL:] or f"exit status {completed.returncode}"
        raise FFmpegError(f"{Path(command[0]).name} failed: {reason}")
    return completed.stdout.decode("utf-8", "replace")


def _as_float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
