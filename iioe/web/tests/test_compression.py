import gzip
import re
from pathlib import Path

import brotli
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def test_html_pages_are_gzipped_for_browsers_that_accept_it(client: Client) -> None:
    response = client.get(reverse("web:credits"), HTTP_ACCEPT_ENCODING="gzip, br")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert "<html" in gzip.decompress(response.content).decode()


def test_html_pages_are_plain_for_clients_that_do_not_ask(client: Client) -> None:
    response = client.get(reverse("web:credits"))

    assert "Content-Encoding" not in response
    assert b"<html" in response.content


COMPRESSED_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


@pytest.fixture(scope="module")
def collected_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collect the static files once, as bin/setup does: hashed, compressed."""
    root = tmp_path_factory.mktemp("collected")
    with override_settings(STATIC_ROOT=root, STORAGES=COMPRESSED_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected_static(settings: Settings, collected_root: Path) -> None:
    settings.STATIC_ROOT = collected_root
    settings.STORAGES = COMPRESSED_STORAGES


def stylesheet_url(client: Client) -> str:
    html = client.get(reverse("web:credits")).content.decode()
    match = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert match, "the page links no stylesheet"
    return match.group(1)


def test_static_files_are_served_with_brotli_and_cached_for_ever(
    client: Client, collected_static: None
) -> None:
    url = stylesheet_url(client)

    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert re.search(r"/site\.[0-9a-f]{12}\.css$", url)
    assert response["Content-Encoding"] == "br"
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    original = Path(finders.find("web/site.css")).read_bytes()  # type: ignore[arg-type]
    served = brotli.decompress(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert served == original
    assert int(response["Content-Length"]) < len(original) / 2


def test_static_files_fall_back_to_gzip_for_older_browsers(
    client: Client, collected_static: None
) -> None:
    response = client.get(stylesheet_url(client), HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
