from django.db import models


class WorkerHeartbeat(models.Model):
    """The last sign of life of a background task worker process."""

    name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
