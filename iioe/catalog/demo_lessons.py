"""Demo lessons made from the bundled, openly licensed video clips.

The clips and their provenance are in demo/media/ (see SOURCES.md there).
Loading is idempotent: a video is recognised by the content of its source, a
lesson by its course and position, and transcoding is only enqueued for
videos that miss a rendition or their poster.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import transaction

from iioe.catalog.models import Course, Lesson
from iioe.media import services as media_services
from iioe.media.models import Video

MEDIA_DIR = Path(settings.BASE_DIR) / "demo" / "media"


@dataclass(frozen=True)
class DemoLesson:
    course_external_id: str
    course_title: str
    position: int
    title: str
    clip: str
    captions: dict[str, str]


DEMO_LESSONS = (
    DemoLesson(
        course_external_id="iioe:introduction-to-data-science-and-machine-learning",
        course_title="Introduction to Data Science & Machine Learning",
        position=1,
        title="Popeye the Sailor Meets Sindbad the Sailor (1936), part 1",
        clip="popeye_1936/popeye_excerpt1.mp4",
        captions={"en": "popeye_1936/popeye_excerpt1.en.vtt"},
    ),
    DemoLesson(
        course_external_id="iioe:introduction-to-data-science-and-machine-learning",
        course_title="Introduction to Data Science & Machine Learning",
        position=2,
        title="Popeye the Sailor Meets Sindbad the Sailor (1936), part 2",
        clip="popeye_1936/popeye_excerpt2.mp4",
        captions={"en": "popeye_1936/popeye_excerpt2.en.vtt"},
    ),
    DemoLesson(
        course_external_id="iioe:abc-era-cloud-computing",
        course_title="ABC时代的云计算",
        position=1,
        title="Big Buck Bunny (Blender Foundation, 2008), excerpt",
        clip="bbb_rabbit320/rabbit320.mp4",
        captions={"en": "bbb_rabbit320/subtitles_en.vtt"},
    ),
)


def load_demo_lessons(*, stdout: TextIO) -> None:
    """Attach the bundled clips as lessons of demo courses; idempotent.

    A course missing from the catalog is skipped with a note. Transcoding is
    enqueued after commit for videos that are not complete yet; the task
    worker runs it.
    """
    lessons = videos_created = queued = 0
    for demo in DEMO_LESSONS:
        course = _course_find(demo)
        if course is None:
            stdout.write(f"Demo lessons: no course {demo.course_title!r}; skipped.\n")
            continue

        video, created = media_services.video_get_or_create_from_path(
            title=demo.title, path=MEDIA_DIR / demo.clip
        )
        for language, caption in demo.captions.items():
            media_services.caption_track_set(
                video=video,
                language=language,
                content=(MEDIA_DIR / caption).read_bytes(),
            )
        _lesson_set(course=course, demo=demo, video=video)
        lessons += 1
        videos_created += created
        if not created:
            queued += media_services.video_request_processing(video=video)
        else:
            queued += 1

    stdout.write(
        f"Demo lessons: {lessons} lessons, {videos_created} new videos, "
        f"{queued} queued for transcoding.\n"
    )


def _course_find(demo: DemoLesson) -> Course | None:
    course = Course.objects.filter(external_id=demo.course_external_id).first()
    return course or Course.objects.filter(title=demo.course_title).first()


def _lesson_set(*, course: Course, demo: DemoLesson, video: Video) -> Lesson:
    """Create or update the lesson at a course's position."""
    with transaction.atomic():
        lesson = (
            Lesson.objects.select_for_update()
            .filter(course=course, position=demo.position)
            .order_by("pk")
            .first()
        )
        if lesson is None:
            return Lesson.objects.create(
                course=course, position=demo.position, title=demo.title, video=video
            )
        if lesson.title != demo.title or lesson.video_id != video.pk:
            lesson.title = demo.title
            lesson.video = video
            lesson.save(update_fields=["title", "video"])
        return lesson
