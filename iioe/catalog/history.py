"""The learner's side of the catalog: lessons, where they stopped, My IIOE.

Reads and writes for watching lessons live here together: the lesson a
learner may open, the watch progress the player reports, and the data of the
tabs of the My IIOE page. Every function costs a fixed number of queries,
whatever the size of the course, the study plan or the history.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iioe.catalog.models import Course, Lesson, StudyPlanEntry, WatchProgress
from iioe.media.models import Video
from iioe.media.selectors import Playback, video_playback

# A position reported a little past the end is the end: players and ffprobe
# may disagree on the duration by a frame or two.
END_TOLERANCE_SECONDS = 1.0
# A lesson stopped this close to its end was watched; it opens from the start.
FINISHED_WITHIN_SECONDS = 3.0
MY_IIOE_PAGE_SIZE = 20


@dataclass(frozen=True)
class LessonPage:
    """What the lesson page shows, read in a fixed number of queries."""

    course: Course
    lesson: Lesson
    lessons: list[Lesson]
    playback: Playback | None
    resume_at: float

    @property
    def lesson_number(self) -> int:
        """The lesson's rank in its course, counting from one."""
        return self.lessons.index(self.lesson) + 1

    @property
    def next_lesson(self) -> Lesson | None:
        index = self.lessons.index(self.lesson)
        return self.lessons[index + 1] if index + 1 < len(self.lessons) else None

    @property
    def previous_lesson(self) -> Lesson | None:
        index = self.lessons.index(self.lesson)
        return self.lessons[index - 1] if index > 0 else None


def lesson_get_for_learner(
    *, user: AbstractBaseUser, slug: str, position: int
) -> Lesson:
    """Return a lesson of a published course, with its course and video.

    Raise Http404 if there is none. The caller has made sure that the user is
    logged in: every published lesson is open to every member. One query.
    """
    lesson = (
        Lesson.objects.filter(
            course__slug=slug, course__is_published=True, position=position
        )
        .select_related("course", "video")
        .order_by("pk")
        .first()
    )
    if lesson is None:
        raise Http404
    return lesson


def lesson_page_get(*, user: AbstractBaseUser, slug: str, position: int) -> LessonPage:
    """Return a lesson with its course's lessons, its player and resume point.

    Raise Http404 if the course is not published or has no such lesson. A
    lesson stopped within its last seconds opens from the start. Four
    queries: the lessons, the renditions, the captions and the progress.
    """
    lessons = list(
        Lesson.objects.filter(course__slug=slug, course__is_published=True)
        .select_related("course", "video")
        .order_by("position", "pk")
    )
    lesson = next((item for item in lessons if item.position == position), None)
    if lesson is None:
        raise Http404

    playback = video_playback(video=lesson.video) if lesson.video else None
    progress = (
        WatchProgress.objects.filter(user=user, lesson=lesson)
        .values_list("position_seconds", flat=True)
        .first()
    )
    return LessonPage(
        course=lesson.course,
        lesson=lesson,
        lessons=lessons,
        playback=playback,
        resume_at=_resume_point(progress, playback),
    )


def _resume_point(progress: float | None, playback: Playback | None) -> float:
    """Return where to start: where the learner stopped, unless at the end."""
    if not progress or playback is None or not playback.duration_seconds:
        return 0.0
    if progress >= playback.duration_seconds - FINISHED_WITHIN_SECONDS:
        return 0.0
    return progress


def watch_progress_record(
    *, user: AbstractBaseUser, lesson: Lesson, position_seconds: float
) -> WatchProgress:
    """Remember where a learner stopped in a lesson's video.

    Raise ValidationError, with a message for the learner, unless the lesson
    has a processed video and the position lies within its duration. A
    position just past the end counts as the end. Two queries.
    """
    video = lesson.video
    if video is None or video.status != Video.Status.READY:
        raise ValidationError(_("This lesson has no video to remember a place in."))
    duration = video.duration_seconds or 0.0
    if not math.isfinite(position_seconds) or not (
        0 <= position_seconds <= duration + END_TOLERANCE_SECONDS
    ):
        raise ValidationError(
            _("The position must be a number of seconds between 0 and %(end)s.")
            % {"end": f"{duration:.0f}"}
        )

    progress, _created = WatchProgress.objects.update_or_create(
        user=user,
        lesson=lesson,
        defaults={"position_seconds": round(min(position_seconds, duration), 1)},
    )
    return progress


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str
    count: int


@dataclass(frozen=True)
class MyIioe:
    """The My IIOE page: its tabs with their counts and the open tab's rows."""

    tabs: list[Tab]
    active: Tab
    rows: list[Any] = field(default_factory=list)
    page: int = 1
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# The tabs of the seed platform, in its order. Those with no data yet in this
# platform count zero without a query.
TAB_LABELS = {
    "skill-sets": gettext_lazy("Skill sets (%(count)s)"),
    "skill-points": gettext_lazy("Skill point (%(count)s)"),
    "study-plan": gettext_lazy("Study Plan (%(count)s)"),
    "history": gettext_lazy("History (%(count)s)"),
    "certificates": gettext_lazy("Training certificate (%(count)s)"),
    "classes": gettext_lazy("My classes (%(count)s)"),
}
DEFAULT_TAB = "study-plan"


def my_iioe_get(*, user: AbstractBaseUser, tab: str, page: int = 1) -> MyIioe:
    """Return the My IIOE tabs with their counts and one page of the open tab.

    An unknown tab opens the study plan. Three queries: two counts and the
    page of the open tab (none for a tab without data).
    """
    counts = {
        "study-plan": _study_plan_entries(user).count(),
        "history": _history_entries(user).count(),
    }
    tabs = [
        Tab(
            slug=slug,
            label=str(label) % {"count": number_format(counts.get(slug, 0))},
            count=counts.get(slug, 0),
        )
        for slug, label in TAB_LABELS.items()
    ]
    active = next((t for t in tabs if t.slug == tab), None)
    active = active or next(t for t in tabs if t.slug == DEFAULT_TAB)

    page = max(1, page)
    offset = (page - 1) * MY_IIOE_PAGE_SIZE
    query: QuerySet[Any]
    if active.slug == "study-plan":
        query = _study_plan_entries(user).select_related(
            "course__provider", "course__category"
        )
    elif active.slug == "history":
        query = _history_entries(user).select_related("lesson__course", "lesson__video")
    else:
        return MyIioe(tabs=tabs, active=active)

    rows = list(query[offset : offset + MY_IIOE_PAGE_SIZE + 1])
    return MyIioe(
        tabs=tabs,
        active=active,
        rows=rows[:MY_IIOE_PAGE_SIZE],
        page=page,
        has_next=len(rows) > MY_IIOE_PAGE_SIZE,
    )


def _study_plan_entries(user: AbstractBaseUser) -> QuerySet[StudyPlanEntry]:
    return StudyPlanEntry.objects.filter(user=user, course__is_published=True).order_by(
        "-added_at", "-pk"
    )


def _history_entries(user: AbstractBaseUser) -> QuerySet[WatchProgress]:
    return WatchProgress.objects.filter(
        user=user, lesson__course__is_published=True
    ).order_by("-updated_at", "-pk")
