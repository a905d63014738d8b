"""IOB tag sequences: the one place that converts between tags and token-index chunks.

``chunk_spans`` reads IOB1, IOB2 and BIOES alike:

- ``B-X`` and ``S-X`` always open a chunk of type X;
- ``I-X`` and ``E-X`` continue the open chunk when it has type X, and otherwise open a
  new one (a stray ``I-`` after ``O`` or another type starts a chunk, as in IOB1);
- ``E-X`` and ``S-X`` close the chunk after their token; ``O`` (or any tag without a
  known prefix) closes it before.

NerConverter, the evaluation, the CoNLL reader and the trainer all use it, so a tag
sequence means the same chunks everywhere; ``spans_to_tags`` writes chunks back as IOB2 or
IOB1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from clinical_ner.errors import ConfigurationError
from clinical_ner.labels import OUTSIDE


def chunk_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Chunks of a tag sequence as ``(first token, last token, type)``, both inclusive."""
    spans: list[tuple[int, int, str]] = []
    open_type: str | None = None
    for index, tag in enumerate(tags):
        prefix, _, entity_type = tag.partition("-")
        if not entity_type or prefix not in ("B", "I", "E", "S"):
            open_type = None
            continue
        if prefix in ("I", "E") and open_type == entity_type:
            spans[-1] = (spans[-1][0], index, entity_type)
        else:
            spans.append((index, index, entity_type))
        open_type = None if prefix in ("E", "S") else entity_type
    return spans


def spans_to_tags(
    n_tokens: int, spans: Iterable[tuple[int, int, str]], scheme: str = "IOB2"
) -> list[str]:
    """Tags for ``n_tokens`` tokens from non-overlapping ``(first, last, type)`` token
    chunks (both inclusive), in ``"IOB2"`` or ``"IOB1"`` (where ``B-`` only separates two
    adjacent chunks of one type)."""
    if scheme not in ("IOB1", "IOB2"):
        raise ConfigurationError(f"unknown tag scheme {scheme!r}; use 'IOB1' or 'IOB2'")
    tags = [OUTSIDE] * n_tokens
    previous_end, previous_type = -2, ""
    for first, last, entity_type in sorted(spans):
        opener = "B"
        if scheme == "IOB1" and not (previous_end == first - 1 and previous_type == entity_type):
            opener = "I"
        tags[first] = f"{opener}-{entity_type}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{entity_type}"
        previous_end, previous_type = last, entity_type
    return tags


def to_iob2(tags: Sequence[str]) -> list[str]:
    """The same chunks written as IOB2 (``B-`` opens every chunk, ``I-`` continues it)."""
    return spans_to_tags(len(tags), chunk_spans(tags), "IOB2")
