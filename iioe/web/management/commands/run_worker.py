"""Run the background task worker and keep its heartbeat for /health."""

import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from iioe.web.models import WorkerHeartbeat


def beat_forever(name: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            WorkerHeartbeat.objects.update_or_create(
                name=name, defaults={"seen_at": timezone.now()}
            )
        finally:
            close_old_connections()
        stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


class Command(BaseCommand):
    help = "Run the task worker (all queues) with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        name = f"{socket.gethostname()}:{os.getpid()}"
        stop = threading.Event()
        beat = threading.Thread(target=beat_forever, args=(name, stop), daemon=True)
        beat.start()
        try:
            call_command("db_worker", queue_name="*", interval=1, reload=False)
        finally:
            stop.set()
            WorkerHeartbeat.objects.filter(name=name).delete()
