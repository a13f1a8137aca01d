"""Writing the catalog to a CSV or JSON file."""

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from iioe.catalog.catalog_io.columns import BATCH_SIZE, COLUMNS, INSTRUCTOR_SEPARATOR
from iioe.catalog.models import Course


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
