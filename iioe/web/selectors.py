from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from iioe.web.models import WorkerHeartbeat


def worker_is_alive() -> bool:
    """Return whether any task worker wrote a heartbeat recently."""
    horizon = timezone.now() - timedelta(seconds=2 * settings.WORKER_HEARTBEAT_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=horizon).exists()
