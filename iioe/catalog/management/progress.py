"""A progress bar for commands that read large files, on a terminal only."""

import io
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.core.management.base import OutputWrapper

Item = TypeVar("Item")
BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        read = self.raw.readinto(buffer)
        self.count += read or 0
        return read


class Progress:
    """Draw how much of a file has been read, as a bar on one line.

    Drawn only when the stream is a terminal, so logs and pipes stay clean,
    and at most ten times a second.
    """

    def __init__(self, stream: OutputWrapper, *, total: int, label: str) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.label = label
        self.enabled = stream.isatty()
        self.drawn_at = 0.0

    def track(self, items: Iterable[Item], reader: CountingReader) -> Iterator[Item]:
        """Yield the items, redrawing the bar from the bytes read so far."""
        for count, item in enumerate(items, start=1):
            yield item
            now = time.monotonic()
            if self.enabled and now - self.drawn_at >= REDRAW_SECONDS:
                self._draw(reader.count, count)
                self.drawn_at = now
        if self.enabled:
            self._draw(self.total, None)
            self.stream.write("")

    def _draw(self, done: int, rows: int | None) -> None:
        share = min(done / self.total, 1.0)
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        rows_text = f" {rows:,} rows" if rows is not None else ""
        line = f"\r{self.label} [{bar}] {share:4.0%}{rows_text}"
        self.stream.write(line, ending="")
        self.stream.flush()
