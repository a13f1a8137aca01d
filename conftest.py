"""Test settings shared by every app: real parts, isolated from one another."""

from pathlib import Path
from typing import Any

import pytest

# Fixtures every app may use: a real SMTP server, and ffmpeg run once per clip.
pytest_plugins = ["iioe.accounts.tests.smtp", "iioe.media.tests.fixtures"]


@pytest.fixture(autouse=True)
def isolated_settings(settings: Any, tmp_path: Path) -> None:
    """Give each test its own media folder, cache and synchronous tasks."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # WhiteNoise warns about a missing STATIC_ROOT; tests need no collected files.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    # A locmem cache is shared by every cache with the same LOCATION, so each
    # test names its own. Guest pages are not cached, so that a page shows
    # what the test just changed (iioe/web/tests/test_caching.py turns it on).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"default-{tmp_path}",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pages-{tmp_path}",
        },
    }
    settings.GUEST_PAGE_CACHE_SECONDS = 0
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "video"],
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
