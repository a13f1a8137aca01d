"""Receiving large video uploads: streamed to disk, stopped past the limit."""

from typing import Any

from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest


class VideoUploadHandler(TemporaryFileUploadHandler):
    """Write every upload to a temporary file, never holding it in memory.

    A file that grows past `max_bytes` is dropped as it arrives and
    `too_large` is set, so that the form can say why the file is missing;
    the rest of the request is read and thrown away.
    """

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_large = False
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            # Closing the temporary file deletes it.
            self.file.close()
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)
