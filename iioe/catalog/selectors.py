from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, prefetch_related_objects

from iioe.catalog.models import (
    Category,
    Course,
    CourseLanguage,
    Family,
    Lesson,
    Review,
    StudyPlanEntry,
)

COURSES_PER_PAGE = 12
# Long texts that no list shows.
LIST_DEFERRED_FIELDS = ("overview", "syllabus")
SEARCH_MAX_LENGTH = 100


class Sort:
    # Only for a search, where it is the default; iioe.catalog.search sorts.
    RELEVANCE = "relevance"
    NEWEST = "newest"
    RATING = "rating"
    VIEWS = "views"
    ALL = (RELEVANCE, NEWEST, RATING, VIEWS)


SORT_ORDERS: dict[str, tuple[Any, ...]] = {
    Sort.NEWEST: ("-published_on", "id"),
    # The damped average: many good ratings outrank a single perfect one.
    Sort.RATING: ("-rating_score", "id"),
    Sort.VIEWS: ("-view_count", "id"),
}


@dataclass(frozen=True)
class FamilyWithCategories:
    value: str
    label: str
    categories: list[Category]


@dataclass(frozen=True)
class CourseFilters:
    """What a visitor asked the course list for, already made valid."""

    q: str = ""
    family: str = ""
    category: str = ""
    language: str = ""
    sort: str = Sort.NEWEST

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.family or self.category or self.language)


@dataclass(frozen=True)
class CourseDetail:
    course: Course
    lessons: list[Lesson]
    in_study_plan: bool

    @property
    def duration_seconds(self) -> int | None:
        """The course's stated duration, else the sum of its lesson videos."""
        if self.course.duration_seconds:
            return self.course.duration_seconds
        videos = [lesson.video for lesson in self.lessons if lesson.video]
        total = sum(video.duration_seconds or 0 for video in videos)
        return round(total) or None

    @property
    def duration_label(self) -> str:
        """The duration as a clock reads it: 59:01, or 1:02:03."""
        seconds = self.duration_seconds
        if not seconds:
            return ""
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"


def category_list() -> list[Category]:
    """Return every subcategory, by family and position; one query."""
    return list(Category.objects.all())


def family_list_with_categories(
    categories: list[Category] | None = None,
) -> list[FamilyWithCategories]:
    """Return the three families in order, each with its subcategories.

    Pass categories already read to avoid the query.
    """
    if categories is None:
        categories = category_list()
    return [
        FamilyWithCategories(
            value=family.value,
            label=str(family.label),
            categories=[c for c in categories if c.family == family.value],
        )
        for family in Family
    ]


def course_filters_parse(
    params: Mapping[str, str], *, categories: list[Category]
) -> CourseFilters:
    """Read the list's filters from query parameters, dropping unknown values.

    A subcategory implies its family, so a subcategory of another family than
    the one asked for wins over it. A search is sorted by relevance unless
    another order is asked for; a list without one cannot be.
    """
    family = params.get("family", "")
    category_slug = params.get("category", "")
    language = params.get("language", "")
    q = " ".join(params.get("q", "").split())[:SEARCH_MAX_LENGTH]
    sort = params.get("sort", "")
    if sort not in Sort.ALL or (sort == Sort.RELEVANCE and not q):
        sort = Sort.RELEVANCE if q else Sort.NEWEST
    filters = CourseFilters(
        q=q,
        family=family if family in Family.values else "",
        language=language if language in CourseLanguage.values else "",
        sort=sort,
    )

    category = next((c for c in categories if c.slug == category_slug), None)
    if category is not None:
        filters = replace(filters, category=category.slug, family=category.family)
    return filters


def course_list_published(*, filters: CourseFilters) -> QuerySet[Course]:
    """Return the published courses that match the filters, sorted.

    The family, subcategory and language filter; the search words
    (filters.q) are left to iioe.catalog.search, which calls this for the
    courses of its results.
    """
    courses = (
        Course.objects.filter(is_published=True)
        .select_related("category", "provider")
        .defer(*LIST_DEFERRED_FIELDS)
    )
    if filters.category:
        courses = courses.filter(category__slug=filters.category)
    elif filters.family:
        courses = courses.filter(category__family=filters.family)
    if filters.language:
        courses = courses.filter(language=filters.language)
    return courses.order_by(*SORT_ORDERS.get(filters.sort, SORT_ORDERS[Sort.NEWEST]))


def course_page(
    *, filters: CourseFilters, page: str | int | None, per_page: int | None = None
) -> Page:
    """Return one page of the filtered list; two queries, a count and the page.

    A page number that is not a number gives the first page, one past the end
    the last.
    """
    per_page = per_page or COURSES_PER_PAGE
    paginator = Paginator(course_list_published(filters=filters), per_page)
    return paginator.get_page(page)


def course_list_featured(*, limit: int) -> QuerySet[Course]:
    """Return the most-viewed published courses."""
    return (
        Course.objects.filter(is_published=True)
        .select_related("category", "provider")
        .defer(*LIST_DEFERRED_FIELDS)
        .order_by("-view_count", "-enrolment_count", "id")[:limit]
    )


def course_get_published(*, slug: str) -> Course | None:
    """Return a published course with its category and provider, or None."""
    return (
        Course.objects.filter(is_published=True, slug=slug)
        .select_related("category", "provider")
        .first()
    )


def course_detail(*, course: Course, user: Any) -> CourseDetail:
    """Gather what the course page shows; three queries for a learner.

    The instructors and the lessons (with their videos) come in one query
    each, and whether the course is in the user's study plan in a third,
    skipped for guests.
    """
    prefetch_related_objects([course], "instructors")
    lessons = list(
        Lesson.objects.filter(course=course)
        .select_related("video")
        .order_by("position")
    )
    in_plan = user.is_authenticated and study_plan_contains(user=user, course=course)
    return CourseDetail(course=course, lessons=lessons, in_study_plan=in_plan)


def study_plan_contains(*, user: Any, course: Course) -> bool:
    """Say whether the course is in the user's study plan; one query."""
    return StudyPlanEntry.objects.filter(user=user, course=course).exists()


REVIEWS_PER_PAGE = 10


@dataclass(frozen=True)
class ReviewsTab:
    """What the Reviews tab of a course shows to one visitor."""

    own: Review | None
    page: Page
    can_moderate: bool


def review_tab(*, course: Course, user: Any, page: str | int | None) -> ReviewsTab:
    """Gather the visitor's own review and one page of the others, newest first.

    Guests and learners see the visible reviews; the secretariat (staff) also
    sees hidden ones, to show them again. A learner's own review comes apart,
    hidden or not, so that they see why it was hidden. Three queries for a
    learner (theirs, a count, the page), two for a guest.
    """
    reviews = (
        Review.objects.filter(course=course)
        .select_related("user")
        .order_by("-created_at", "-id")
    )
    own = None
    if user.is_authenticated:
        own = reviews.filter(user=user).first()
        reviews = reviews.exclude(user=user)
    can_moderate = bool(user.is_authenticated and user.is_staff)
    if not can_moderate:
        reviews = reviews.filter(is_hidden=False)

    paginator = Paginator(reviews, REVIEWS_PER_PAGE)
    return ReviewsTab(own=own, page=paginator.get_page(page), can_moderate=can_moderate)


def video_is_viewable(*, user: Any, video_id: int) -> bool:
    """Return whether a logged-in user may watch a video's files.

    Staff see every video. Others may not see a video whose every lesson
    belongs to an unpublished course; a video no lesson uses yet (a fresh
    upload still converting) is left to the media app's own rules. One
    indexed query.
    """
    if user.is_staff:
        return True
    published = list(
        Lesson.objects.filter(video_id=video_id).values_list(
            "course__is_published", flat=True
        )
    )
    return not published or any(published)
