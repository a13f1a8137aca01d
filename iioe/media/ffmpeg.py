"""Thin, typed wrappers around the ffprobe and ffmpeg programs.

They work on local paths and know nothing of models or storage; the services
copy files in and out. Every failure, including a missing program, surfaces as
FFmpegError with a short reason fit for the video's failure record and a kind
that the staff pages explain in the reader's language. The ladder of
renditions is built on these in iioe.media.ladder.
"""

import json
import logging
import math
import subprocess  # noqa: S404 - the commands are built from fixed arguments
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

POSTER_MAX_HEIGHT = 720
# The containers an upload may be in, as ffprobe names them: MP4 and MOV are
# one family, WebM and MKV another.
ACCEPTED_FORMATS = frozenset({"mov", "mp4", "matroska", "webm"})
STDERR_TAIL = 500


class Failure:
    """The kinds of FFmpegError, matching Video.Failure."""

    UNREADABLE = "unreadable"
    DAMAGED = "damaged"
    ENCODING = "encoding"
    TIMEOUT = "timeout"
    NO_TOOL = "no_tool"


class FFmpegError(Exception):
    """ffprobe or ffmpeg could not do its work; the message says why."""

    def __init__(self, message: str, kind: str = Failure.ENCODING) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Probe:
    duration_seconds: float
    # The frame as shown: width and height are swapped for a rotated video.
    width: int
    height: int
    has_audio: bool
    formats: frozenset[str] = frozenset()


def probe(path: Path) -> Probe:
    """Return the duration, frame size and audio presence of a media file."""
    output = run(
        [
            settings.FFPROBE_BINARY,
            "-v",
            "error",
            "-show_entries",
            "format=format_name,duration:stream=codec_type,width,height,duration"
            ":stream_disposition=attached_pic:stream_tags=rotate"
            ":stream_side_data=rotation",
            "-of",
            "json",
            str(path),
        ],
        timeout=60,
        kind=Failure.UNREADABLE,
    )
    try:
        data = json.loads(output.decode("utf-8", "replace"))
    except ValueError as error:
        raise FFmpegError(
            "ffprobe gave output that is not JSON.", Failure.UNREADABLE
        ) from error

    streams = data.get("streams") or []
    video = next((s for s in streams if _is_picture(s)), None)
    if video is None or not video.get("width") or not video.get("height"):
        raise FFmpegError("The file has no video stream.", Failure.UNREADABLE)
    duration = _as_float(data.get("format", {}).get("duration"))
    duration = duration or _as_float(video.get("duration"))
    if not duration or not math.isfinite(duration) or duration <= 0:
        raise FFmpegError(
            "The duration of the video could not be read.", Failure.UNREADABLE
        )

    width, height = int(video["width"]), int(video["height"])
    if _rotation(video) % 180 == 90:
        width, height = height, width
    return Probe(
        duration_seconds=duration,
        width=width,
        height=height,
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        formats=frozenset(
            str(data.get("format", {}).get("format_name", "")).split(",")
        ),
    )


def check_upload(path: Path) -> Probe:
    """Return the probe of a file if it is a video the platform can convert.

    The content decides, never the name: the container must be MP4, MOV,
    WebM or MKV, with a video stream whose first frame decodes. Raise
    FFmpegError of kind UNREADABLE or DAMAGED otherwise.
    """
    info = probe(path)
    if not info.formats & ACCEPTED_FORMATS:
        raise FFmpegError(
            f"The container ({','.join(sorted(info.formats))}) is not accepted.",
            Failure.UNREADABLE,
        )

    # A tiny grey picture of the first frame proves that the stream decodes.
    frame = run(
        [
            settings.FFMPEG_BINARY,
            "-nostdin",
            "-v",
            "error",
            "-xerror",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-vf",
            "scale=8:8,format=gray",
            "-f",
            "rawvideo",
            "pipe:1",
        ],
        timeout=60,
        kind=Failure.DAMAGED,
    )
    if len(frame) != 64:
        raise FFmpegError("The first frame could not be decoded.", Failure.DAMAGED)
    return info


def extract_poster(source: Path, target: Path, *, duration: float) -> None:
    """Write a JPEG of one frame, taken early but past any opening black."""
    at = min(duration * 0.25, 10.0)
    run(
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


def progress_share(block: dict[str, str], duration: float) -> float | None:
    """Return the share done that one block of `-progress` output reports.

    None when the block says nothing usable, as at the very start.
    """
    if block.get("progress") == "end":
        return 1.0
    micros = block.get("out_time_us") or block.get("out_time_ms")
    try:
        done = int(micros or "") / 1_000_000
    except ValueError:
        return None
    if duration <= 0 or done < 0:
        return None
    return min(done / duration, 1.0)


def run_with_progress(
    command: list[str],
    *,
    duration: float,
    timeout: float,
    on_progress: Callable[[float], None] | None,
) -> None:
    """Run ffmpeg with `-progress pipe:1`, reporting each block it prints."""
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(  # noqa: S603
                command, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        except FileNotFoundError as error:
            raise FFmpegError(
                f"{command[0]} is not installed.", Failure.NO_TOOL
            ) from error
        # The pipe blocks while ffmpeg is silent, so a timer ends a stuck run.
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        started = time.monotonic()
        try:
            _read_progress(process, duration, on_progress)
            returncode = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        if time.monotonic() - started >= timeout and returncode != 0:
            raise FFmpegError(
                f"{Path(command[0]).name} took longer than {timeout:.0f} s.",
                Failure.TIMEOUT,
            )
        if returncode != 0:
            stderr.seek(0)
            text = stderr.read().decode("utf-8", "replace")
            raise FFmpegError(_failure_reason(command, text, returncode))


def _read_progress(
    process: "subprocess.Popen[str]",
    duration: float,
    on_progress: Callable[[float], None] | None,
) -> None:
    assert process.stdout is not None
    block: dict[str, str] = {}
    for line in process.stdout:
        key, _sep, value = line.strip().partition("=")
        block[key] = value
        if key != "progress":
            continue
        share = progress_share(block, duration)
        if share is not None and on_progress is not None:
            on_progress(share)
        block = {}


def _is_picture(stream: dict[str, object]) -> bool:
    """Say whether a stream is moving pictures, not a cover image."""
    disposition = stream.get("disposition")
    cover = isinstance(disposition, dict) and disposition.get("attached_pic") == 1
    return stream.get("codec_type") == "video" and not cover


def _rotation(stream: dict[str, object]) -> int:
    for side_data in stream.get("side_data_list") or []:  # type: ignore[attr-defined]
        if isinstance(side_data, dict) and "rotation" in side_data:
            return int(_as_float(side_data["rotation"]) or 0)
    tags = stream.get("tags")
    if isinstance(tags, dict) and "rotate" in tags:
        return int(_as_float(tags["rotate"]) or 0)
    return 0


def encode_timeout(duration: float) -> float:
    # Generous: a stuck ffmpeg must not hold a worker for ever, but a slow
    # machine must still finish a long lecture.
    return 120 + duration * 10


def run(
    command: list[str],
    *,
    timeout: float,
    kind: str = Failure.ENCODING,
) -> bytes:
    """Run a program and return its standard output, or raise FFmpegError."""
    try:
        completed = subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as error:
        raise FFmpegError(f"{command[0]} is not installed.", Failure.NO_TOOL) from error
    except subprocess.TimeoutExpired as error:
        raise FFmpegError(
            f"{Path(command[0]).name} took longer than {timeout:.0f} s.",
            Failure.TIMEOUT,
        ) from error

    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace")
        raise FFmpegError(_failure_reason(command, stderr, completed.returncode), kind)
    return completed.stdout


def _failure_reason(command: list[str], stderr: str, returncode: int) -> str:
    stderr = stderr.strip()
    # Paths of the server's disk have no place in a failure reason.
    for argument in command[1:]:
        if argument.startswith("/"):
            stderr = stderr.replace(argument, Path(argument).name)
            stderr = stderr.replace(str(Path(argument).parent) + "/", "")
    reason = stderr[-STDERR_TAIL:] or f"exit status {returncode}"
    return f"{Path(command[0]).name} failed: {reason}"


def _as_float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
