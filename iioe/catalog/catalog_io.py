"""Import and export of the course catalog as CSV or JSON files.

A file holds one course a row (CSV) or one object a course in a list (JSON),
with the fields of COLUMNS. Courses are matched by their external id, so
importing a file again changes nothing, and an export imported elsewhere
gives the same catalog. Categories must exist already; providers and
instructors are created by name when missing, and what is known about
existing ones (an institution's country, an instructor's photo) stays.

Reading streams the file: CSV a row at a time, JSON an object at a time, so
memory holds one batch of rows whatever the file's size. Each batch is
checked, then written with bulk queries; the whole import is one
transaction, undone at the end for a dry run or when a row was refused
(unless invalid rows are to be skipped), so a file with errors changes
nothing. Providers and instructors are synced as the demo loader does
(institution_bulk_sync), and the ratings and search index are brought up to
date for the courses that changed, as there.
"""

import csv
import datetime
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iioe.catalog.models import (
    Category,
    Course,
    CourseEvent,
    CourseLanguage,
    Instructor,
)
from iioe.catalog.search import course_search_index_update
from iioe.catalog.services import (
    course_rating_combine,
    course_ratings_recompute,
    course_slug_base,
)
from iioe.institutions.services import institution_bulk_sync

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
SLUG_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,220}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}
BATCH_SIZE = 500
JSON_CHUNK = 64 * 1024
JSON_ITEM_MAX_CHARS = 10 * 1024 * 1024


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


# Export


def catalog_export(*, handle: TextIO, file_format: str) -> int:
    """Write every course to a text file in COLUMNS; return how many.

    Courses come in order of external id, a batch at a time, each with its
    category, provider and instructors: three queries per batch.
    """
    courses = (
        Course.objects.select_related("category", "provider")
        .prefetch_related("instructors")
        .order_by("external_id")
        .iterator(chunk_size=BATCH_SIZE)
    )
    records = (_course_record(course) for course in courses)
    if file_format == "csv":
        return _csv_write(handle, records)
    return _json_write(handle, records)


def _course_record(course: Course) -> dict[str, Any]:
    rating = course.source_rating_average
    return {
        "external_id": course.external_id,
        "slug": course.slug,
        "title": course.title,
        "family": course.category.family,
        "category": course.category.slug,
        "language": course.language,
        "provider": course.provider.name,
        "instructors": sorted(i.name for i in course.instructors.all()),
        "subject": course.subject,
        "level": course.level,
        "effort_hours_min": course.effort_hours_min,
        "effort_hours_max": course.effort_hours_max,
        "length_weeks": course.length_weeks,
        "duration_seconds": course.duration_seconds,
        "enrolment_count": course.enrolment_count,
        "source_rating_average": None if rating is None else str(rating.normalize()),
        "source_rating_count": course.source_rating_count,
        "source_name": course.source_name,
        "source_url": course.source_url,
        "published_on": course.published_on.isoformat(),
        "is_published": course.is_published,
        "overview": course.overview,
        "syllabus": course.syllabus,
    }


def _csv_write(handle: TextIO, records: Iterable[dict[str, Any]]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in records:
        writer.writerow(_csv_cell(record[column]) for column in COLUMNS)
        count += 1
    return count


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return f"{INSTRUCTOR_SEPARATOR} ".join(value)
    return str(value)


def _json_write(handle: TextIO, records: Iterable[dict[str, Any]]) -> int:
    count = 0
    handle.write("[")
    for record in records:
        if record["source_rating_average"] is not None:
            record["source_rating_average"] = float(record["source_rating_average"])
        handle.write(",\n" if count else "\n")
        handle.write(json.dumps(record, ensure_ascii=False))
        count += 1
    handle.write("\n]\n")
    return count


# Reading


def catalog_rows_read(
    handle: TextIO, *, file_format: str, report: ImportReport
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield each row of a catalog file with its number, as read.

    CSV rows count from 2, the header being row 1, as a spreadsheet shows
    them; JSON rows count the objects of the list from 1. Unknown columns are
    noted in the report and ignored. Raise CatalogFileError if the file
    cannot be read as the format at all.
    """
    rows = _csv_rows(handle, report) if file_format == "csv" else _json_rows(handle)
    try:
        yield from rows
    except UnicodeDecodeError as error:
        raise CatalogFileError(_("The file is not UTF-8 text.")) from error
    except csv.Error as error:
        raise CatalogFileError(
            _("The file is not valid CSV: %(reason)s") % {"reason": error}
        ) from error


def _csv_rows(
    handle: TextIO, report: ImportReport
) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(handle)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CatalogFileError(
            _("The header row lacks the columns: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    report.ignored_columns = [name for name in header if name not in COLUMNS]

    for number, row in enumerate(reader, start=2):
        if None in row:
            row = {"": None}
        yield number, row


class _JsonListReader:
    """Read the objects of a JSON list one at a time from a text stream."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.buffer = ""
        self.position = 0
        self.at_end = False
        self.decoder = json.JSONDecoder()

    def items(self) -> Iterator[tuple[int, Any]]:
        if self._next_char() != "[":
            raise CatalogFileError(
                _("A JSON catalog must be a list of courses, starting with [.")
            )
        self.position += 1
        number = 0
        while True:
            char = self._next_char()
            if char == "]":
                return
            if number and char != ",":
                raise self._error(number, _("a comma or ] was expected"))
            if number:
                self.position += 1
                self._next_char()
            number += 1
            yield number, self._value(number)

    def _next_char(self) -> str:
        """Return the next character that is not white space, or ""."""
        while True:
            while self.position < len(self.buffer):
                if not self.buffer[self.position].isspace():
                    return self.buffer[self.position]
                self.position += 1
            if not self._fill():
                return ""

    def _value(self, number: int) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                if self._fill(number):
                    continue
                raise self._error(number, error.msg) from error
            # A number or word cut by the end of the buffer may go on.
            cut = end == len(self.buffer) and not isinstance(value, dict | list)
            if cut and self._fill(number):
                continue
            self.position = end
            return value

    def _fill(self, number: int = 0) -> bool:
        """Read more of the file into the buffer; False at its end."""
        if self.at_end:
            return False
        chunk = self.handle.read(JSON_CHUNK)
        if not chunk:
            self.at_end = True
            return False
        self.buffer = self.buffer[self.position :] + chunk
        self.position = 0
        if len(self.buffer) > JSON_ITEM_MAX_CHARS:
            raise self._error(number, _("the object is larger than 10 MB"))
        return True

    def _error(self, number: int, reason: str) -> CatalogFileError:
        return CatalogFileError(
            _("Row %(row)s: the JSON cannot be read (%(reason)s).")
            % {"row": number or 1, "reason": reason}
        )


def _json_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, item in _JsonListReader(handle).items():
        yield number, item if isinstance(item, dict) else {"": item}


# Checking one row


def course_row_clean(
    number: int, raw: dict[str, Any], *, categories: dict[str, Category]
) -> tuple[CourseRow | None, list[RowError]]:
    """Check one row as read; return it typed, or the errors it has.

    Every column is checked, so that one pass reports all that is wrong.
    """
    if "" in raw:
        return None, [RowError(number, "", _("the row does not match the header"))]
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    text = {name: _text(raw.get(name), name, fail) for name in TEXT_LIMITS}
    for name in ("external_id", "title", "provider"):
        if not text[name] and not any(e.column == name for e in errors):
            fail(name, _("this column is required"))
    numbers = {name: _whole(raw.get(name), name, fail) for name in NUMBER_LIMITS}
    low, high = numbers["effort_hours_min"], numbers["effort_hours_max"]
    if low is not None and high is not None and low > high:
        fail("effort_hours_max", _("it is less than effort_hours_min"))

    category = _category(raw, categories, fail)
    language = _text(raw.get("language"), "language", fail)
    if language not in CourseLanguage.values:
        fail("language", _("it must be en, zh or fr"))
    if text["source_url"]:
        _url_check(text["source_url"], fail)
    published_on = _date(raw.get("published_on"), fail)
    slug = _text(raw.get("slug"), "slug", fail)
    if slug and not SLUG_PATTERN.match(slug):
        fail("slug", _("it may hold only letters, digits, - and _"))
    rating = _rating(raw.get("source_rating_average"), fail)
    is_published = _boolean(raw.get("is_published"), fail)
    instructors = _instructors(raw.get("instructors"), fail)

    if errors or category is None or published_on is None:
        return None, errors
    return CourseRow(
        row=number,
        external_id=text["external_id"],
        slug=slug,
        title=text["title"],
        category_id=category.pk,
        language=language,
        provider=text["provider"],
        instructors=instructors,
        subject=text["subject"],
        level=text["level"],
        effort_hours_min=low,
        effort_hours_max=high,
        length_weeks=numbers["length_weeks"],
        duration_seconds=numbers["duration_seconds"],
        enrolment_count=numbers["enrolment_count"] or 0,
        source_rating_average=rating,
        source_rating_count=numbers["source_rating_count"] or 0,
        source_name=text["source_name"],
        source_url=text["source_url"],
        published_on=published_on,
        is_published=is_published,
        overview=text["overview"],
        syllabus=text["syllabus"],
    ), errors


Fail = Callable[[str, str], None]


def _text(value: Any, column: str, fail: Fail) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        fail(column, _("it must be text"))
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    limit = TEXT_LIMITS.get(column)
    if limit is not None and len(text) > limit:
        fail(
            column,
            _("it has %(length)s characters, more than %(limit)s")
            % {"length": len(text), "limit": limit},
        )
    return text


def _whole(value: Any, column: str, fail: Fail) -> int | None:
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= NUMBER_LIMITS[column]:
        fail(
            column,
            _("it must be a whole number from 0 to %(limit)s")
            % {"limit": NUMBER_LIMITS[column]},
        )
        return None
    return number


def _rating(value: Any, fail: Fail) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        rating = Decimal(str(value).strip())
    except InvalidOperation:
        rating = Decimal("NaN")
    if (
        not rating.is_finite()
        or not 0 <= rating <= 5
        or rating != rating.quantize(Decimal("0.01"))
    ):
        fail(
            "source_rating_average",
            _("it must be a number from 0 to 5 with at most two decimals"),
        )
        return None
    return rating


def _date(value: Any, fail: Fail) -> datetime.date | None:
    if value is None or value == "":
        fail("published_on", _("this column is required"))
        return None
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not DATE_PATTERN.match(text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        fail("published_on", _("it must be a date written YYYY-MM-DD"))
        return None


def _boolean(value: Any, fail: Fail) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        fail("is_published", _("it must be true or false"))
    return False


def _category(
    raw: dict[str, Any], categories: dict[str, Category], fail: Fail
) -> Category | None:
    slug = _text(raw.get("category"), "category", fail)
    family = _text(raw.get("family"), "family", fail)
    if not slug:
        fail("category", _("this column is required"))
        return None
    category = categories.get(slug)
    if category is None:
        fail("category", _("no subcategory has the slug %(slug)s") % {"slug": slug})
    elif family and family != category.family:
        fail(
            "family",
            _("the subcategory %(slug)s belongs to the family %(family)s")
            % {"slug": slug, "family": category.family},
        )
    return category


def _url_check(url: str, fail: Fail) -> None:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        fail("source_url", _("it must be a web address starting with https://"))


def _instructors(value: Any, fail: Fail) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        names = value.split(INSTRUCTOR_SEPARATOR)
    elif isinstance(value, list) and all(isinstance(n, str) for n in value):
        names = value
    else:
        fail("instructors", _("it must be names separated by ;"))
        return ()
    cleaned = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    if any(len(name) > 200 for name in cleaned):
        fail("instructors", _("a name is longer than 200 characters"))
    return cleaned


# Writing


def catalog_import(
    *,
    rows: Iterable[tuple[int, dict[str, Any]]],
    report: ImportReport,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Check every row and write the courses, by external id, in batches.

    Every row is checked even after an error, so that the report lists all
    of them. Nothing is written for a dry run, nor when any row was refused
    unless skip_invalid is set; the counts then say what would have been
    done (for a refused file, up to the first error). Raise CatalogFileError
    if the file cannot be read.
    """
    categories = {c.slug: c for c in Category.objects.all()}
    seen = _Seen()
    with transaction.atomic():
        batch: list[CourseRow] = []
        for number, raw in rows:
            report.rows += 1
            course_row, errors = course_row_clean(number, raw, categories=categories)
            for error in errors:
                report.refuse(error)
            if course_row is not None and seen.claim(course_row, report):
                batch.append(course_row)
            if len(batch) >= BATCH_SIZE:
                _batch_import(batch, report, seen, skip_invalid=skip_invalid)
                batch = []
        _batch_import(batch, report, seen, skip_invalid=skip_invalid)

        refused = bool(report.errors) and not skip_invalid
        report.written = not (dry_run or refused)
        if not report.written:
            transaction.set_rollback(True)
    return report


class _Seen:
    """The external ids and slugs claimed by earlier rows of the file."""

    def __init__(self) -> None:
        self.external_ids: dict[str, int] = {}
        self.slugs: dict[str, int] = {}

    def claim(self, row: CourseRow, report: ImportReport) -> bool:
        first = self.external_ids.setdefault(row.external_id, row.row)
        if first != row.row:
            message = _("the same external id is on row %(row)s") % {"row": first}
            report.refuse(RowError(row.row, "external_id", message))
            return False
        if row.slug:
            first = self.slugs.setdefault(row.slug, row.row)
            if first != row.row:
                message = _("the same slug is on row %(row)s") % {"row": first}
                report.refuse(RowError(row.row, "slug", message))
                return False
        return True


def _batch_import(
    rows: list[CourseRow], report: ImportReport, seen: _Seen, *, skip_invalid: bool
) -> None:
    """Check a batch against the database, then write it if still worth it.

    Once a row is refused and invalid rows are not skipped, nothing will be
    kept, so later batches are only checked.
    """
    if not rows:
        return
    existing = Course.objects.in_bulk(
        [row.external_id for row in rows], field_name="external_id"
    )
    rows = _slugs_check(rows, existing, report, seen)
    if report.errors and not skip_invalid:
        return
    _batch_write(rows, existing, report)


def _slugs_check(
    rows: list[CourseRow],
    existing: dict[str, Course],
    report: ImportReport,
    seen: _Seen,
) -> list[CourseRow]:
    """Refuse slugs other courses hold; give new courses without one a slug.

    A course already imported keeps its slug when the row has none. Costs one
    query, and one more for each new course without a slug.
    """
    wanted = [row.slug for row in rows if row.slug]
    holders = dict(
        Course.objects.filter(slug__in=wanted).values_list("slug", "external_id")
    )
    kept = []
    for row in rows:
        holder = holders.get(row.slug)
        if row.slug and holder is not None and holder != row.external_id:
            message = _("another course (%(external_id)s) has this slug") % {
                "external_id": holder
            }
            report.refuse(RowError(row.row, "slug", message))
            continue
        if not row.slug:
            course = existing.get(row.external_id)
            slug = course.slug if course else _slug_free(row.title, seen)
            row = _replace_slug(row, slug)
            seen.slugs.setdefault(slug, row.row)
        kept.append(row)
    return kept


def _slug_free(title: str, seen: _Seen) -> str:
    base = course_slug_base(title)
    taken = set(
        Course.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, number = base, 1
    while slug in taken or slug in seen.slugs:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _replace_slug(row: CourseRow, slug: str) -> CourseRow:
    values = {name: getattr(row, name) for name in row.__dataclass_fields__}
    return CourseRow(**(values | {"slug": slug}))


def _batch_write(
    rows: list[CourseRow], existing: dict[str, Course], report: ImportReport
) -> None:
    """Create and update a batch's courses, their providers and instructors."""
    providers = institution_bulk_sync(
        facts=[], names=[row.provider for row in rows]
    ).by_name
    instructors = _instructors_get_or_create(
        {name for row in rows for name in row.instructors}
    )
    plan = _batch_plan(rows, existing, providers)

    Course.objects.bulk_create(plan.created, batch_size=BATCH_SIZE)
    Course.objects.bulk_update(
        plan.updated,
        [*COURSE_FIELDS, "publication_changed_at", "publication_changed_by"],
        batch_size=BATCH_SIZE,
    )
    courses = existing | Course.objects.in_bulk(
        [c.external_id for c in plan.created], field_name="external_id"
    )
    relinked = _course_instructors_set(rows, courses, instructors)

    new_ids = {courses[c.external_id].pk for c in plan.created}
    changed = ({c.pk for c in plan.updated} | relinked) - new_ids
    imported = CourseEvent.Action.IMPORTED
    events = plan.events + [
        CourseEvent(course_id=pk, action=imported) for pk in new_ids | changed
    ]
    CourseEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    if plan.rerated:
        course_ratings_recompute(course_ids=plan.rerated)
    course_search_index_update(course_ids=changed | new_ids)

    report.created += len(plan.created)
    report.updated += len(changed)
    report.unchanged += len(rows) - len(plan.created) - len(changed)


@dataclass
class _BatchPlan:
    created: list[Course] = field(default_factory=list)
    updated: list[Course] = field(default_factory=list)
    events: list[CourseEvent] = field(default_factory=list)
    # Existing courses whose source rating changed, to combine with reviews.
    rerated: list[int] = field(default_factory=list)


def _batch_plan(
    rows: list[CourseRow], existing: dict[str, Course], providers: dict[str, Any]
) -> _BatchPlan:
    """Build the new courses and apply the rows to the existing ones, unsaved.

    A new course has no reviews yet, so its rating figures follow from its
    source rating alone and need no query.
    """
    plan = _BatchPlan()
    now = timezone.now()
    for row in rows:
        course = existing.get(row.external_id)
        values = _course_values(row, provider_id=providers[row.provider].pk)
        if course is None:
            course = Course(external_id=row.external_id, **values)
            if course.is_published:
                course.publication_changed_at = now
            _rating_set(course)
            plan.created.append(course)
            continue

        changes = {k: v for k, v in values.items() if getattr(course, k) != v}
        if "is_published" in changes:
            course.publication_changed_at = now
            course.publication_changed_by = None
            action = (
                CourseEvent.Action.PUBLISHED
                if row.is_published
                else CourseEvent.Action.UNPUBLISHED
            )
            plan.events.append(CourseEvent(course=course, action=action))
        if changes.keys() & {"source_rating_average", "source_rating_count"}:
            plan.rerated.append(course.pk)
        if changes:
            for name, value in changes.items():
                setattr(course, name, value)
            plan.updated.append(course)
    return plan


def _rating_set(course: Course) -> None:
    figures = course_rating_combine(
        source_average=course.source_rating_average,
        source_count=course.source_rating_count,
        review_count=0,
        review_sum=0,
    )
    course.rating_average = figures.average
    course.rating_count = figures.count
    course.rating_score = figures.score


def _course_values(row: CourseRow, *, provider_id: int) -> dict[str, Any]:
    values = {
        name: getattr(row, name) for name in COURSE_FIELDS if name != "provider_id"
    }
    values["provider_id"] = provider_id
    return values


def _instructors_get_or_create(names: set[str]) -> dict[str, Instructor]:
    """Return instructors by name, creating the missing ones; two queries."""
    found = Instructor.objects.in_bulk(list(names), field_name="name")
    missing = [Instructor(name=name) for name in names if name not in found]
    if missing:
        Instructor.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        found |= Instructor.objects.in_bulk(
            [i.name for i in missing], field_name="name"
        )
    return found


def _course_instructors_set(
    rows: list[CourseRow],
    courses: dict[str, Course],
    instructors: dict[str, Instructor],
) -> set[int]:
    """Make each course's instructors those its row names; return the changed.

    Three queries: the links there are, the new ones and the stale ones.
    """
    through = Course.instructors.through
    wanted = {
        (courses[row.external_id].pk, instructors[name].pk)
        for row in rows
        for name in row.instructors
    }
    ids = [courses[row.external_id].pk for row in rows]
    held = {
        (link.course_id, link.instructor_id): link.pk
        for link in through.objects.filter(course_id__in=ids)
    }
    new = wanted - set(held)
    stale = [pk for pair, pk in held.items() if pair not in wanted]
    through.objects.bulk_create(
        [through(course_id=c, instructor_id=i) for c, i in new],
        batch_size=BATCH_SIZE,
    )
    if stale:
        through.objects.filter(pk__in=stale).delete()
    return {c for c, _i in new} | {c for (c, _i), pk in held.items() if pk in stale}


def text_stream(binary: io.BufferedIOBase) -> TextIO:
    """Return a binary file as UTF-8 text, without a byte order mark if any."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
