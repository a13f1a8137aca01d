"""Fixtures that let video tests run the real ffmpeg once per clip.

Encoding is the slow part of processing a video. `transcode_cache` keeps
each rendition that ffmpeg made during the test session, keyed by the content
of the source and the rendition's height, and later tests get a copy of it.
Probing, posters and everything around them still run for real every time.
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

from iioe.media import ffmpeg, services

DEMO_MEDIA = Path(settings.BASE_DIR) / "demo" / "media"
RABBIT = DEMO_MEDIA / "bbb_rabbit320" / "rabbit320.mp4"
POPEYE_1 = DEMO_MEDIA / "popeye_1936" / "popeye_excerpt1.mp4"
POPEYE_2 = DEMO_MEDIA / "popeye_1936" / "popeye_excerpt2.mp4"


class EncodeSpy:
    """Counts the renditions asked for, and those ffmpeg really encoded."""

    def __init__(self) -> None:
        self.requested: list[int] = []
        self.encoded: list[int] = []


@pytest.fixture(name="transcode_cache_dir", scope="session")
def transcode_cache_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("transcode-cache")


@pytest.fixture(name="transcode_cache")
def transcode_cache_fixture(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    transcode_cache_dir: Path,
) -> Iterator[EncodeSpy]:
    """Encode each (source, height) once per session; spy on every request."""
    settings.VIDEO_X264_PRESET = "ultrafast"
    spy = EncodeSpy()
    real_encode: Callable[..., None] = ffmpeg.encode_rendition

    def encode(source: Path, target: Path, **kwargs: Any) -> None:
        spy.requested.append(kwargs["height"])
        key = f"{services.file_sha256(source)}-{kwargs['height']}.mp4"
        cached = transcode_cache_dir / key
        if not cached.exists():
            real_encode(source, target, **kwargs)
            spy.encoded.append(kwargs["height"])
            shutil.copyfile(target, cached)
        shutil.copyfile(cached, target)

    monkeypatch.setattr(ffmpeg, "encode_rendition", encode)
    yield spy
