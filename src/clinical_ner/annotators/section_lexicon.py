"""The header lexicon of :class:`~clinical_ner.annotators.section_detector.SectionDetector`.

The lexicon is a UTF-8, tab-separated text file, one header variant a line::

    variant<TAB>name[<TAB>kind]

- ``variant``: the header's words as a note writes them ("History of Present Illness",
  "HPI", "A/P"); matched case-insensitively after :func:`normalize_header` (``&`` reads as
  ``and``, hyphens and runs of spaces as one space, a trailing colon is dropped).
- ``name``: the canonical section name, snake_case (``history_of_present_illness``).
- ``kind``: ``section`` (default); ``subsection``, a header inside a section (an exam's
  "Lungs:", a review of systems' "HEENT:"), which never becomes an entity but leaves the
  enclosing section's name in place (its own name goes in the metadata ``subsection``); or
  ``not_header``, a phrase that is never a header even written like one ("BP: 120/80",
  "HIV: negative"); its name is ``-``.

Blank lines and lines starting with ``#`` are ignored; a later line for the same variant
wins, so a user's file can re-map a bundled variant. The bundled lexicon is
``clinical_ner/data/section_lexicon.tsv``; ``SectionDetector.setLexicon(path)`` replaces it
and ``addSections(...)`` adds variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from clinical_ner.annotators.lexicon_file import lexicon_rows, read_lexicon_file
from clinical_ner.errors import ConfigurationError

SECTION = "section"
SUBSECTION = "subsection"
NOT_HEADER = "not_header"
KINDS = (SECTION, SUBSECTION, NOT_HEADER)
#: The name of text before the first header.
UNKNOWN = "unknown"
#: The name of a header that looks like one (capitals and a colon) but is not in the lexicon.
OTHER = "other"

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SEPARATORS = re.compile(r"[\s\-_]+")


class SectionLexiconError(ConfigurationError):
    """A section lexicon file or entry breaks the format in this module's docstring."""


@dataclass(frozen=True, slots=True)
class SectionEntry:
    """One lexicon line: a header ``variant``, its canonical ``name`` and its ``kind``."""

    variant: str
    name: str
    kind: str = SECTION

    def to_list(self) -> list[str]:
        """``[variant, name, kind]``, JSON-ready (stage parameters)."""
        return [self.variant, self.name, self.kind]


def normalize_header(text: str) -> str:
    """The lookup key of a header: lower case, ``&`` as ``and``, hyphens, underscores and
    whitespace runs as one space, no trailing colon or outer spaces."""
    text = text.strip().rstrip(":").strip().lower().replace("&", " and ")
    return _SEPARATORS.sub(" ", text).strip()


def make_entry(variant: str, name: str, kind: str = SECTION, where: str = "entry") -> SectionEntry:
    """A validated :class:`SectionEntry`; ``where`` names the source in error messages."""
    variant = " ".join(str(variant).split())
    kind = (str(kind).strip().lower() or SECTION) if kind is not None else SECTION
    name = str(name).strip()
    if not normalize_header(variant):
        raise SectionLexiconError(f"{where}: the header variant is empty")
    if kind not in KINDS:
        raise SectionLexiconError(f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == NOT_HEADER:
        name = "-"
    elif not _NAME.fullmatch(name):
        raise SectionLexiconError(
            f"{where}: section name {name!r} must be snake_case (lower-case letters, digits, _)"
        )
    return SectionEntry(variant, name, kind)


def parse_lexicon(content: str, source: str = "lexicon") -> list[SectionEntry]:
    """Entries of a lexicon file's content (format in the module docstring).

    Raises:
        SectionLexiconError: naming ``source`` and the line number of the first bad line.
    """
    rows = lexicon_rows(content, source, (2, 3), "variant, name[, kind]", SectionLexiconError)
    return [make_entry(*fields, where=where) for where, fields in rows]  # type: ignore[misc]  # a row of 2-3 fields, checked by lexicon_rows


def bundled_lexicon_path() -> Path:
    """The section lexicon shipped in the package."""
    return Path(__file__).resolve().parent.parent / "data" / "section_lexicon.tsv"


def load_lexicon(path: str | Path | None = None) -> list[SectionEntry]:
    """Entries of the lexicon file at ``path`` (the bundled one when ``None``)."""
    path = Path(path) if path is not None else bundled_lexicon_path()
    return parse_lexicon(read_lexicon_file(path, "section lexicon", SectionLexiconError), str(path))


@lru_cache(maxsize=1)
def bundled_entries() -> tuple[SectionEntry, ...]:
    """The bundled lexicon, read once per process."""
    return tuple(load_lexicon())


def canonical_names(entries: tuple[SectionEntry, ...] | list[SectionEntry] | None = None) -> list[str]:
    """The section names a lexicon (default: the bundled one) can give, sorted."""
    entries = bundled_entries() if entries is None else entries
    return sorted({e.name for e in entries if e.kind == SECTION})
