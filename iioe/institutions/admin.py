from django.contrib import admin
from django.db import models

from iioe.institutions.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "country", "website"]
    list_filter = ["country"]
    search_fields = ["name"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
