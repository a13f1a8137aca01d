"""Writing checked rows to the catalog, a batch at a time, in one transaction."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iioe.catalog.catalog_io.columns import (
    BATCH_SIZE,
    COURSE_FIELDS,
    CourseRow,
    ImportReport,
    RowError,
)
from iioe.catalog.catalog_io.rows import course_row_clean
from iioe.catalog.models import Category, Course, CourseEvent, Instructor
from iioe.catalog.search import course_search_index_update
from iioe.catalog.services import (
    course_rating_combine,
    course_ratings_recompute,
    course_slug_base,
)
from iioe.institutions.services import institution_bulk_sync


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
