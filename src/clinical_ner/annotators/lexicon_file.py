"""Reading the stages' tab-separated lexicon files (the assertion triggers, the section
headers): one place for comments, blank lines, field counts and readable errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from clinical_ner.errors import ConfigurationError

#: The folder of the lexicons shipped in the package (``clinical_ner/data``).
BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data"

T = TypeVar("T")


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


@dataclass(frozen=True)
class LexiconFile(Generic[T]):
    """One kind of lexicon file: where the bundled one is, its fields, and how a row
    becomes an item (a rule, a section entry)."""

    #: names the file in errors ("assertion lexicon")
    what: str
    #: the bundled file's name under :data:`BUNDLED_DATA`
    bundled_name: str
    #: the numbers of tab-separated fields a row may have, and their names for errors
    field_counts: tuple[int, ...]
    fields_doc: str
    error: type[ConfigurationError]
    #: ``make(*fields, where=where)``: one validated item of a row
    make: Callable[..., T]

    def bundled_path(self) -> Path:
        """The file shipped in the package."""
        return BUNDLED_DATA / self.bundled_name

    def parse(self, content: str, source: str = "lexicon") -> list[T]:
        """The items of a file's ``content``, in file order.

        Raises:
            error: naming ``source`` and the line number of the first bad line.
        """
        rows = lexicon_rows(content, source, self.field_counts, self.fields_doc, self.error)
        return [self.make(*fields, where=where) for where, fields in rows]

    def load(self, path: str | Path | None = None) -> list[T]:
        """The items of the file at ``path`` (the bundled one when ``None``)."""
        path = Path(path) if path is not None else self.bundled_path()
        return self.parse(read_lexicon_file(path, self.what, self.error), str(path))
