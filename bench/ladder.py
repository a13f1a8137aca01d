"""Time the platform's video ladder against plain ffmpeg making the same files.

For each clip bundled in demo/media, in one run and in turns, round after
round:

- platform: the task a worker runs for a new upload (`video_process`):
  probing, the one-process encode of every rung and the audio-only file with
  progress reports, HLS packaging, the poster, the master playlist, copying
  the files into storage and publishing them in the database;
- plain: the same renditions made by ffmpeg command lines written here by
  hand, from one decode (split filter), then packaged and a poster taken;
- per rung: the same renditions made the way one often sees it done, one
  ffmpeg command per rendition, each decoding the source again (shown for
  reference; not the target).

Each run is measured twice: wall-clock seconds, and CPU seconds (of this
process and of the ffmpeg and ffprobe processes it waited for). On a shared
machine the wall clock swings with other work while the CPU time hardly
moves, so the overhead, the platform's time over plain ffmpeg's (the median
over rounds of the ratio within a round), is judged on CPU time and shown for
both. The figures go to bench/results/ladder.json. Target: overhead of 10 %
or less.

    .venv/bin/python bench/ladder.py                 # 3 rounds, a few minutes
    .venv/bin/python bench/ladder.py --rounds 1      # a quick look
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CLIPS = sorted((BASE_DIR / "demo" / "media").glob("*/*.mp4"))
RESULTS = BASE_DIR / "bench" / "results" / "ladder.json"
TARGET_OVERHEAD = 0.10
WALL, CPU = 0, 1


@dataclass
class Clip:
    name: str
    duration: float
    height: int
    rungs: list[int]
    has_audio: bool
    # Seconds per round, as (wall clock, CPU).
    platform: list[tuple[float, float]] = field(default_factory=list)
    plain: list[tuple[float, float]] = field(default_factory=list)
    per_rung: list[tuple[float, float]] = field(default_factory=list)

    def overhead(self, kind: int) -> float:
        """Return the median ratio of platform to plain, minus one; `kind` is
        0 for wall-clock time, 1 for CPU time."""
        ratios = [
            p[kind] / q[kind] for p, q in zip(self.platform, self.plain, strict=True)
        ]
        return statistics.median(ratios) - 1


def measured(work: Callable[[], None]) -> tuple[float, float]:
    """Run `work`; return its wall-clock and CPU seconds, children included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = time.process_time()
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, children + time.process_time() - cpu_before


def main() -> int:
    options = parse_arguments()
    var_dir = Path(tempfile.mkdtemp(prefix="iioe-ladder-"))
    try:
        setup_django(var_dir, options.preset)
        clips = [describe(path) for path in CLIPS]
        # One untimed turn first, so that imports and cold caches of the
        # first run count against neither side.
        warm_up = describe(CLIPS[0])
        time_platform(warm_up, CLIPS[0])
        time_plain(warm_up, CLIPS[0], var_dir, options.preset)
        for round_number in range(1, options.rounds + 1):
            for clip, path in zip(clips, CLIPS, strict=True):
                # Taking turns at going first spreads any drift of the
                # machine evenly over both.
                if round_number % 2:
                    time_platform(clip, path)
                    time_plain(clip, path, var_dir, options.preset)
                else:
                    time_plain(clip, path, var_dir, options.preset)
                    time_platform(clip, path)
                if not options.skip_per_rung:
                    time_per_rung(clip, path, var_dir, options.preset)
            print(f"round {round_number} of {options.rounds} done", file=sys.stderr)
        report(clips, options)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0 if overall_overhead(clips, CPU) <= TARGET_OVERHEAD else 1


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--preset",
        default=os.environ.get("VIDEO_X264_PRESET", "veryfast"),
        help="x264 preset for every run (the platform's default: veryfast)",
    )
    parser.add_argument(
        "--skip-per-rung", action="store_true", help="leave out the reference run"
    )
    parser.add_argument("--json", type=Path, default=RESULTS)
    return parser.parse_args()


def setup_django(var_dir: Path, preset: str) -> None:
    """Start Django on a throwaway SQLite database and media folder."""
    for name in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"):
        os.environ.pop(name, None)
    os.environ["IIOE_VAR_DIR"] = str(var_dir)
    os.environ["VIDEO_X264_PRESET"] = preset
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iioe.config.settings")
    sys.path.insert(0, str(BASE_DIR))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def describe(path: Path) -> Clip:
    from iioe.media import ffmpeg, ladder

    info = ffmpeg.probe(path)
    return Clip(
        name=path.name,
        duration=info.duration_seconds,
        height=info.height,
        rungs=ladder.ladder_for(info.height),
        has_audio=info.has_audio,
    )


def time_platform(clip: Clip, path: Path) -> None:
    """Time the worker's task on a video stored as an upload leaves it.

    An upload is probed when it arrives, to refuse what is not a video; the
    worker then starts from what that probe found.
    """
    from django.core.files import File

    from iioe.media import ffmpeg, services
    from iioe.media.models import Video

    info = ffmpeg.probe(path)
    with path.open("rb") as handle:
        video = Video(
            title=clip.name,
            duration_seconds=info.duration_seconds,
            width=info.width,
            height=info.height,
            has_audio=info.has_audio,
        )
        video.source.save(path.name, File(handle))
    clip.platform.append(measured(lambda: services.video_process(video_id=video.pk)))

    video.refresh_from_db()
    if video.status != Video.Status.READY:
        raise SystemExit(f"{clip.name}: {video.failure_reason}")
    heights = sorted(video.renditions.values_list("height", flat=True))
    assert heights == clip.rungs, (heights, clip.rungs)


def time_plain(clip: Clip, path: Path, var_dir: Path, preset: str) -> None:
    """Time hand-written ffmpeg command lines making the same files."""
    out = fresh_folder(var_dir / "plain")
    commands = [plain_encode(clip, path, out, preset), plain_package(clip, out)]
    commands.append(plain_poster(clip, path, out))
    clip.plain.append(measured(lambda: run_all(commands)))
    expected = {f"{h}p.mp4" for h in clip.rungs} | {"poster.jpg"}
    expected |= {"audio.m4a"} if clip.has_audio else set()
    assert expected <= {p.name for p in out.iterdir()}


def time_per_rung(clip: Clip, path: Path, var_dir: Path, preset: str) -> None:
    """Time one ffmpeg command per rendition, each decoding the source."""
    out = fresh_folder(var_dir / "per-rung")
    commands = []
    for height in clip.rungs:
        kbits = {240: 400, 360: 800, 720: 2500}.get(height, 400)
        commands.append(
            ["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", str(path)]
            + ["-vf", f"scale=-2:{height},format=yuv420p"]
            + x264(kbits, preset)
            + (
                aac({240: 64, 360: 96, 720: 128}.get(height, 64))
                if clip.has_audio
                else ["-an"]
            )
            + ["-movflags", "+faststart", str(out / f"{height}p.mp4")]
        )
    if clip.has_audio:
        commands.append(
            ["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", str(path), "-vn"]
            + aac(64)
            + ["-movflags", "+faststart", str(out / "audio.m4a")]
        )
    commands += [plain_package(clip, out), plain_poster(clip, path, out)]
    clip.per_rung.append(measured(lambda: run_all(commands)))


def run_all(commands: list[list[str]]) -> None:
    for command in commands:
        subprocess.run(command, check=True)


def plain_encode(clip: Clip, path: Path, out: Path, preset: str) -> list[str]:
    count = len(clip.rungs)
    graph = f"[0:v:0]split={count}" + "".join(f"[s{i}]" for i in range(count))
    for i, height in enumerate(clip.rungs):
        graph += f";[s{i}]scale=-2:{height},format=yuv420p[v{i}]"
    command = ["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", str(path)]
    command += ["-filter_complex", graph]
    for i, height in enumerate(clip.rungs):
        kbits = {240: 400, 360: 800, 720: 2500}.get(height, 400)
        command += ["-map", f"[v{i}]"] + x264(kbits, preset)
        if clip.has_audio:
            command += ["-map", "0:a:0"] + aac(
                {240: 64, 360: 96, 720: 128}.get(height, 64)
            )
        else:
            command += ["-an"]
        command += ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart"]
        command += [str(out / f"{height}p.mp4")]
    if clip.has_audio:
        command += ["-map", "0:a:0", "-vn"] + aac(64)
        command += ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart"]
        command += [str(out / "audio.m4a")]
    return command


def plain_package(clip: Clip, out: Path) -> list[str]:
    command = ["ffmpeg", "-nostdin", "-y", "-v", "error"]
    maps: list[str] = []
    variants = []
    for i, height in enumerate(clip.rungs):
        command += ["-i", str(out / f"{height}p.mp4")]
        maps += ["-map", f"{i}:v:0"] + (["-map", f"{i}:a:0"] if clip.has_audio else [])
        audio = f"a:{i}," if clip.has_audio else ""
        variants.append(f"v:{i},{audio}name:{height}p")
    if clip.has_audio:
        command += ["-i", str(out / "audio.m4a")]
        maps += ["-map", f"{len(clip.rungs)}:a:0"]
        variants.append(f"a:{len(clip.rungs)},name:audio")
    return command + maps + [
        "-c", "copy", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", str(out / "hls" / "%v" / "seg-%05d.m4s"),
        "-master_pl_name", "master.m3u8", "-var_stream_map", " ".join(variants),
        str(out / "hls" / "%v" / "index.m3u8"),
    ]  # fmt: skip


def plain_poster(clip: Clip, path: Path, out: Path) -> list[str]:
    at = min(clip.duration * 0.25, 10.0)
    return [
        "ffmpeg", "-nostdin", "-y", "-v", "error", "-ss", f"{at:.3f}", "-i", str(path),
        "-frames:v", "1", "-vf", "scale=-2:'min(ih,720)',format=yuvj420p", "-q:v", "4",
        str(out / "poster.jpg"),
    ]  # fmt: skip


def x264(kbits: int, preset: str) -> list[str]:
    return [
        "-c:v", "libx264", "-preset", preset, "-crf", "23",
        "-maxrate", f"{kbits}k", "-bufsize", f"{2 * kbits}k",
        "-force_key_frames", "expr:gte(t,n_forced*2)", "-sc_threshold", "0",
        "-g", "1000",
    ]  # fmt: skip


def aac(kbits: int) -> list[str]:
    return ["-c:a", "aac", "-b:a", f"{kbits}k", "-ac", "2"]


def fresh_folder(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def overall_overhead(clips: list[Clip], kind: int) -> float:
    """Return the overhead on the times of all clips summed, round by round."""
    rounds = len(clips[0].platform)
    ratios = [
        sum(c.platform[r][kind] for c in clips) / sum(c.plain[r][kind] for c in clips)
        for r in range(rounds)
    ]
    return statistics.median(ratios) - 1


def median(times: list[tuple[float, float]], kind: int) -> float:
    return statistics.median(t[kind] for t in times) if times else float("nan")


def report(clips: list[Clip], options: argparse.Namespace) -> None:
    print(f"x264 preset {options.preset}, {options.rounds} rounds, medians")
    print(
        f"{'clip':<22}{'length':>7}{'rungs':>10}"
        f"{'platform':>16}{'plain':>14}{'per rung':>14}{'overhead':>16}"
    )
    print(f"{'':<39}{'wall / CPU s':>16}{'wall / CPU s':>14}{'wall / CPU s':>14}"
          f"{'wall / CPU':>16}")  # fmt: skip
    for clip in clips:
        rungs = "+".join(str(h) for h in clip.rungs) + ("+a" if clip.has_audio else "")
        print(
            f"{clip.name:<22}{clip.duration:7.1f}{rungs:>10}"
            f"{median(clip.platform, WALL):8.2f} /{median(clip.platform, CPU):6.2f}"
            f"{median(clip.plain, WALL):6.2f} /{median(clip.plain, CPU):6.2f}"
            f"{median(clip.per_rung, WALL):6.2f} /{median(clip.per_rung, CPU):6.2f}"
            f"{clip.overhead(WALL):8.1%} /{clip.overhead(CPU):6.1%}"
        )
    wall, cpu = overall_overhead(clips, WALL), overall_overhead(clips, CPU)
    verdict = "met" if cpu <= TARGET_OVERHEAD else "NOT met"
    print(
        f"all clips: overhead {cpu:.1%} of CPU time, {wall:.1%} of wall-clock time "
        f"(target {TARGET_OVERHEAD:.0%}: {verdict})"
    )

    options.json.parent.mkdir(parents=True, exist_ok=True)
    figures = {
        "preset": options.preset,
        "rounds": options.rounds,
        "overhead_cpu": round(cpu, 4),
        "overhead_wall": round(wall, 4),
        "clips": [
            asdict(clip)
            | {
                "overhead_cpu": round(clip.overhead(CPU), 4),
                "overhead_wall": round(clip.overhead(WALL), 4),
            }
            for clip in clips
        ],
    }
    options.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
