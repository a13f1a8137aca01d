"""Run the background task worker and keep its heartbeat for /health."""

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from iioe.web import services

logger = logging.getLogger(__name__)


def beat_forever(name: str, stop: threading.Event) -> None:
    """Write a heartbeat every few seconds until asked to stop.

    A database hiccup is logged and retried at the next beat rather than
    killing the thread, which would make a healthy worker look dead.
    """
    while not stop.is_set():
        try:
            services.worker_heartbeat_record(name=name)
        except DatabaseError:
            logger.warning("Worker %s could not write its heartbeat", name)
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
            beat.join(timeout=5)
            services.worker_heartbeat_forget(name=name)
