"""Files in storage, and local copies of them for ffmpeg.

A conversion's files are written under a folder of their own, always under
the same names, so that running it again replaces them in place; these
helpers copy such a folder in, list it and delete it, and hand ffmpeg a
local path for an upload or a stored source.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile

from iioe.media import ffmpeg
from iioe.media.ladder import HLS_DIR
from iioe.media.models import OUTPUT_ROOT, Video

CHUNK_BYTES = 1024 * 1024


def tree_store(root: Path, prefix: str) -> set[str]:
    """Copy a local folder into storage under `prefix`, replacing in place.

    Files under the prefix's HLS folder that this copy did not write are
    left-overs of an earlier run and are deleted. Return the names written.
    """
    storage = default_storage
    written: set[str] = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(root).as_posix()}"
        storage.delete(name)
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle))
        if saved != name:
            raise ffmpeg.FFmpegError(f"Storage renamed {name} to {saved}.")
        written.add(name)
    for name in _tree_names(storage, f"{prefix}/{HLS_DIR}"):
        if name not in written:
            storage.delete(name)
    return written


def _tree_names(storage: Storage, folder: str) -> Iterator[str]:
    """Yield the names of every file under a storage folder."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _tree_names(storage, f"{folder}/{sub}")


def files_delete(names: set[str]) -> None:
    """Delete stored files, and everything under names ending with "/"."""
    # Files first, then folders, so that a folder emptied is removed.
    for name in sorted(names, key=lambda name: (name.endswith("/"), name)):
        if name.endswith("/"):
            for path in _tree_names(default_storage, name.rstrip("/")):
                default_storage.delete(path)
            _empty_folders_remove(name.rstrip("/"))
        else:
            default_storage.delete(name)


def _empty_folders_remove(folder: str) -> None:
    """Remove a local storage folder left empty, and its empty parents."""
    try:
        path = Path(default_storage.path(folder))
        outputs = Path(default_storage.path(OUTPUT_ROOT))
    except NotImplementedError:
        return  # Object storage has no folders to leave behind.
    for sub in sorted(path.rglob("*"), reverse=True):
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    while outputs in path.parents and path.is_dir() and not any(path.iterdir()):
        path.rmdir()
        path = path.parent


@contextmanager
def upload_path(upload: UploadedFile) -> Iterator[Path]:
    """Yield a local path to an upload, writing it to a temporary file if
    it is held in memory."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        yield Path(temporary())
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        yield Path(copy.name)


@contextmanager
def local_copy(field_file: FieldFile) -> Iterator[Path]:
    """Yield a local path to a stored file, copying it if storage is remote."""
    if not stored(field_file):
        raise ffmpeg.FFmpegError(
            "The source file is missing from storage.", Video.Failure.MISSING_SOURCE
        )
    try:
        local = Path(field_file.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / Path(field_file.name).name
        with field_file.open("rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK_BYTES)
        yield target


def stored(field_file: FieldFile) -> bool:
    """Say whether a file field names a file that its storage holds."""
    return bool(field_file) and field_file.storage.exists(field_file.name)
