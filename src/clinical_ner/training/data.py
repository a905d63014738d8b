"""Training examples: tokenized sentences with IOB2 tags, and the label set.

A :class:`TaggedSentence` knows which entity types its corpus annotates
(``known_types``); for a corpus that annotates only PROBLEM (NCBI-disease), a token tagged
``O`` may really be a TEST or TREATMENT, and the trainer uses the partial-label CRF
objective instead of teaching the model that it is ``O``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ENTITY_TYPES = ("PROBLEM", "TEST", "TREATMENT")


@dataclass
class TaggedSentence:
    """One training sentence.

    Attributes:
        tokens: the token strings (original case).
        tags: one IOB2 tag per token (``O``, ``B-X``, ``I-X``).
        known_types: entity types the source corpus annotates; None means all of them.
    """

    tokens: list[str]
    tags: list[str]
    known_types: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(f"{len(self.tokens)} tokens but {len(self.tags)} tags")


def to_iob2(tags: Sequence[str]) -> list[str]:
    """IOB1 (or mixed) tags as IOB2: an ``I-X`` that does not continue an ``X`` becomes
    ``B-X``. IOB2 input comes back unchanged."""
    out: list[str] = []
    previous_type: str | None = None
    for tag in tags:
        prefix, _, entity_type = tag.partition("-")
        if not entity_type or prefix not in ("B", "I"):
            out.append("O")
            previous_type = None
            continue
        if prefix == "I" and previous_type != entity_type:
            prefix = "B"
        out.append(f"{prefix}-{entity_type}")
        previous_type = entity_type
    return out


def labels_for(types: Iterable[str]) -> list[str]:
    """The tag list of a model: ``O`` then ``B-X``, ``I-X`` for each type, sorted."""
    labels = ["O"]
    for entity_type in sorted(set(types)):
        labels += [f"B-{entity_type}", f"I-{entity_type}"]
    return labels


def entity_types(sentences: Iterable[TaggedSentence]) -> set[str]:
    """Every entity type that occurs in the tags."""
    return {tag[2:] for s in sentences for tag in s.tags if tag != "O"}
