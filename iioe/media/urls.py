from django.urls import path

from iioe.media import views

app_name = "media"

urlpatterns = [
    path(
        "videos/<int:video_id>/<int:height>p.mp4",
        views.rendition_file,
        name="rendition",
    ),
    path(
        "videos/<int:video_id>/captions/<str:language>.vtt",
        views.caption_file,
        name="caption",
    ),
    path("videos/<int:video_id>/poster.jpg", views.poster_file, name="poster"),
]
