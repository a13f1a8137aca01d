from django.urls import path

from iioe.media import staff_views, views

app_name = "media"

LESSON = "staff/courses/<int:course_id>/lessons/<int:lesson_id>"

urlpatterns = [
    path(
        "videos/<int:video_id>/<int:height>p.mp4",
        views.rendition_file,
        name="rendition",
    ),
    path("videos/<int:video_id>/audio.m4a", views.audio_file, name="audio"),
    path(
        "videos/<int:video_id>/hls/<int:key>/<path:name>",
        views.hls_file,
        name="hls",
    ),
    path(
        "videos/<int:video_id>/captions/<str:language>.vtt",
        views.caption_file,
        name="caption",
    ),
    path(
        "videos/<int:video_id>/transcripts/<str:language>.txt",
        views.transcript_text,
        name="transcript_text",
    ),
    path(
        "videos/<int:video_id>/transcripts/<str:language>.srt",
        views.transcript_srt,
        name="transcript_srt",
    ),
    path("videos/<int:video_id>/poster.jpg", views.poster_file, name="poster"),
    path(f"{LESSON}/video", staff_views.lesson_video, name="staff_lesson_video"),
    path(
        f"{LESSON}/video/upload",
        staff_views.lesson_video_upload,
        name="staff_lesson_video_upload",
    ),
    path(
        f"{LESSON}/captions",
        staff_views.lesson_caption_upload,
        name="staff_lesson_caption_upload",
    ),
    path(
        f"{LESSON}/captions/<str:language>/delete",
        staff_views.lesson_caption_delete,
        name="staff_lesson_caption_delete",
    ),
    path(
        "staff/videos/<int:video_id>/status",
        staff_views.video_status,
        name="staff_video_status",
    ),
    path(
        "staff/videos/<int:video_id>/retry",
        staff_views.video_retry,
        name="staff_video_retry",
    ),
]
