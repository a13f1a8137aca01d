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

from iioe.catalog.catalog_io.columns import (
    BATCH_SIZE,
    COLUMNS,
    COURSE_FIELDS,
    FORMATS,
    CatalogFileError,
    CourseRow,
    ImportReport,
    RowError,
)
from iioe.catalog.catalog_io.export import catalog_export
from iioe.catalog.catalog_io.reading import catalog_rows_read
from iioe.catalog.catalog_io.rows import course_row_clean
from iioe.catalog.catalog_io.writing import catalog_import

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "COURSE_FIELDS",
    "FORMATS",
    "CatalogFileError",
    "CourseRow",
    "ImportReport",
    "RowError",
    "catalog_export",
    "catalog_import",
    "catalog_rows_read",
    "course_row_clean",
]
