"""Reads of the staff area, where the secretariat publishes courses.

Every getter takes the user and refuses anyone who is not staff, so that a
view that forgot its guard still shows nothing. Unlike the public selectors,
these see unpublished courses.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from iioe.catalog.models import Course, CourseEvent, Instructor, Lesson
from iioe.catalog.search import course_search_q
from iioe.catalog.selectors import LIST_DEFERRED_FIELDS

STAFF_COURSES_PER_PAGE = 25
STAFF_EVENTS_SHOWN = 10
INSTRUCTOR_MATCHES_SHOWN = 20
SEARCH_MAX_LENGTH = 100

Viewer = AbstractBaseUser | AnonymousUser


class Publication:
    """The values of the staff list's publication filter."""

    ANY = ""
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    ALL = (ANY, PUBLISHED, UNPUBLISHED)


@dataclass(frozen=True)
class StaffCourseFilters:
    q: str = ""
    publication: str = Publication.ANY

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.publication)


@dataclass(frozen=True)
class StaffCourse:
    """What the staff edit page shows besides the course's own fields."""

    course: Course
    lessons: list[Lesson]
    instructors: list[Instructor]
    events: list[CourseEvent]


def staff_check(user: Viewer) -> None:
    """Refuse anyone but an active staff member."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied


def staff_course_filters_parse(params: Any) -> StaffCourseFilters:
    """Read the staff list's search and filter, dropping unknown values."""
    publication = params.get("publication", "")
    return StaffCourseFilters(
        q=" ".join(params.get("q", "").split())[:SEARCH_MAX_LENGTH],
        publication=publication if publication in Publication.ALL else "",
    )


def staff_course_page(
    *, user: Viewer, filters: StaffCourseFilters, page: str | int | None
) -> Page:
    """Return one page of all courses, newest first, published or not.

    The search is the catalog's (iioe.catalog.search), over unpublished
    courses too, or a piece of the external id or the slug. Three queries: the
    search's vocabulary, a count and the page.
    """
    staff_check(user)
    courses = (
        Course.objects.select_related("category", "provider", "publication_changed_by")
        .defer(*LIST_DEFERRED_FIELDS)
        .order_by("-pk")
    )
    if filters.publication:
        courses = courses.filter(
            is_published=filters.publication == Publication.PUBLISHED
        )
    if filters.q:
        courses = courses.filter(
            course_search_q(filters.q, published_only=False)
            | Q(external_id__icontains=filters.q)
            | Q(slug__icontains=filters.q)
        )
    return Paginator(courses, STAFF_COURSES_PER_PAGE).get_page(page)


def course_get_for_staff(*, user: Viewer, course_id: int) -> Course:
    """Return any course, published or not, for the staff; Http404 if none."""
    staff_check(user)
    course = (
        Course.objects.select_related("category", "provider", "publication_changed_by")
        .filter(pk=course_id)
        .first()
    )
    if course is None:
        raise Http404
    return course


def staff_course_detail(*, user: Viewer, course: Course) -> StaffCourse:
    """Return a course's lessons with their videos, instructors and history.

    Three queries, whatever the number of lessons; the history is cut to the
    latest STAFF_EVENTS_SHOWN events.
    """
    staff_check(user)
    lessons = list(
        Lesson.objects.filter(course=course)
        .select_related("video")
        .order_by("position", "pk")
    )
    instructors = list(course.instructors.order_by("name"))
    events = list(
        CourseEvent.objects.filter(course=course)
        .select_related("actor")
        .order_by("-at", "-pk")[:STAFF_EVENTS_SHOWN]
    )
    return StaffCourse(
        course=course, lessons=lessons, instructors=instructors, events=events
    )


def lesson_get_for_staff(*, user: Viewer, course: Course, lesson_id: int) -> Lesson:
    """Return a lesson of the course, with its video; Http404 if none."""
    staff_check(user)
    lesson = (
        Lesson.objects.select_related("video")
        .filter(course=course, pk=lesson_id)
        .first()
    )
    if lesson is None:
        raise Http404
    lesson.course = course
    return lesson


def instructor_get_for_staff(*, user: Viewer, instructor_id: int) -> Instructor:
    staff_check(user)
    instructor = Instructor.objects.filter(pk=instructor_id).first()
    if instructor is None:
        raise Http404
    return instructor


def instructor_search(
    *, user: Viewer, q: str, exclude_course: Course | None = None
) -> list[Instructor]:
    """Return the first instructors whose name contains q, by name.

    Instructors already on exclude_course are left out. One query.
    """
    staff_check(user)
    q = " ".join(q.split())[:SEARCH_MAX_LENGTH]
    if not q:
        return []
    instructors: QuerySet[Instructor] = Instructor.objects.filter(name__icontains=q)
    if exclude_course is not None:
        instructors = instructors.exclude(courses=exclude_course)
    return list(instructors.order_by("name")[:INSTRUCTOR_MATCHES_SHOWN])
