from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from iioe.catalog.models import Category, Course, Instructor
from iioe.catalog.services import course_search_text


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name_en", "name_zh_hans", "name_fr", "family", "position"]
    list_filter = ["family"]
    list_editable = ["position"]
    search_fields = ["name_en", "name_zh_hans", "name_fr", "slug"]


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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
    readonly_fields = ["view_count"]
    date_hierarchy = "published_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(
        self, request: HttpRequest, obj: Course, form: Any, change: bool
    ) -> None:
        obj.search_text = course_search_text(
            title=obj.title, provider_name=obj.provider.name
        )
        super().save_model(request, obj, form, change)
