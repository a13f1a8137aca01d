"""Thin, typed wrappers around the ffprobe and ffmpeg programs.

They work on local paths and know nothing of models or storage; the services
copy files in and out. Every failure, including a missing program, surfaces as
FFmpegError with a short reason fit for the video's failure record and a kind
that the staff pages explain in the reader's language.

A video's renditions are made by `encode_ladder` in one folder laid out as it
is stored: an MP4 file per rung of the ladder (and an audio-only M4A when the
source has sound), made by one ffmpeg process from one decode of the source;
then HLS segments and playlists, cut from those files without encoding again;
then a poster and a master playlist.
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

# The rungs of the ladder; a video gets every rung up to its own height.
LADDER = (240, 360, 720)
# Peak video bitrates per rung, in kbit/s, so that a slow link can keep up.
VIDEO_KBITS = {240: 400, 360: 800, 720: 2500}
AUDIO_KBITS = {240: 64, 360: 96, 720: 128}
AUDIO_ONLY_KBITS = 64
# Short segments let a slow link show the first frame sooner; every rung has
# a key frame at each multiple of this, so the player can switch at any one.
SEGMENT_SECONDS = 2
POSTER_MAX_HEIGHT = 720
# The containers an upload may be in, as ffprobe names them: MP4 and MOV are
# one family, WebM and MKV another.
ACCEPTED_FORMATS = frozenset({"mov", "mp4", "matroska", "webm"})
AUDIO_CODECS = "mp4a.40.2"
AUDIO_DIR = "audio"
AUDIO_ONLY_FILE = "audio.m4a"
POSTER = "poster.jpg"
HLS_DIR = "hls"
MASTER_PLAYLIST = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"
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


@dataclass(frozen=True)
class RungFile:
    height: int
    width: int
    path: Path
    size_bytes: int


@dataclass(frozen=True)
class Ladder:
    """The files encode_ladder made, all inside `root`."""

    root: Path
    rungs: list[RungFile]
    audio: Path | None
    poster: Path
    master: Path


def probe(path: Path) -> Probe:
    """Return the duration, frame size and audio presence of a media file."""
    output = _run(
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
    frame = _run(
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


def ladder_for(source_height: int) -> list[int]:
    """Return the rung heights for a source, never above its own height.

    A source lower than the lowest rung gets that one rung at its own height
    (made even), so that every video has something to play.
    """
    heights = [height for height in LADDER if height <= source_height]
    return heights or [max(2, source_height - source_height % 2)]


def encode_ladder(
    source: Path,
    target: Path,
    *,
    info: Probe,
    on_progress: Callable[[float], None] | None = None,
) -> Ladder:
    """Make every rendition of a source in the folder `target`.

    `on_progress` is called with the share done, from 0 to 1, as the encoder
    moves through the source. Files already in `target` are overwritten.
    """
    heights = ladder_for(info.height)
    target.mkdir(parents=True, exist_ok=True)
    _run_with_progress(
        ladder_command(source, target, heights=heights, has_audio=info.has_audio),
        duration=info.duration_seconds,
        timeout=_encode_timeout(info.duration_seconds),
        on_progress=on_progress,
    )
    _run(
        hls_command(target, heights=heights, has_audio=info.has_audio),
        timeout=_encode_timeout(info.duration_seconds) / 4,
    )
    extract_poster(source, target / POSTER, duration=info.duration_seconds)

    ladder = ladder_read(target, info=info)
    write_master(target / HLS_DIR, rungs=ladder.rungs, has_audio=info.has_audio)
    return ladder


def ladder_read(folder: Path, *, info: Probe) -> Ladder:
    """Return what a folder that encode_ladder filled holds for a source."""
    rungs = [
        RungFile(
            height=height,
            width=rung_width(info, height),
            path=folder / f"{height}p.mp4",
            size_bytes=(folder / f"{height}p.mp4").stat().st_size,
        )
        for height in ladder_for(info.height)
    ]
    return Ladder(
        root=folder,
        rungs=rungs,
        audio=folder / AUDIO_ONLY_FILE if info.has_audio else None,
        poster=folder / POSTER,
        master=folder / HLS_DIR / MASTER_PLAYLIST,
    )


def rung_width(info: Probe, height: int) -> int:
    """Return the width ffmpeg gives a rung scaled with `scale=-2:height`.

    It keeps the shown frame's proportions, rounded half up to an even
    number of pixels, as ffmpeg's own arithmetic does; computing it saves
    probing every file made.
    """
    numerator, denominator = height * info.width, 2 * info.height
    return 2 * ((2 * numerator + denominator) // (2 * denominator))


def ladder_command(
    source: Path, target: Path, *, heights: list[int], has_audio: bool
) -> list[str]:
    """Return the ffmpeg command that encodes every rung from one decode.

    The decoded picture is split once per rung and scaled; each rung is an
    H.264 (and AAC) MP4 with key frames at every SEGMENT_SECONDS, so that
    the HLS segments of all rungs line up, and its index at the front.
    """
    splits = "".join(f"[s{i}]" for i in range(len(heights)))
    graph = [f"[0:v:0]split={len(heights)}{splits}"] + [
        f"[s{i}]scale=-2:{height},format=yuv420p[v{i}]"
        for i, height in enumerate(heights)
    ]
    command = [
        settings.FFMPEG_BINARY,
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-i",
        str(source),
        "-filter_complex",
        ";".join(graph),
    ]
    for i, height in enumerate(heights):
        kbits = VIDEO_KBITS.get(height, VIDEO_KBITS[LADDER[0]])
        command += [
            "-map",
            f"[v{i}]",
            "-c:v",
            "libx264",
            "-preset",
            settings.VIDEO_X264_PRESET,
            "-crf",
            "23",
            "-maxrate",
            f"{kbits}k",
            "-bufsize",
            f"{2 * kbits}k",
            "-force_key_frames",
            f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
            "-sc_threshold",
            "0",
            "-g",
            "1000",
        ]
        if has_audio:
            command += _audio_args(AUDIO_KBITS.get(height, AUDIO_ONLY_KBITS))
        else:
            command += ["-an"]
        command += _mp4_args(target / f"{height}p.mp4")
    if has_audio:
        command += ["-vn", *_audio_args(AUDIO_ONLY_KBITS)]
        command += _mp4_args(target / AUDIO_ONLY_FILE)
    return command


def hls_command(target: Path, *, heights: list[int], has_audio: bool) -> list[str]:
    """Return the ffmpeg command that cuts the rungs into HLS, copying streams.

    Each rung gets a folder named after it with an fMP4 init segment, its
    segments and its media playlist; the audio-only rendition gets `audio/`.
    """
    inputs: list[str] = []
    maps: list[str] = []
    variants: list[str] = []
    for i, height in enumerate(heights):
        inputs += ["-i", str(target / f"{height}p.mp4")]
        maps += ["-map", f"{i}:v:0"] + (["-map", f"{i}:a:0"] if has_audio else [])
        audio = f"a:{i}," if has_audio else ""
        variants.append(f"v:{i},{audio}name:{height}p")
    if has_audio:
        inputs += ["-i", str(target / AUDIO_ONLY_FILE)]
        maps += ["-map", f"{len(heights)}:a:0"]
        variants.append(f"a:{len(heights)},name:{AUDIO_DIR}")

    hls = target / HLS_DIR
    return [
        settings.FFMPEG_BINARY,
        "-nostdin",
        "-y",
        "-v",
        "error",
        *inputs,
        *maps,
        "-c",
        "copy",
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_SECONDS),
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_fmp4_init_filename",
        "init.mp4",
        "-hls_segment_filename",
        str(hls / "%v" / "seg-%05d.m4s"),
        "-var_stream_map",
        " ".join(variants),
        str(hls / "%v" / MEDIA_PLAYLIST),
    ]


def write_master(hls: Path, *, rungs: list[RungFile], has_audio: bool) -> None:
    """Write the master playlist of an HLS folder, lowest rung first.

    BANDWIDTH is the peak bitrate of a segment and AVERAGE-BANDWIDTH the mean,
    measured on the files; CODECS comes from each rung's init segment. A
    player that knows nothing of the link starts at the first entry.
    """
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        folder = hls / f"{rung.height}p"
        peak, average = _bitrates(folder)
        codecs = _avc_codec(folder)
        if has_audio:
            codecs = f"{codecs},{AUDIO_CODECS}"
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f'RESOLUTION={rung.width}x{rung.height},CODECS="{codecs}"',
            f"{rung.height}p/{MEDIA_PLAYLIST}",
        ]
    if has_audio:
        peak, average = _bitrates(hls / AUDIO_DIR)
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f'CODECS="{AUDIO_CODECS}"',
            f"{AUDIO_DIR}/{MEDIA_PLAYLIST}",
        ]
    (hls / MASTER_PLAYLIST).write_text("\n".join(lines) + "\n", encoding="utf-8")


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


def _run_with_progress(
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


def _bitrates(folder: Path) -> tuple[int, int]:
    """Return the peak and mean bitrates, in bit/s, of a rendition's segments.

    Segments shorter than a second (the last one, often) are left out of the
    peak, where their few bytes would weigh too much.
    """
    playlist = (folder / MEDIA_PLAYLIST).read_text(encoding="utf-8").splitlines()
    total_bits = total_seconds = peak = 0.0
    seconds = 0.0
    for line in playlist:
        if line.startswith("#EXTINF:"):
            seconds = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#"):
            bits = (folder / line).stat().st_size * 8
            total_bits += bits
            total_seconds += seconds
            if seconds >= 1:
                peak = max(peak, bits / seconds)
    average = total_bits / total_seconds if total_seconds else 0
    return math.ceil(peak or average), math.ceil(average)


def _avc_codec(folder: Path) -> str:
    """Return the RFC 6381 name of the H.264 stream in a rendition's init segment.

    It is read from the avcC box: profile, constraint flags and level.
    """
    init = next(folder.glob("init*.mp4"))
    data = init.read_bytes()
    at = data.find(b"avcC")
    if at < 0 or len(data) < at + 8:
        raise FFmpegError("The H.264 settings of a rendition could not be read.")
    profile, constraints, level = data[at + 5], data[at + 6], data[at + 7]
    return f"avc1.{profile:02x}{constraints:02x}{level:02x}"


def _audio_args(kbits: int) -> list[str]:
    return ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{kbits}k", "-ac", "2"]


def _mp4_args(path: Path) -> list[str]:
    return ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", str(path)]


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


def _encode_timeout(duration: float) -> float:
    # Generous: a stuck ffmpeg must not hold a worker for ever, but a slow
    # machine must still finish a long lecture.
    return 120 + duration * 10


def _run(
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
