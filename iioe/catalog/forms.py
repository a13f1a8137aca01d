"""Forms of the staff area, where the secretariat writes the catalog."""

import re
from typing import Any

from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iioe.catalog.models import (
    LANGUAGE_NAMES,
    LEVEL_LABELS,
    Category,
    Course,
    Family,
    Instructor,
    Lesson,
)
from iioe.catalog.photos import photo_normalise
from iioe.catalog.services import CourseFields
from iioe.institutions.models import Institution
from iioe.institutions.services import InstitutionFacts

# Long texts are free, but not endless: a pasted book is surely a mistake.
LONG_TEXT_MAX_LENGTH = 20_000
SMALL_NUMBER_MAX = 32_767
DURATION_PATTERN = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
DURATION_MAX_SECONDS = 1_000 * 3600


def _max_length(model: type[Any], field: str) -> int:
    return int(model._meta.get_field(field).max_length)


class CourseForm(forms.Form):
    """A course's fields; the provider is chosen or named anew."""

    title = forms.CharField(label=_("Title"), max_length=_max_length(Course, "title"))
    category = forms.ChoiceField(
        label=_("Subcategory"),
        help_text=_("Subcategories are grouped by course family."),
    )
    language = forms.ChoiceField(
        label=_("Language of the course"),
        choices=[(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
    provider = forms.ModelChoiceField(
        label=_("Institution that offers the course"),
        queryset=Institution.objects.order_by("name"),
        required=False,
        empty_label=_("(a new institution, named below)"),
    )
    new_provider_name = forms.CharField(
        label=_("Or the name of a new institution"),
        max_length=_max_length(Institution, "name"),
        required=False,
    )
    new_provider_country = forms.ChoiceField(
        label=_("Country or region of the new institution"), required=False
    )
    published_on = forms.DateField(
        label=_("Date shown on the course page"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=_max_length(Course, "subject"), required=False
    )
    level = forms.ChoiceField(label=_("Level"), required=False)
    effort_hours_min = forms.IntegerField(
        label=_("Effort, fewest hours per week"),
        min_value=0,
        max_value=SMALL_NUMBER_MAX,
        required=False,
    )
    effort_hours_max = forms.IntegerField(
        label=_("Effort, most hours per week"),
        min_value=0,
        max_value=SMALL_NUMBER_MAX,
        required=False,
    )
    length_weeks = forms.IntegerField(
        label=_("Length in weeks"),
        min_value=1,
        max_value=SMALL_NUMBER_MAX,
        required=False,
    )
    duration = forms.CharField(
        label=_("Duration"),
        help_text=_(
            "As minutes:seconds or hours:minutes:seconds, such as 59:01. Leave "
            "empty to add up the lessons' videos."
        ),
        max_length=12,
        required=False,
    )
    source_name = forms.CharField(
        label=_("Source catalog"),
        help_text=_("Where the course comes from, such as edX."),
        max_length=_max_length(Course, "source_name"),
        required=False,
    )
    source_url = forms.URLField(
        label=_("Address of the course at its source"),
        max_length=_max_length(Course, "source_url"),
        required=False,
        assume_scheme="https",
    )
    overview = forms.CharField(
        label=_("Overview"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=LONG_TEXT_MAX_LENGTH,
        required=False,
    )
    syllabus = forms.CharField(
        label=_("Syllabus"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=LONG_TEXT_MAX_LENGTH,
        required=False,
    )

    def __init__(
        self, *args: Any, categories: list[Category], level: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {category.slug: category for category in categories}
        self.fields["category"].choices = [
            ("", _("Choose a subcategory")),
            *[
                (
                    family.label,
                    [(c.slug, c.name) for c in categories if c.family == family],
                )
                for family in Family
            ],
        ]
        self.fields["new_provider_country"].choices = [("", "—"), *countries]
        levels = [("", "—"), *[(key, label) for key, label in LEVEL_LABELS.items()]]
        if level and level not in LEVEL_LABELS:
            levels.append((level, level))
        self.fields["level"].choices = levels

    @staticmethod
    def initial_for(course: Course) -> dict[str, Any]:
        """Return the form's initial values for an existing course."""
        return {
            "title": course.title,
            "category": course.category.slug,
            "language": course.language,
            "provider": course.provider_id,
            "published_on": course.published_on,
            "subject": course.subject,
            "level": course.level,
            "effort_hours_min": course.effort_hours_min,
            "effort_hours_max": course.effort_hours_max,
            "length_weeks": course.length_weeks,
            "duration": duration_format(course.duration_seconds),
            "source_name": course.source_name,
            "source_url": course.source_url,
            "overview": course.overview,
            "syllabus": course.syllabus,
        }

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean_duration(self) -> int | None:
        text = self.cleaned_data["duration"].strip()
        if not text:
            return None
        match = DURATION_PATTERN.match(text)
        seconds = None
        if match:
            hours, minutes, rest = (int(part or 0) for part in match.groups())
            if rest < 60 and (minutes < 60 or not match.group(1)):
                seconds = hours * 3600 + minutes * 60 + rest
        if not seconds or seconds > DURATION_MAX_SECONDS:
            raise forms.ValidationError(
                _(
                    "Write the duration as minutes:seconds or "
                    "hours:minutes:seconds, such as 59:01."
                ),
                code="duration",
            )
        return seconds

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._provider_clean(cleaned)
        low = cleaned.get("effort_hours_min")
        high = cleaned.get("effort_hours_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "effort_hours_max",
                _("The most hours cannot be fewer than the fewest hours."),
            )
        return cleaned

    def _provider_clean(self, cleaned: dict[str, Any]) -> None:
        provider = cleaned.get("provider")
        new_name = " ".join(cleaned.get("new_provider_name", "").split())
        if provider is not None and new_name:
            self.add_error(
                "new_provider_name",
                _("Choose an institution from the list or name a new one, not both."),
            )
        elif provider is None and not new_name:
            if "new_provider_name" not in self.errors:
                self.add_error(
                    "provider",
                    _("Choose the institution that offers the course, or name it."),
                )
        elif provider is None:
            # A name already known is that institution, whatever its case.
            cleaned["provider"] = Institution.objects.filter(
                name__iexact=new_name
            ).first() or InstitutionFacts(
                name=new_name, country=cleaned.get("new_provider_country", "")
            )

    def fields_for_service(self) -> CourseFields:
        """Return the cleaned form as the fields the services take."""
        data = self.cleaned_data
        return CourseFields(
            title=data["title"],
            category=self.categories[data["category"]],
            language=data["language"],
            provider=data["provider"],
            published_on=data["published_on"],
            subject=data["subject"].strip(),
            level=data["level"],
            effort_hours_min=data["effort_hours_min"],
            effort_hours_max=data["effort_hours_max"],
            length_weeks=data["length_weeks"],
            duration_seconds=data["duration"],
            source_name=data["source_name"].strip(),
            source_url=data["source_url"],
            overview=data["overview"].strip(),
            syllabus=data["syllabus"].strip(),
        )


def duration_format(seconds: int | None) -> str:
    """Write a number of seconds as the duration field reads it: 1:02:03."""
    if not seconds:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


class LessonForm(forms.Form):
    title = forms.CharField(
        label=_("Title of the lesson"), max_length=_max_length(Lesson, "title")
    )

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())


class InstructorForm(forms.Form):
    """An instructor's name, biography and photo, checked by its content."""

    name = forms.CharField(label=_("Name"), max_length=_max_length(Instructor, "name"))
    bio = forms.CharField(
        label=_("Biography"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=LONG_TEXT_MAX_LENGTH,
        required=False,
    )
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_(
            "A JPEG, PNG, WebP or GIF image of at most 5 MB. It is stored "
            "resized, and without the data cameras add (such as where it was "
            "taken)."
        ),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(
        self, *args: Any, instructor: Instructor | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instructor = instructor
        if instructor is None or not instructor.photo:
            del self.fields["remove_photo"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = Instructor.objects.filter(name__iexact=name)
        if self.instructor is not None:
            others = others.exclude(pk=self.instructor.pk)
        if others.exists():
            raise forms.ValidationError(
                _("Another instructor is already named %(name)s."),
                code="duplicate",
                params={"name": name},
            )
        return name

    def clean_photo(self) -> ContentFile | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return photo_normalise(upload=upload)
