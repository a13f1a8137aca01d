"""The ladder of renditions made from a video's source, with ffmpeg.

`encode_ladder` fills one local folder, laid out as it is stored: an MP4 file
per rung (and an audio-only M4A when the source has sound), all made by one
ffmpeg process from one decode of the source; then HLS segments and media
playlists, cut from those files without encoding again; then a poster and
the master playlist. Nothing here knows of models or storage.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from iioe.media import ffmpeg

# The rungs of the ladder; a video gets every rung up to its own height.
LADDER = (240, 360, 720)
# Peak video bitrates per rung, in kbit/s, so that a slow link can keep up,
# and the sound that goes with each rung.
VIDEO_KBITS = {240: 400, 360: 800, 720: 2500}
AUDIO_KBITS = {240: 64, 360: 96, 720: 128}
AUDIO_ONLY_KBITS = 64
AUDIO_CODECS = "mp4a.40.2"
# Short segments let a slow link show the first frame sooner; every rung has
# a key frame at each multiple of this, so the player can switch at any one.
SEGMENT_SECONDS = 2
# Names inside the folder, as the storage keeps them too.
AUDIO_ONLY_FILE = "audio.m4a"
POSTER = "poster.jpg"
HLS_DIR = "hls"
AUDIO_DIR = "audio"
MASTER_PLAYLIST = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"


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
    info: ffmpeg.Probe,
    on_progress: Callable[[float], None] | None = None,
) -> Ladder:
    """Make every rendition of a source in the folder `target`.

    `on_progress` is called with the share done, from 0 to 1, as the encoder
    moves through the source. Files already in `target` are overwritten.
    """
    heights = ladder_for(info.height)
    target.mkdir(parents=True, exist_ok=True)
    ffmpeg.run_with_progress(
        ladder_command(source, target, heights=heights, has_audio=info.has_audio),
        duration=info.duration_seconds,
        timeout=ffmpeg.encode_timeout(info.duration_seconds),
        on_progress=on_progress,
    )
    ffmpeg.run(
        hls_command(target, heights=heights, has_audio=info.has_audio),
        timeout=ffmpeg.encode_timeout(info.duration_seconds) / 4,
    )
    ffmpeg.extract_poster(source, target / POSTER, duration=info.duration_seconds)

    ladder = ladder_read(target, info=info)
    write_master(target / HLS_DIR, rungs=ladder.rungs, has_audio=info.has_audio)
    return ladder


def ladder_read(folder: Path, *, info: ffmpeg.Probe) -> Ladder:
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


def rung_width(info: ffmpeg.Probe, height: int) -> int:
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
        raise ffmpeg.FFmpegError("The H.264 settings of a rendition could not be read.")
    profile, constraints, level = data[at + 5], data[at + 6], data[at + 7]
    return f"avc1.{profile:02x}{constraints:02x}{level:02x}"


def _audio_args(kbits: int) -> list[str]:
    return ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{kbits}k", "-ac", "2"]


def _mp4_args(path: Path) -> list[str]:
    return ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", str(path)]
