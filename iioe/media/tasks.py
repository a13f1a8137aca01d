"""Background work on videos, run by the task worker on its own queue."""

from django_tasks import task

from iioe.media import services


@task(queue_name="video")
def process_video(*, video_id: int) -> None:
    """Transcode a video into its renditions and take its poster."""
    services.video_process(video_id=video_id)
