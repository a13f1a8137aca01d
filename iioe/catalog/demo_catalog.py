"""Load the bundled demo catalog from the CSV files in demo/catalog.

Loading is an upsert by stable keys (a category's slug, an institution's and
an instructor's name, a course's external id) done with bulk queries: a
second run finds nothing to change, and what people did with the courses
(study plans, watch history, view counts) stays.
"""

import csv
import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from iioe.catalog.category_rules import Rule, course_place, rules_read
from iioe.catalog.models import Category, Course, CourseLanguage, Family, Instructor
from iioe.catalog.search import course_search_index_update
from iioe.catalog.services import course_ratings_recompute
from iioe.institutions.services import InstitutionFacts, institution_bulk_sync

logger = logging.getLogger(__name__)

DEMO_CATALOG_DIR = Path(settings.BASE_DIR) / "demo" / "catalog"
SOURCE_NAMES = {"edx": "edX", "coursera": "Coursera", "iioe": "IIOE"}
BATCH_SIZE = 500

# Fields the demo data owns; a reload puts them back as the files say. The
# view count and publication state belong to the running site and are only
# set when a course is created.
COURSE_FIELDS = [
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
    "enrolment_count",
    "source_rating_average",
    "source_rating_count",
    "duration_seconds",
    "source_name",
    "source_url",
    "published_on",
]
CATEGORY_FIELDS = ["family", "position", "name_en", "name_zh_hans", "name_fr"]


class DemoDataError(ValueError):
    """A demo file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Counts:
    total: int
    created: int
    updated: int

    def describe(self, noun: str) -> str:
        return f"{self.total} {noun} ({self.created} new, {self.updated} updated)"


@dataclass(frozen=True)
class Upserted:
    by_key: dict[str, Any]
    counts: Counts


@dataclass(frozen=True)
class DemoCatalogSummary:
    categories: Counts
    institutions: Counts
    instructors: Counts
    courses: Counts

    def __str__(self) -> str:
        parts = [
            self.courses.describe("courses"),
            self.categories.describe("categories"),
            self.institutions.describe("institutions"),
            self.instructors.describe("instructors"),
        ]
        return "Demo catalog: " + ", ".join(parts) + "."


def demo_catalog_load(*, directory: Path = DEMO_CATALOG_DIR) -> DemoCatalogSummary:
    """Create or update the demo categories, institutions and courses.

    Every course is placed by the rules in category_map.csv. The files are
    read and checked before anything is written, and everything is written in
    one transaction, so a bad file changes nothing. About twenty queries when
    nothing changed; writing the search index of new courses takes more.
    """
    category_rows = list(_csv_rows(directory / "categories.csv"))
    rules = rules_read(directory / "category_map.csv")
    institution_rows = list(_csv_rows(directory / "institutions.csv"))
    course_rows = list(_csv_rows(directory / "courses.csv"))
    _rules_check(rules, category_rows)
    _courses_check(course_rows)

    with transaction.atomic():
        categories = _categories_sync(category_rows)
        institutions = institution_bulk_sync(
            facts=[
                InstitutionFacts(
                    name=row["name"], country=row["country"], website=row["website"]
                )
                for _, row in institution_rows
            ],
            names=[r["provider"] for _, r in course_rows],
        )
        instructors = _instructors_sync(
            name for _, row in course_rows for name in _instructor_names(row)
        )
        courses = _courses_sync(
            course_rows,
            rules=rules,
            category_ids={slug: c.pk for slug, c in categories.by_key.items()},
            provider_ids={n: i.pk for n, i in institutions.by_name.items()},
        )
        _course_instructors_sync(
            course_rows, courses=courses.by_key, instructors=instructors.by_key
        )
        # The files give the source catalogs' ratings; the figures shown also
        # count the reviews written here.
        course_ratings_recompute(course_ids=[c.pk for c in courses.by_key.values()])
        # Only the courses whose index differs from them are written again.
        course_search_index_update(course_ids=[c.pk for c in courses.by_key.values()])

    summary = DemoCatalogSummary(
        categories=categories.counts,
        institutions=Counts(
            len(institutions.by_name), institutions.created, institutions.updated
        ),
        instructors=instructors.counts,
        courses=courses.counts,
    )
    logger.debug("%s", summary)
    return summary


def course_row_place(row: dict[str, str], rules: Iterable[Rule]) -> str:
    """Return the slug of the subcategory a course row belongs in."""
    return course_place(row, rules).category


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            yield number, {k: (v or "").strip() for k, v in row.items()}


def _rules_check(rules: list[Rule], category_rows: list[tuple[int, dict]]) -> None:
    families = {row["slug"]: row["family"] for _, row in category_rows}
    for number, row in category_rows:
        if row["family"] not in Family.values:
            raise DemoDataError(f"categories.csv:{number}: unknown family")
    for rule in rules:
        if rule.family not in Family.values:
            raise DemoDataError(f"category_map.csv: unknown family {rule.family!r}")
        if rule.category and families.get(rule.category) != rule.family:
            raise DemoDataError(
                f"category_map.csv: {rule.category!r} is not a {rule.family} category"
            )


def _courses_check(course_rows: list[tuple[int, dict[str, str]]]) -> None:
    seen: dict[str, set[str]] = {"external_id": set(), "slug": set()}
    for number, row in course_rows:
        if row["language"] not in CourseLanguage.values:
            raise DemoDataError(f"courses.csv:{number}: unknown language")
        if row["source"] not in SOURCE_NAMES:
            raise DemoDataError(f"courses.csv:{number}: unknown source")
        for key, values in seen.items():
            if not row[key] or row[key] in values:
                raise DemoDataError(f"courses.csv:{number}: {key} missing or repeated")
            values.add(row[key])


def _categories_sync(
    rows: list[tuple[int, dict[str, str]]],
) -> Upserted:
    wanted = {
        row["slug"]: Category(
            slug=row["slug"],
            family=row["family"],
            position=int(row["position"]),
            name_en=row["name_en"],
            name_zh_hans=row["name_zh_hans"],
            name_fr=row["name_fr"],
        )
        for _, row in rows
    }
    return _upsert(Category, "slug", wanted, CATEGORY_FIELDS)


def _instructors_sync(names: Iterable[str]) -> Upserted:
    wanted = {name: Instructor(name=name) for name in names}
    return _upsert(Instructor, "name", wanted, [])


def _courses_sync(
    rows: list[tuple[int, dict[str, str]]],
    *,
    rules: list[Rule],
    category_ids: dict[str, int],
    provider_ids: dict[str, int],
) -> Upserted:
    wanted = {}
    for _, row in rows:
        course = Course(
            external_id=row["external_id"],
            slug=row["slug"],
            title=row["title"],
            category_id=category_ids[course_row_place(row, rules)],
            language=row["language"],
            provider_id=provider_ids[row["provider"]],
            subject=row["subject"],
            level=row["level"],
            effort_hours_min=_number(row["effort_hours_min"]),
            effort_hours_max=_number(row["effort_hours_max"]),
            length_weeks=_number(row["length_weeks"]),
            enrolment_count=_number(row["enrolment_count"]) or 0,
            source_rating_average=Decimal(row["rating_average"])
            if row["rating_average"]
            else None,
            source_rating_count=_number(row["rating_count"]) or 0,
            view_count=_number(row["view_count"]) or 0,
            duration_seconds=_number(row["duration_seconds"]),
            source_name=SOURCE_NAMES[row["source"]],
            source_url=row["source_url"],
            published_on=datetime.date.fromisoformat(row["published_on"]),
        )
        wanted[course.external_id] = course
    return _upsert(Course, "external_id", wanted, COURSE_FIELDS)


def _course_instructors_sync(
    rows: list[tuple[int, dict[str, str]]],
    *,
    courses: dict[str, Course],
    instructors: dict[str, Instructor],
) -> None:
    """Make each demo course's instructors those the file names, in two queries."""
    through = Course.instructors.through
    wanted = {
        (courses[row["external_id"]].pk, instructors[name].pk)
        for _, row in rows
        for name in _instructor_names(row)
    }
    existing = {
        (link.course_id, link.instructor_id): link.pk
        for link in through.objects.filter(
            course_id__in=[c.pk for c in courses.values()]
        )
    }
    through.objects.bulk_create(
        [through(course_id=c, instructor_id=i) for c, i in wanted - set(existing)],
        batch_size=BATCH_SIZE,
    )
    stale = [pk for pair, pk in existing.items() if pair not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()


def _upsert(
    model: type[Any], key: str, wanted: dict[str, Any], fields: list[str]
) -> Upserted:
    """Create the missing rows and update the changed fields of the others.

    Returns every row by key, with its primary key, and the counts.
    """
    existing = model.objects.in_bulk(list(wanted), field_name=key)
    changed = []
    for name, row in existing.items():
        new = wanted[name]
        if any(getattr(row, f) != getattr(new, f) for f in fields):
            for f in fields:
                setattr(row, f, getattr(new, f))
            changed.append(row)
    missing = [row for name, row in wanted.items() if name not in existing]
    model.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)

    if missing:
        existing.update(
            model.objects.in_bulk([getattr(r, key) for r in missing], field_name=key)
        )
    return Upserted(existing, Counts(len(wanted), len(missing), len(changed)))


def _instructor_names(row: dict[str, str]) -> list[str]:
    return [name.strip() for name in row["instructors"].split(";") if name.strip()]


def _number(text: str) -> int | None:
    return int(text) if text else None
