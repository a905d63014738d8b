"""Reading the stages' tab-separated lexicon files (the assertion triggers, the section
headers): one place for comments, blank lines, field counts and readable errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from clinical_ner.errors import ConfigurationError


def lexicon_rows(content: str, source: str, field_counts: tuple[int, ...], fields_doc: str,
                 error: type[ConfigurationError]) -> Iterator[tuple[str, list[str]]]:
    """``(where, fields)`` of every rule line of a lexicon's ``content``.

    Blank lines and lines starting with ``#`` are skipped. ``where`` ("FILE, line N") is
    for the caller's own validation messages.

    Raises:
        error: a line has a number of tab-separated fields not in ``field_counts``;
            ``fields_doc`` names them ("phrase, category, direction[, window]").
    """
    expected = " or ".join(str(n) for n in field_counts)
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) not in field_counts:
            raise error(f"{source}, line {number}: expected {expected} tab-separated fields "
                        f"({fields_doc})")
        yield f"{source}, line {number}", fields


def read_lexicon_file(path: Path, what: str, error: type[ConfigurationError]) -> str:
    """The UTF-8 content of the lexicon file ``path``; ``what`` names it in errors
    ("assertion lexicon")."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read the {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"the {what} {path} is not UTF-8 text") from None
