"""Fixtures that let video tests run the real ffmpeg once per clip.

Encoding is the slow part of processing a video. `transcode_cache` keeps the
folder of renditions that ffmpeg made for each source during the test
session, keyed by the content of the source, and later tests get a copy of
it. Probing, storing and publishing the files still run for real every time.
Outside iioe/media/tests, import the `*_fixture` functions into a test module
to use the fixtures.
"""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pytest_django.fixtures import Settings

from iioe.media import ladder, services

DEMO_MEDIA = Path(settings.BASE_DIR) / "demo" / "media"
RABBIT = DEMO_MEDIA / "bbb_rabbit320" / "rabbit320.mp4"
POPEYE_1 = DEMO_MEDIA / "popeye_1936" / "popeye_excerpt1.mp4"
POPEYE_2 = DEMO_MEDIA / "popeye_1936" / "popeye_excerpt2.mp4"


class EncodeSpy:
    """Counts the ladders asked for, and those ffmpeg really encoded."""

    def __init__(self) -> None:
        self.requested: list[str] = []
        self.encoded: list[str] = []


@pytest.fixture(name="transcode_cache_dir", scope="session")
def transcode_cache_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("transcode-cache")


@pytest.fixture(name="transcode_cache")
def transcode_cache_fixture(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    transcode_cache_dir: Path,
) -> Iterator[EncodeSpy]:
    """Encode each source's ladder once per session; spy on every request."""
    settings.VIDEO_X264_PRESET = "ultrafast"
    spy = EncodeSpy()
    real_encode: Callable[..., ladder.Ladder] = ladder.encode_ladder

    def encode(source: Path, target: Path, **kwargs: Any) -> ladder.Ladder:
        spy.requested.append(source.name)
        cached = transcode_cache_dir / services.file_sha256(source)
        if not cached.exists():
            real_encode(source, cached, **kwargs)
            spy.encoded.append(source.name)
        elif kwargs.get("on_progress"):
            kwargs["on_progress"](1.0)
        shutil.copytree(cached, target, dirs_exist_ok=True)
        return ladder.ladder_read(target, info=kwargs["info"])

    monkeypatch.setattr(ladder, "encode_ladder", encode)
    yield spy
