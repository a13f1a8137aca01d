from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

OUTPUT_ROOT = "videos"
HLS_MASTER = "hls/master.m3u8"


def output_folder(key: int) -> str:
    """Return the storage folder of the files made by one conversion."""
    return f"{OUTPUT_ROOT}/{key}"


class Video(models.Model):
    """An uploaded video and the state of its transcoding.

    A new upload for a video that may already be playing is a second row that
    `replaces` it: once that row's files are ready, they move onto the first
    row in one transaction and the second row goes, so that pages linking to
    the first never see it half made.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        UNREADABLE = "unreadable", _("The file could not be read as a video.")
        DAMAGED = "damaged", _("The video is damaged: its pictures cannot be decoded.")
        ENCODING = "encoding", _("ffmpeg stopped while converting the video.")
        TIMEOUT = "timeout", _("Converting the video took too long.")
        NO_TOOL = "no_tool", _("The server lacks ffmpeg, which converts videos.")
        MISSING_SOURCE = (
            "missing_source",
            _("The uploaded file is missing from storage."),
        )
        UNEXPECTED = "unexpected", _("An unexpected error stopped the conversion.")

    title = models.CharField(_("title"), max_length=200)
    source = models.FileField(
        _("source file"), upload_to="videos/source/", max_length=255
    )
    # Identifies the content of the source, so that loading the same file
    # twice finds the existing video instead of transcoding it again.
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # Share of the conversion done, while it runs.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    failure_kind = models.CharField(
        _("failure"), max_length=20, choices=Failure.choices, blank=True
    )
    # ffmpeg's own words, for whoever runs the server; not translated.
    failure_reason = models.TextField(_("failure reason"), blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    has_audio = models.BooleanField(default=False)
    poster = models.ImageField(
        _("poster"), upload_to="videos/posters/", blank=True, max_length=255
    )
    audio = models.FileField(
        _("audio only"), upload_to="videos/audio/", blank=True, max_length=255
    )
    audio_size_bytes = models.PositiveBigIntegerField(default=0)
    # Names the folder, videos/<output_key>/, of the files made from the
    # source: the id of the row that made them, kept when they move to the
    # row this one replaces. Empty until the first conversion.
    output_key = models.PositiveIntegerField(null=True, blank=True, editable=False)
    replaces = models.ForeignKey(
        "self",
        related_name="replacements",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="video_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def output_dir(self) -> str:
        """The storage folder this video's next conversion writes to."""
        return output_folder(self.output_key or self.pk)

    @property
    def hls_master_name(self) -> str:
        """The storage name of the master playlist, empty before any."""
        if self.output_key is None:
            return ""
        return f"{output_folder(self.output_key)}/{HLS_MASTER}"

    @property
    def is_active(self) -> bool:
        """Say whether the video waits for, or is in, its conversion."""
        return self.status in (self.Status.PENDING, self.Status.PROCESSING)


class Rendition(models.Model):
    """One resolution of a video, made by ffmpeg from its source."""

    video = models.ForeignKey(
        Video, related_name="renditions", on_delete=models.CASCADE
    )
    height = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    file = models.FileField(upload_to="videos/renditions/", max_length=255)
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
