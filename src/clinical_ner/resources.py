"""Pretrained resources and model folders: offline lookup, checksums, atomic writes.

The file-level mechanics (atomic rename, sha256) live in :mod:`clinical_ner.io`.

A model folder holds its files plus ``metadata.json``, which records the resource's name,
kind, version, training data and metrics, and the sha256 of every other file; loading
checks those checksums, so a truncated download or an edited weight file is a clear error
instead of silent garbage.

``pretrained(name, lang, remote_loc)`` never touches the network. It looks, in order, in
``$CLINICAL_NER_HOME`` (default ``~/.cache/clinical-ner``) and in the folders shipped inside
the package (``clinical_ner/models``), for a folder named ``<name>_<lang>`` or ``<name>``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinical_ner.errors import ClinicalNerError, ResourceNotFoundError
from clinical_ner.io import atomic_write_folder
from clinical_ner.io import file_sha256 as file_sha256  # re-exported: its old home

METADATA_FILE = "metadata.json"
PACKAGE_MODELS = Path(__file__).resolve().parent / "models"


class CorruptModelError(ClinicalNerError):
    """A model folder cannot be used: no checksums, a file missing or not matching its
    checksum, or a verified file whose content is wrong (the message names the file)."""


def cache_dir() -> Path:
    """The user's model folder: ``$CLINICAL_NER_HOME`` or ``~/.cache/clinical-ner``."""
    home = os.environ.get("CLINICAL_NER_HOME")
    return Path(home) if home else Path.home() / ".cache" / "clinical-ner"


def search_roots() -> list[Path]:
    return [cache_dir(), PACKAGE_MODELS]


def available(kind: str | None = None) -> list[dict[str, Any]]:
    """Every resource found offline: ``{"name", "lang", "kind", "path", "version"}``."""
    found: list[dict[str, Any]] = []
    for root in search_roots():
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            meta_path = folder / METADATA_FILE
            if not meta_path.is_file():
                continue
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if kind is None or meta.get("kind") == kind:
                found.append(
                    {
                        "name": meta.get("name", folder.name),
                        "lang": meta.get("lang", "en"),
                        "kind": meta.get("kind"),
                        "version": meta.get("version"),
                        "path": str(folder),
                    }
                )
    return found


def resolve(name: str, lang: str = "en", remote_loc: str | None = None, kind: str | None = None) -> Path:
    """The folder of pretrained resource ``name`` (``remote_loc`` is accepted for Spark NLP
    compatibility and ignored: nothing is downloaded). A path to a folder also works."""
    direct = Path(name).expanduser()
    if (direct / METADATA_FILE).is_file():
        return direct
    for root in search_roots():
        for candidate in (root / f"{name}_{lang}", root / name):
            if (candidate / METADATA_FILE).is_file():
                meta = read_metadata(candidate)
                if kind is None or meta.get("kind") == kind:
                    return candidate
    names = sorted({f"{r['name']} ({r['lang']}, {r['kind']})" for r in available(kind)})
    raise ResourceNotFoundError(
        f"no pretrained resource {name!r} for language {lang!r}"
        + (f" of kind {kind!r}" if kind else "")
        + f". Available offline: {', '.join(names) or 'none'}. Resources are looked up in "
        f"{cache_dir()} (set CLINICAL_NER_HOME to change it) and in {PACKAGE_MODELS}; "
        "nothing is downloaded."
    )


def read_metadata(folder: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(folder) / METADATA_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResourceNotFoundError(f"{folder} is not a model folder (no {METADATA_FILE})") from None
    except json.JSONDecodeError as exc:
        raise CorruptModelError(f"{path} is not valid JSON: {exc}") from None


def verify(folder: str | os.PathLike[str], checksums: bool = True) -> dict[str, Any]:
    """Check every file listed in ``metadata.json`` against its sha256; return the metadata.

    A folder whose metadata lists no checksums is refused (random weights dropped into
    ``$CLINICAL_NER_HOME`` must not pass as a model); ``checksums=False`` loads it anyway,
    on the caller's explicit word.

    Raises:
        CorruptModelError: no checksums, a file missing, or a file that does not match.
    """
    folder = Path(folder)
    meta = read_metadata(folder)
    files = meta.get("files")
    if not checksums:
        return meta
    if not isinstance(files, dict) or not files:
        raise CorruptModelError(
            f"{folder}: {METADATA_FILE} lists no file checksums, so the folder cannot be "
            "verified; write it with the library's save() (which records them), or load it "
            "with verify=False if you trust it"
        )
    for relative, expected in files.items():
        path = folder / relative
        if not path.is_file():
            raise CorruptModelError(f"{folder}: file {relative} is missing; reinstall the model")
        if file_sha256(path) != expected:
            raise CorruptModelError(
                f"{folder}: {relative} does not match its checksum; the file is damaged or was "
                "edited. Reinstall or retrain the model."
            )
    return meta


def write_model_folder(
    target: str | os.PathLike[str],
    write_files: Callable[[Path], object],
    metadata: dict[str, Any],
    overwrite: bool = False,
) -> Path:
    """Write a model folder atomically.

    ``write_files(tmp)`` writes the model's files into an empty temporary folder beside
    ``target``; this function then adds ``metadata.json`` (with the sha256 of every file)
    and renames the folder into place (:func:`clinical_ner.io.atomic_write_folder`). A
    crash leaves ``target`` untouched.
    """

    def write(tmp: Path) -> None:
        write_files(tmp)
        files = {
            p.relative_to(tmp).as_posix(): file_sha256(p)
            for p in sorted(tmp.rglob("*"))
            if p.is_file() and p.name != METADATA_FILE
        }
        meta = {**metadata, "files": files}
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    atomic_write_folder(target, write, overwrite=overwrite)
    return Path(target)
