from datetime import timedelta

from django.utils import timezone

from iioe.web.models import WorkerHeartbeat

# A worker killed without a chance to say goodbye leaves its row behind; rows
# this old are dropped by the next heartbeat of any worker.
FORGET_AFTER = timedelta(days=1)


def worker_heartbeat_record(*, name: str) -> None:
    """Record that the worker called name is alive now.

    One upsert and one delete of long-dead rows; safe to call from several
    workers at once, each under its own name.
    """
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def worker_heartbeat_forget(*, name: str) -> None:
    """Remove the heartbeat of a worker that is stopping cleanly."""
    WorkerHeartbeat.objects.filter(name=name).delete()
