from django.db import models
from django.utils.translation import gettext_lazy as _


class Video(models.Model):
    """An uploaded video and the state of its transcoding."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=200)
    source = models.FileField(_("source file"), upload_to="videos/source/")
    # Identifies the content of the source, so that loading the same file
    # twice finds the existing video instead of transcoding it again.
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    has_audio = models.BooleanField(default=False)
    poster = models.ImageField(_("poster"), upload_to="videos/posters/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class Rendition(models.Model):
    """One resolution of a video, made by ffmpeg from its source."""

    video = models.ForeignKey(
        Video, related_name="renditions", on_delete=models.CASCADE
    )
    height = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    file = models.FileField(upload_to="videos/renditions/")
    size_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["height"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "height"], name="rendition_video_height_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.video} {self.height}p"


class CaptionTrack(models.Model):
    """A WebVTT caption track of a video in one language."""

    video = models.ForeignKey(Video, related_name="captions", on_delete=models.CASCADE)
    language = models.CharField(_("language"), max_length=20)
    label = models.CharField(_("label"), max_length=100, blank=True)
    file = models.FileField(upload_to="videos/captions/")

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "language"], name="caption_video_language_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.video} [{self.language}]"
