"""Serve a stored file in chunks, honouring HTTP byte-range requests.

Video players seek by asking for byte ranges, so a protected file must answer
`Range: bytes=...` with 206 Partial Content. Only single ranges are served; a
request for several ranges, or a malformed one, gets the whole file, which the
HTTP specification allows. Works with any Django storage: the file is opened
through it and read a chunk at a time.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date, parse_http_date_safe

CHUNK_BYTES = 64 * 1024
RANGE_SPEC = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class StoredFile(Protocol):
    """A file in a storage: a model's FieldFile, or a StoredName."""

    @property
    def storage(self) -> Storage: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class StoredName:
    """A stored file that no model field holds, such as an HLS segment."""

    storage: Storage
    name: str


class RangeNotSatisfiableError(Exception):
    """The requested range lies wholly outside the file."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """Return the single byte range a Range header asks for, or None.

    None means "send the whole file": no header, a unit other than bytes,
    several ranges, or a malformed one. Raise RangeNotSatisfiableError when the
    range starts past the end, or is an empty suffix.
    """
    match = RANGE_SPEC.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None

    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiableError
        return ByteRange(start=max(0, size - suffix), end=size - 1)

    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiableError
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start=start, end=end)


def file_response(
    request: HttpRequest,
    field_file: StoredFile,
    *,
    content_type: str,
    max_age: int = 3600,
) -> HttpResponseBase:
    """Answer a GET or HEAD for a stored file: 200, 206, 304 or 416."""
    storage = field_file.storage
    size = storage.size(field_file.name)
    modified = _modified_timestamp(field_file)
    etag = f'"{size:x}-{modified:x}"' if modified is not None else ""

    if etag and _etag_matches(request.headers.get("If-None-Match", ""), etag):
        response: HttpResponseBase = HttpResponse(status=304)
        _add_common_headers(response, etag, modified, max_age)
        return response

    byte_range = None
    if _if_range_holds(request, etag, modified):
        try:
            byte_range = parse_range(request.headers.get("Range", ""), size)
        except RangeNotSatisfiableError:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            _add_common_headers(response, etag, modified, max_age)
            return response

    start, length = (0, size)
    if byte_range is not None:
        start, length = byte_range.start, byte_range.length
    chunks = (
        iter(()) if request.method == "HEAD" else _chunks(field_file, start, length)
    )
    response = StreamingHttpResponse(
        chunks, status=200 if byte_range is None else 206, content_type=content_type
    )
    response["Content-Length"] = str(length)
    if byte_range is not None:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    _add_common_headers(response, etag, modified, max_age)
    return response


def _chunks(field_file: StoredFile, start: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes of a stored file from `start`, a chunk at a time."""
    # Opened through the storage, not the field: each response needs its own
    # file object, and the generator's end closes it.
    with field_file.storage.open(field_file.name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def _add_common_headers(
    response: HttpResponseBase, etag: str, modified: int | None, max_age: int
) -> None:
    response["Accept-Ranges"] = "bytes"
    # Private: a shared cache must never hand a member's file to a guest.
    response["Cache-Control"] = f"private, max-age={max_age}"
    if etag:
        response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)


def _if_range_holds(request: HttpRequest, etag: str, modified: int | None) -> bool:
    """Say whether a Range header may be honoured under its If-Range."""
    condition = request.headers.get("If-Range", "").strip()
    if not condition:
        return True
    if condition.startswith(('"', "W/")):
        return bool(etag) and condition == etag
    since = parse_http_date_safe(condition)
    return since is not None and modified is not None and modified <= since


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match compares weakly: W/"x" matches "x".
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def _modified_timestamp(field_file: StoredFile) -> int | None:
    try:
        return int(field_file.storage.get_modified_time(field_file.name).timestamp())
    except (NotImplementedError, OSError):
        return None
