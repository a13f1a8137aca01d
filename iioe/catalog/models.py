from decimal import Decimal

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
    view_count = models.PositiveIntegerField(default=0)
    overview = models.TextField(_("overview"), blank=True)
    syllabus = models.TextField(_("syllabus"), blank=True)
    source_name = models.CharField(max_length=100, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(_("date"))
    is_published = models.BooleanField(default=True)
    # Title and provider without case or accents, so that a search finds
    # "créer" from "CREER" the same way on SQLite and PostgreSQL.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-published_on", "id"]
        indexes = [
            models.Index(fields=["is_published", "-published_on", "id"]),
            models.Index(fields=["is_published", "-rating_average"]),
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
