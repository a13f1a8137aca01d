from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from iioe.institutions.models import Institution
from iioe.media.models import Video


class Family(models.TextChoices):
    DISCIPLINE = "discipline", _("Discipline Courses")
    TVET = "tvet", _("TVET Courses")
    TEACHER = "teacher", _("Teacher Professional Development Courses")


class CourseLanguage(models.TextChoices):
    ENGLISH = "en", "EN"
    CHINESE = "zh", "中文"
    FRENCH = "fr", "FR"


# Levels as the source catalogs write them, translated for display.
LEVEL_LABELS = {
    "Introductory": _("Introductory"),
    "Beginner": _("Beginner"),
    "Intermediate": _("Intermediate"),
    "Advanced": _("Advanced"),
    "Mixed": _("Mixed"),
}


# The full name of each teaching language, for screen readers and titles.
LANGUAGE_NAMES = {
    CourseLanguage.ENGLISH: pgettext_lazy("language a course is taught in", "English"),
    CourseLanguage.CHINESE: pgettext_lazy("language a course is taught in", "Chinese"),
    CourseLanguage.FRENCH: pgettext_lazy("language a course is taught in", "French"),
}


class Category(models.Model):
    """A subcategory of one of the three course families, named in each language."""

    family = models.CharField(_("family"), max_length=20, choices=Family.choices)
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["family", "position"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language, falling back to English."""
        field = "name_" + (translation.get_language() or "en").replace("-", "_")
        return getattr(self, field, "") or self.name_en


class Instructor(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="instructors/", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    """A MOOC of the repository; most demo courses come from public catalogs."""

    external_id = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(_("title"), max_length=300)
    category = models.ForeignKey(
        Category, related_name="courses", on_delete=models.PROTECT
    )
    language = models.CharField(
        _("language"), max_length=5, choices=CourseLanguage.choices
    )
    provider = models.ForeignKey(
        Institution, related_name="courses", on_delete=models.PROTECT
    )
    instructors = models.ManyToManyField(Instructor, blank=True, related_name="courses")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=100, blank=True)
    effort = models.CharField(_("effort"), max_length=100, blank=True)
    effort_hours_min = models.PositiveSmallIntegerField(
        _("effort, fewest hours per week"), null=True, blank=True
    )
    effort_hours_max = models.PositiveSmallIntegerField(
        _("effort, most hours per week"), null=True, blank=True
    )
    length_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True
    )
    enrolment_count = models.PositiveIntegerField(default=0)
    rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True
    )
    rating_count = models.PositiveIntegerField(default=0)
    # The rating the source catalog published, kept as a base that platform
    # reviews are added to (see iioe.catalog.services.course_rating_recompute).
    source_rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True
    )
    source_rating_count = models.PositiveIntegerField(default=0)
    # Damped (Bayesian) average used to sort "by rating", 0 when unrated.
    rating_score = models.DecimalField(
        max_digits=7, decimal_places=5, default=0, editable=False
    )
    # Visible reviews written on the platform, for the Reviews tab's label.
    review_count = models.PositiveIntegerField(default=0, editable=False)
    view_count = models.PositiveIntegerField(default=0)
    overview = models.TextField(_("overview"), blank=True)
    syllabus = models.TextField(_("syllabus"), blank=True)
    source_name = models.CharField(max_length=100, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(_("date"))
    is_published = models.BooleanField(default=True)
    # Who last published or unpublished the course, and when; the full story
    # is in CourseEvent.
    publication_changed_at = models.DateTimeField(null=True, blank=True)
    publication_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-published_on", "id"]
        indexes = [
            models.Index(fields=["is_published", "-published_on", "id"]),
            models.Index(fields=["is_published", "-rating_average"]),
            models.Index(
                fields=["is_published", "-rating_score", "id"],
                name="catalog_course_rating_score",
            ),
            models.Index(fields=["is_published", "-view_count", "id"]),
            models.Index(fields=["language"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rating_stars(self) -> int:
        """The average rating rounded to whole stars, 0 when unrated."""
        if self.rating_average is None:
            return 0
        return int(self.rating_average + Decimal("0.5"))

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.language, self.language))

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS.get(self.level, self.level))


class Lesson(models.Model):
    course = models.ForeignKey(Course, related_name="lessons", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    video = models.ForeignKey(
        Video, related_name="lessons", on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["course", "position"]

    def __str__(self) -> str:
        return self.title


class CourseEvent(models.Model):
    """A change to a course that the secretariat may need to trace later.

    The actor is empty for changes made by a command, such as an import.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        IMPORTED = "imported", _("Imported")

    course = models.ForeignKey(Course, related_name="events", on_delete=models.CASCADE)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["course", "-at", "-id"], name="course_event_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.action} by {self.actor_id} at {self.at}"


class StudyPlanEntry(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="study_plan", on_delete=models.CASCADE
    )
    course = models.ForeignKey(Course, related_name="+", on_delete=models.CASCADE)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="study_plan_user_course_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id}"


class WatchProgress(models.Model):
    """Where a learner stopped in a lesson; the History tab lists these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="watch_history", on_delete=models.CASCADE
    )
    lesson = models.ForeignKey(Lesson, related_name="+", on_delete=models.CASCADE)
    position_seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"], name="watch_progress_user_lesson_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.lesson_id}: {self.position_seconds:.0f}s"


class Review(models.Model):
    """A learner's rating of a course, with an optional text; one per learner."""

    TEXT_MAX_LENGTH = 2000
    HIDDEN_REASON_MAX_LENGTH = 300

    course = models.ForeignKey(Course, related_name="reviews", on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="reviews", on_delete=models.CASCADE
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("review"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(
        _("reason for hiding"), max_length=HIDDEN_REASON_MAX_LENGTH, blank=True
    )
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], name="review_course_user_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(
                fields=["course", "is_hidden", "-created_at", "-id"],
                name="review_course_visible_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id}: {self.rating}"

    @property
    def author_name(self) -> str:
        """The author as other visitors see them: a first name and an initial.

        Never the e-mail address, which is private.
        """
        first = self.user.first_name.strip()
        last = self.user.last_name.strip()
        if not first:
            return str(_("A learner"))
        return f"{first} {last[0]}." if last else first


class CourseView(models.Model):
    """One distinct viewer of a course on one day.

    ``viewer_key`` is ``u<user id>`` for a signed-in learner, or ``a<hash>``, a
    salted hash of a long-lived anonymous cookie, for a guest; no IP address
    is stored.
    """

    course = models.ForeignKey(Course, related_name="+", on_delete=models.CASCADE)
    day = models.DateField()
    viewer_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "day", "viewer_key"],
                name="course_view_course_day_viewer_unique",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="course_view_day")]

    def __str__(self) -> str:
        return f"{self.course_id} {self.day} {self.viewer_key}"


class SearchTermField(models.CharField):  # type: ignore[type-arg]
    """Text that sorts by code point, so that a range of terms is a prefix.

    SQLite compares text that way already; PostgreSQL is told to use the "C"
    collation, whatever its database's own.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class SearchTerm(models.Model):
    """A term of the search index, with the courses that have it.

    ``courses`` holds four sets of course ids, one per field weight (title,
    provider or instructor, subject, overview or syllabus), each course in
    the set of the best field it has the term in; iioe.catalog.search_index
    encodes them. Terms starting with a control character are the index's
    own: the published courses of each subcategory and language, and a row
    whose lock serialises updates and whose count changes with each.
    """

    term = SearchTermField(max_length=64)
    course_count = models.BigIntegerField(default=0)
    courses = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term"], name="search_term_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.course_count})"


class SearchDocument(models.Model):
    """What the search index holds for one course, to update it later.

    It outlives a deleted course (no database constraint), so that the next
    update can take the course out of its terms' sets.
    """

    course = models.OneToOneField(
        Course,
        primary_key=True,
        related_name="+",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    # "<weight level><term>" items separated by spaces.
    terms = models.TextField()
    # The course's longer runs of Chinese, Japanese or Korean text, folded,
    # to check that a long Chinese query appears in one piece.
    cjk_text = models.TextField(blank=True)
    category_id = models.BigIntegerField()
    language = models.CharField(max_length=5)
    is_published = models.BooleanField()

    def __str__(self) -> str:
        return f"Search document of course {self.course_id}"
