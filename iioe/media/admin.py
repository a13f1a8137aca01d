from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from iioe.media import services
from iioe.media.models import CaptionTrack, Rendition, Video


class RenditionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Rendition
    extra = 0
    fields = ["height", "width", "size_bytes", "file"]
    readonly_fields = fields
    can_delete = False


class CaptionTrackInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaptionTrack
    extra = 0
    fields = ["language", "label", "file"]


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin[Video]):
    list_display = [
        "title",
        "status",
        "progress",
        "duration_seconds",
        "height",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    fields = [
        "title",
        "source",
        "status",
        "progress",
        "failure_kind",
        "failure_reason",
        "duration_seconds",
    ]
    readonly_fields = [
        "status",
        "progress",
        "failure_kind",
        "failure_reason",
        "duration_seconds",
    ]
    inlines = [RenditionInline, CaptionTrackInline]
    actions = ["process_again"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Video | None = None
    ) -> list[str]:
        # Renditions are made from the source, so it cannot be swapped under
        # them; upload a new video instead.
        return [*self.readonly_fields, "source"] if obj else [*self.readonly_fields]

    def save_model(
        self, request: HttpRequest, obj: Video, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            services.video_request_processing(video=obj)

    @admin.action(description=_("Make missing renditions again"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        count = sum(services.video_request_processing(video=v) for v in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d video queued for processing.",
                "%(count)d videos queued for processing.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
