import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from iioe.catalog.catalog_io import FORMATS, catalog_export


class Command(BaseCommand):
    help = (
        "Export the course catalog as CSV or JSON, one course a row, in the "
        "format catalog_import reads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="csv or json (default: from the output's extension, else csv).",
        )
        parser.add_argument(
            "--output",
            type=Path,
            help="File to write (default: standard output). It is replaced "
            "only once the export is complete.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        file_format = options["format"] or _format_of(output)
        if output is None:
            count = catalog_export(handle=_Stdout(self), file_format=file_format)
            self.stderr.write(_("Exported %(count)s courses.") % {"count": count})
            return

        try:
            count = _export_to(output, file_format)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s")
                % {"path": output, "reason": error.strerror or error}
            ) from error
        self.stdout.write(
            _("Exported %(count)s courses to %(path)s.")
            % {"count": count, "path": output}
        )


def _format_of(path: Path | None) -> str:
    suffix = path.suffix.lower().lstrip(".") if path else ""
    return suffix if suffix in FORMATS else "csv"


def _export_to(output: Path, file_format: str) -> int:
    """Write the export beside the output, then put it in its place."""
    directory = output.resolve().parent
    descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".partial")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            count = catalog_export(handle=handle, file_format=file_format)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


class _Stdout:
    """Standard output as a plain text stream, without added line ends."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command

    def write(self, text: str) -> int:
        self.command.stdout.write(text, ending="")
        return len(text)
