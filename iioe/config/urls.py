from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("iioe.web.urls")),
    path("", include("iioe.accounts.urls")),
    path("", include("iioe.catalog.urls")),
    path("media/", include("iioe.media.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
