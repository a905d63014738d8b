"""Atomic file and folder writes, and file checksums: the one implementation of each.

A reader (a loading model, a training run reading a corpus, a Spark worker) must never see
a half-written file or folder, even when the writer crashes. Both writers therefore write
into a private temporary entry beside the target (same file system, so the final
``os.replace`` is a rename: atomic) and move it into place only once it is complete; on any
failure the temporary entry is removed and the target is left as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Modes of what the writers put in place: ``mkstemp``/``mkdtemp`` create private entries
#: (0600/0700), but models, vector stores and corpora are meant to be shared.
FILE_MODE = 0o644
FOLDER_MODE = 0o755


def file_sha256(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """The sha256 of a file's bytes as 64 hex digits, read ``chunk_size`` bytes at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_file(path: str | os.PathLike[str], write: Callable[[Path], T]) -> T:
    """Write the file ``path`` atomically; returns what ``write`` returns.

    ``write(temp)`` writes the whole content to ``temp``, an empty file beside ``path``;
    it is then made readable by all (``FILE_MODE``) and renamed over ``path``.
    """
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(temp_name)
    try:
        result = write(temp)
        temp.chmod(FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return result


def atomic_write_text(path: str | os.PathLike[str], content: str) -> None:
    """Write ``content`` to ``path`` atomically as UTF-8, newlines untranslated."""

    def write(temp: Path) -> None:
        with open(temp, "w", newline="", encoding="utf-8") as handle:
            handle.write(content)

    atomic_write_file(path, write)


def atomic_write_folder(
    target: str | os.PathLike[str], write: Callable[[Path], T], overwrite: bool = False
) -> T:
    """Write the folder ``target`` atomically; returns what ``write`` returns.

    ``write(staging)`` fills ``staging``, an empty folder beside ``target``; every entry in
    it is then made readable by all and the folder renamed to ``target``. An existing
    ``target`` is replaced only with ``overwrite``: it is renamed aside first (``os.replace``
    cannot replace a non-empty folder), put back if the second rename fails, and deleted
    once the new folder is in place.

    Raises:
        FileExistsError: ``target`` exists and ``overwrite`` is False (checked before
            ``write`` runs, so no work is wasted).
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        result = write(staging)
        for entry in [staging, *staging.rglob("*")]:
            entry.chmod(FOLDER_MODE if entry.is_dir() else FILE_MODE)
        _replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def _replace_folder(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, putting an existing ``target`` back on failure."""
    if not target.exists():
        os.replace(staging, target)
        return
    backup = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    backup.rmdir()
    os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)
