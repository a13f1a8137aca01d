"""The demo lessons made from the bundled clips, loaded idempotently."""

import io

import pytest
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from iioe.catalog.demo_lessons import DEMO_LESSONS, load_demo_lessons
from iioe.catalog.models import Course, Lesson
from iioe.catalog.tests.factories import CourseFactory
from iioe.media.models import CaptionTrack, Rendition, Video
from iioe.media.tests.fixtures import EncodeSpy

pytestmark = pytest.mark.django_db

DATA_SCIENCE = "iioe:introduction-to-data-science-and-machine-learning"
CLOUD = "iioe:abc-era-cloud-computing"


@pytest.fixture
def courses() -> dict[str, Course]:
    return {
        DATA_SCIENCE: CourseFactory(
            external_id=DATA_SCIENCE,
            title="Introduction to Data Science & Machine Learning",
        ),
        CLOUD: CourseFactory(external_id=CLOUD, title="ABC时代的云计算", language="zh"),
    }


def load(callbacks: DjangoCaptureOnCommitCallbacks) -> str:
    out = io.StringIO()
    with callbacks(execute=True):
        load_demo_lessons(stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    return {
        "videos": list(Video.objects.values_list("pk", "source", "status", "poster")),
        "renditions": list(Rendition.objects.values_list("pk", "file", "size_bytes")),
        "captions": list(CaptionTrack.objects.values_list("pk", "file")),
        "lessons": list(Lesson.objects.values_list("pk", "course", "position")),
    }


def test_the_clips_become_transcoded_captioned_lessons(
    courses: dict[str, Course],
    transcode_cache: EncodeSpy,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    output = load(django_capture_on_commit_callbacks)

    science = courses[DATA_SCIENCE].lessons.order_by("position")
    assert [(lesson.position, lesson.title) for lesson in science] == [
        (1, "Popeye the Sailor Meets Sindbad the Sailor (1936), part 1"),
        (2, "Popeye the Sailor Meets Sindbad the Sailor (1936), part 2"),
    ]
    cloud = courses[CLOUD].lessons.get()
    assert cloud.title == "Big Buck Bunny (Blender Foundation, 2008), excerpt"
    assert Video.objects.filter(status=Video.Status.READY).count() == 3
    # Never upscaled: the 640x478 Popeye clips get 240p and 360p, the
    # 320x240 rabbit clip its own 240 lines only.
    assert sorted(Rendition.objects.values_list("height", flat=True)) == [
        240,
        240,
        240,
        360,
        360,
    ]
    assert set(CaptionTrack.objects.values_list("language", flat=True)) == {"en"}
    assert CaptionTrack.objects.count() == 3
    assert all(v.source.storage.exists(v.source.name) for v in Video.objects.all())
    assert "3 lessons, 3 new videos, 3 queued" in output


def test_loading_again_keeps_everything_and_transcodes_nothing(
    courses: dict[str, Course],
    transcode_cache: EncodeSpy,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load(django_capture_on_commit_callbacks)
    before = snapshot()
    transcode_cache.requested.clear()

    output = load(django_capture_on_commit_callbacks)

    assert snapshot() == before
    assert transcode_cache.requested == []
    assert "3 lessons, 0 new videos, 0 queued" in output


def test_a_course_is_found_by_its_title_when_its_id_differs(
    transcode_cache: EncodeSpy,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    course = CourseFactory(title="ABC时代的云计算", external_id="another:id")

    load(django_capture_on_commit_callbacks)

    assert course.lessons.count() == 1


def test_a_missing_course_is_skipped_with_a_note(
    transcode_cache: EncodeSpy,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    output = load(django_capture_on_commit_callbacks)

    assert not Lesson.objects.exists()
    assert "no course 'ABC时代的云计算'; skipped" in output
    assert len(DEMO_LESSONS) == 3
