"""The Django admin for plain records; courses are published in the staff area.

Publication goes through the services here too (as actions), so that every
change of it is recorded with who and when.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from iioe.catalog import services
from iioe.catalog.models import (
    Category,
    Course,
    CourseEvent,
    Instructor,
    Review,
)
from iioe.catalog.photos import photo_normalise
from iioe.catalog.search import course_search_index_update


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_en", "name_zh_hans", "name_fr", "family", "position"]
    list_filter = ["family"]
    list_editable = ["position"]
    search_fields = ["name_en", "name_zh_hans", "name_fr", "slug"]


class InstructorAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Instructor
        fields = ["name", "bio", "photo"]

    def clean_photo(self) -> Any:
        # A new upload is checked and re-encoded as in the staff area; the
        # stored photo or a cleared one pass as they are.
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return photo_normalise(upload=photo)
        return photo


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = InstructorAdminForm
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "title",
        "provider",
        "category",
        "language",
        "published_on",
        "view_count",
        "is_published",
    ]
    list_filter = ["is_published", "language", "category__family", "category"]
    list_select_related = ["provider", "category"]
    search_fields = ["title", "provider__name", "external_id"]
    autocomplete_fields = ["provider", "instructors"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "view_count",
        # Follow from the source rating and the reviews (see save_related).
        "rating_average",
        "rating_count",
        "is_published",
        "publication_changed_at",
        "publication_changed_by",
    ]
    date_hierarchy = "published_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "unpublish"]

    def save_model(
        self, request: HttpRequest, obj: Course, form: Any, change: bool
    ) -> None:
        if not change:
            # A new course waits for the publish action, which records who.
            obj.is_published = False
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        # The instructors are saved here, after the course: only then can the
        # search index be brought up to date.
        super().save_related(request, form, formsets, change)
        course_search_index_update(course_ids=[form.instance.pk])
        services.course_ratings_recompute(course_ids=[form.instance.pk])

    def delete_model(self, request: HttpRequest, obj: Course) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        course_search_index_update(course_ids=[pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        course_search_index_update(course_ids=ids)

    @admin.action(description=_("Publish the selected courses"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        changed = sum(
            services.course_publish(actor=request.user, course=course)  # type: ignore[arg-type]
            for course in queryset
        )
        self.message_user(
            request,
            ngettext(
                "%(count)s course published.", "%(count)s courses published.", changed
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected courses"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        changed = sum(
            services.course_unpublish(actor=request.user, course=course)  # type: ignore[arg-type]
            for course in queryset
        )
        self.message_user(
            request,
            ngettext(
                "%(count)s course unpublished.",
                "%(count)s courses unpublished.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )


@admin.register(CourseEvent)
class CourseEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The record of changes to courses; it can be read, never changed."""

    list_display = ["at", "course", "action", "actor"]
    list_filter = ["action"]
    list_select_related = ["course", "actor"]
    search_fields = ["course__title", "course__external_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: CourseEvent | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: CourseEvent | None = None
    ) -> bool:
        return False


class ReviewAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Review
        fields = ["is_hidden", "hidden_reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("is_hidden") and not cleaned.get("hidden_reason", "").strip():
            self.add_error("hidden_reason", _("Say why the review is hidden."))
        return cleaned


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Learners' reviews: the secretariat hides one with a reason, or shows it.

    Reviews are hidden rather than deleted, so that the author sees why; the
    changes go through the services, which keep the course's figures exact.
    """

    form = ReviewAdminForm
    list_display = ["course", "user", "rating", "created_at", "is_hidden"]
    list_filter = ["is_hidden", "rating"]
    list_select_related = ["course", "user"]
    search_fields = ["course__title", "user__email", "text"]
    fields = [
        "course",
        "user",
        "rating",
        "text",
        "created_at",
        "updated_at",
        "is_hidden",
        "hidden_reason",
        "hidden_by",
        "hidden_at",
    ]
    readonly_fields = [
        "course",
        "user",
        "rating",
        "text",
        "created_at",
        "updated_at",
        "hidden_by",
        "hidden_at",
    ]
    date_hierarchy = "created_at"
    actions = ["unhide"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Review | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Review, form: Any, change: bool
    ) -> None:
        if not {"is_hidden", "hidden_reason"} & set(form.changed_data):
            return
        if obj.is_hidden:
            services.review_hide(
                moderator=request.user,  # type: ignore[arg-type]
                course=obj.course,
                review_id=obj.pk,
                reason=obj.hidden_reason,
            )
        else:
            services.review_unhide(
                moderator=request.user,  # type: ignore[arg-type]
                course=obj.course,
                review_id=obj.pk,
            )

    @admin.action(description=_("Show the selected reviews again"))
    def unhide(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        hidden = list(queryset.filter(is_hidden=True).select_related("course"))
        for review in hidden:
            services.review_unhide(
                moderator=request.user,  # type: ignore[arg-type]
                course=review.course,
                review_id=review.pk,
            )
        self.message_user(
            request,
            ngettext(
                "%(count)s review shown again.",
                "%(count)s reviews shown again.",
                len(hidden),
            )
            % {"count": len(hidden)},
            messages.SUCCESS,
        )
