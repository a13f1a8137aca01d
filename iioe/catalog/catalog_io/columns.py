"""The columns of a catalog file, and what reading and writing one report."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

FORMATS = ("csv", "json")
COLUMNS = (
    "external_id",
    "slug",
    "title",
    "family",
    "category",
    "language",
    "provider",
    "instructors",
    "subject",
    "level",
    "effort_hours_min",
    "effort_hours_max",
    "length_weeks",
    "duration_seconds",
    "enrolment_count",
    "source_rating_average",
    "source_rating_count",
    "source_name",
    "source_url",
    "published_on",
    "is_published",
    "overview",
    "syllabus",
)
REQUIRED_COLUMNS = (
    "external_id",
    "title",
    "category",
    "language",
    "provider",
    "published_on",
)
TEXT_LIMITS = {
    "external_id": 200,
    "title": 300,
    "provider": 200,
    "subject": 200,
    "level": 100,
    "source_name": 100,
    "source_url": 500,
    "overview": 100_000,
    "syllabus": 100_000,
}
SMALL_NUMBERS = ("effort_hours_min", "effort_hours_max", "length_weeks")
NUMBERS = ("duration_seconds", "enrolment_count", "source_rating_count")
NUMBER_LIMITS = {name: 32_767 for name in SMALL_NUMBERS} | {
    name: 2_147_483_647 for name in NUMBERS
}
# The course fields an import writes, compared to tell an update from no
# change.
COURSE_FIELDS = (
    "slug",
    "title",
    "category_id",
    "language",
    "provider_id",
    "subject",
    "level",
    "effort_hours_min",
    "effort_hours_max",
    "length_weeks",
    "duration_seconds",
    "enrolment_count",
    "source_rating_average",
    "source_rating_count",
    "source_name",
    "source_url",
    "published_on",
    "is_published",
    "overview",
    "syllabus",
)
INSTRUCTOR_SEPARATOR = ";"
BATCH_SIZE = 500


class CatalogFileError(Exception):
    """The file as a whole cannot be read: its format, header or encoding."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return _("Row %(row)s: %(message)s") % {
                "row": self.row,
                "message": self.message,
            }
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class CourseRow:
    """A row that passed every check, in the types the course fields take."""

    row: int
    external_id: str
    slug: str
    title: str
    category_id: int
    language: str
    provider: str
    instructors: tuple[str, ...]
    subject: str
    level: str
    effort_hours_min: int | None
    effort_hours_max: int | None
    length_weeks: int | None
    duration_seconds: int | None
    enrolment_count: int
    source_rating_average: Decimal | None
    source_rating_count: int
    source_name: str
    source_url: str
    published_on: datetime.date
    is_published: bool
    overview: str
    syllabus: str


@dataclass
class ImportReport:
    """What an import did, or would do, and every problem it found."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False

    def refuse(self, error: RowError) -> None:
        self.errors.append(error)
        self.invalid_rows.add(error.row)
