from django.urls import path

from iioe.media import views

app_name = "media"

urlpatterns = [
    path("videos/<int:video_id>/<str:kind>", views.video_file, name="video_file"),
]
