from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare", views.bare, name="bench_bare"),
    path("", include("iioe.config.urls")),
]
