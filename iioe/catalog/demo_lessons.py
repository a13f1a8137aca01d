"""Demo lessons made from the bundled, openly licensed video clips."""

from typing import TextIO


def load_demo_lessons(*, stdout: TextIO) -> None:
    """Attach the bundled clips as lessons of demo courses; idempotent."""
