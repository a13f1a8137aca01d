import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from iioe.catalog.catalog_io import (
    FORMATS,
    CatalogFileError,
    ImportReport,
    catalog_import,
    catalog_rows_read,
)
from iioe.catalog.management.progress import CountingReader, Progress


class Command(BaseCommand):
    help = (
        "Import courses from a CSV or JSON file, as catalog_export writes them. "
        "Every row is checked first; a file with any invalid row changes "
        "nothing unless --skip-invalid is given. Courses are matched by their "
        "external id, so importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or JSON file.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="csv or json (default: from the file's extension).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would change, writing nothing.",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows even if some rows are invalid.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        file_format = options["format"] or path.suffix.lower().lstrip(".")
        if file_format not in FORMATS:
            raise CommandError(
                _("Say --format csv or --format json for %(path)s.") % {"path": path}
            )

        report = ImportReport()
        try:
            self._import(path, file_format, report, options)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s")
                % {"path": path, "reason": error.strerror or error}
            ) from error
        except CatalogFileError as error:
            raise CommandError(
                _("Nothing was imported. %(reason)s") % {"reason": error}
            ) from error
        self._report(report, dry_run=options["dry_run"])

    def _import(
        self, path: Path, file_format: str, report: ImportReport, options: Any
    ) -> None:
        with path.open("rb") as binary:
            counter = CountingReader(binary)
            text = io.TextIOWrapper(
                io.BufferedReader(counter), encoding="utf-8-sig", newline=""
            )
            rows = catalog_rows_read(text, file_format=file_format, report=report)
            progress = Progress(
                self.stderr,
                total=path.stat().st_size,
                label=_("Importing"),
            )
            catalog_import(
                rows=progress.track(rows, counter),
                report=report,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )

    def _report(self, report: ImportReport, *, dry_run: bool) -> None:
        if report.ignored_columns:
            self.stderr.write(
                _("Ignored columns: %(columns)s")
                % {"columns": ", ".join(report.ignored_columns)}
            )
        for error in report.errors:
            self.stderr.write(str(error))

        invalid = len(report.invalid_rows)
        counts = {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "invalid": invalid,
        }
        if invalid and not report.written and not dry_run:
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(invalid)s row of %(rows)s is "
                    "invalid. Correct it, or import the others with "
                    "--skip-invalid.",
                    "Nothing was imported: %(invalid)s rows of %(rows)s are "
                    "invalid. Correct them, or import the others with "
                    "--skip-invalid.",
                    invalid,
                )
                % counts
            )
        if dry_run:
            self.stdout.write(
                _(
                    "Dry run, nothing written. %(rows)s rows: %(created)s would "
                    "be created, %(updated)s updated, %(unchanged)s unchanged, "
                    "%(invalid)s invalid."
                )
                % counts
            )
            if invalid:
                raise CommandError(_("The file has invalid rows."))
            return
        if invalid:
            summary = _(
                "%(rows)s rows: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(invalid)s invalid and skipped."
            )
        else:
            summary = _(
                "%(rows)s rows: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
        self.stdout.write(summary % counts)
