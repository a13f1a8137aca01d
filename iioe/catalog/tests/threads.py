"""Run code in real threads at once against a database that allows it.

On PostgreSQL the test database serves many connections as is. SQLite's
test database lives in memory with a shared cache, where a second writer
fails at once ("database table is locked") instead of waiting as it does on
the file the site uses; so for these tests the database is copied to a file
in WAL mode, like the site's, and every thread connects to that.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection, connections

T = TypeVar("T")


@pytest.fixture
def threaded_database(transactional_db: None, tmp_path: Path) -> Iterator[None]:
    """Let threads write to the test database at the same time."""
    if connection.vendor != "sqlite":
        yield
        return

    in_memory = connections["default"]
    path = tmp_path / "threads.sqlite3"
    in_memory.ensure_connection()
    with sqlite3.connect(path) as copy:
        in_memory.connection.backup(copy)
    settings_dict = connections.settings["default"]
    name = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    # The in-memory database lives as long as one connection to it is open:
    # keep this thread's aside, and give the thread one to the file.
    on_file = connections.create_connection("default")
    connections["default"] = on_file
    try:
        yield
    finally:
        on_file.close()
        connections["default"] = in_memory
        settings_dict["NAME"] = name


def run_at_once(work: Callable[..., T], calls: Sequence[tuple[Any, ...]]) -> list[T]:
    """Call work once per argument tuple, each in its own thread, all at once.

    The threads start together behind a barrier. Raises the first error a
    thread met, after all have finished; returns the results in call order.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, args: tuple[Any, ...]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(*args)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, args))
        for index, args in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results
