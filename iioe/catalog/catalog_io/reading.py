"""Reading a catalog file a row at a time, CSV or JSON."""

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from django.utils.translation import gettext as _

from iioe.catalog.catalog_io.columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    CatalogFileError,
    ImportReport,
)

JSON_CHUNK = 64 * 1024
JSON_ITEM_MAX_CHARS = 10 * 1024 * 1024


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
