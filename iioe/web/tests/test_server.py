"""The production server as bin/start runs it: gunicorn with its settings."""

import gzip
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SCRIPTS = ["bin/setup", "bin/start", "bin/test", ".ci/run", "bench/run"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_scripts_are_executable_and_valid_bash(script: str) -> None:
    path = BASE_DIR / script

    result = subprocess.run(  # noqa: S603
        ["/bin/bash", "-n", str(path)], capture_output=True, text=True
    )

    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert result.returncode == 0, result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Start gunicorn as bin/start does, on a database of its own."""
    port = free_port()
    env = {
        **os.environ,
        "IIOE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "iioe.config.settings",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "ACCESS_LOG": "",
    }
    env.pop("DEBUG", None)
    # The admin's many files would only make collecting slower.
    for command in ["migrate -v 0", "collectstatic --noinput -v 0 --ignore=admin"]:
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command.split()],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "--config", "iioe/config/gunicorn.py"]
        + ["iioe.config.wsgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            get(port, "/health")
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield port, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_gunicorn_serves_compressed_pages_and_stops_cleanly_on_sigterm(
    server: tuple[int, subprocess.Popen[bytes]],
) -> None:
    port, process = server

    health, _ = get(port, "/health")
    page, body = get(port, "/credits", **{"Accept-Encoding": "gzip"})
    stylesheet = re.search(rb'href="(/static/web/site\.[0-9a-f]+\.css)"', body_of(body))
    assert stylesheet, "the page links no hashed stylesheet"
    css, _ = get(port, stylesheet.group(1).decode(), **{"Accept-Encoding": "br"})
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)

    assert health.status == 503  # no task worker runs beside this server
    assert health.getheader("Content-Type") == "application/json"
    assert page.status == 200
    assert page.getheader("Content-Encoding") == "gzip"
    assert b"<html" in body_of(body)
    assert page.getheader("X-Frame-Options") == "DENY"
    assert css.getheader("Content-Encoding") == "br"
    assert "immutable" in css.getheader("Cache-Control", "")
    assert process.returncode == 0


def body_of(compressed: bytes) -> bytes:
    return gzip.decompress(compressed)
