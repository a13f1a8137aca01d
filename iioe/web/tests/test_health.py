import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iioe.web import services
from iioe.web.models import WorkerHeartbeat

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_health_is_ok_when_a_worker_beat_just_now(client: Client) -> None:
    services.worker_heartbeat_record(name="worker-1")

    response = client.get(reverse("web:health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "worker": True}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_reports_a_dead_worker_whose_heartbeat_is_stale(client: Client) -> None:
    stale = timezone.now() - timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    WorkerHeartbeat.objects.create(name="worker-1", seen_at=stale)

    response = client.get(reverse("web:health"))

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": True, "worker": False}


@pytest.mark.django_db
def test_health_reports_a_dead_worker_when_none_ever_started(client: Client) -> None:
    response = client.get(reverse("web:health"))

    assert response.status_code == 503
    assert response.json()["worker"] is False


@pytest.mark.django_db
def test_health_answers_head_requests_of_monitors(client: Client) -> None:
    services.worker_heartbeat_record(name="worker-1")

    assert client.head(reverse("web:health")).status_code == 200


def test_health_answers_503_when_the_database_is_down(tmp_path: Path) -> None:
    # A separate process, so that the database can really be missing without
    # disturbing the test database of this one.
    env = separate_env(tmp_path, database=tmp_path / "missing-folder" / "db.sqlite3")
    script = (
        "import django; django.setup(); from django.test import Client; "
        "response = Client().get('/health'); "
        "print(response.status_code, response.content.decode())"
    )

    result = run_python("-c", script, env=env)

    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "degraded",
        "database": False,
        "worker": False,
    }
    assert "could not reach the database" in result.stderr


@pytest.mark.django_db
def test_a_heartbeat_of_a_worker_long_gone_is_dropped_by_the_next_beat() -> None:
    WorkerHeartbeat.objects.create(
        name="killed", seen_at=timezone.now() - timedelta(days=2)
    )

    services.worker_heartbeat_record(name="alive")

    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["alive"]


def separate_env(tmp_path: Path, *, database: Path) -> dict[str, str]:
    """Return the environment of a platform process with its own database."""
    return {
        **os.environ,
        "IIOE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "iioe.config.settings",
        "ALLOWED_HOSTS": "testserver",
    }


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_run_worker_keeps_a_heartbeat_and_removes_it_on_sigterm(
    tmp_path: Path,
) -> None:
    env = separate_env(tmp_path, database=tmp_path / "db.sqlite3")
    run_python("manage.py", "migrate", "-v", "0", env=env)
    count = "from iioe.web.models import WorkerHeartbeat as W; print(W.objects.count())"

    def heartbeats() -> int:
        result = run_python("manage.py", "shell", "-c", count, env=env)
        return int(result.stdout.strip().splitlines()[-1])

    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "run_worker"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while heartbeats() == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert heartbeats() == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)

    assert worker.returncode == 0, output
    assert heartbeats() == 0
