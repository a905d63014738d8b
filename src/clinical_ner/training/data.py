"""Training examples: tokenized sentences with IOB2 tags, and the label set.

A :class:`TaggedSentence` knows which entity types its corpus annotates
(``known_types``); for a corpus that annotates only PROBLEM (NCBI-disease), a token tagged
``O`` may really be a TEST or TREATMENT, and the trainer uses the partial-label CRF
objective instead of teaching the model that it is ``O``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clinical_ner.errors import InputError
from clinical_ner.labels import ENTITY_TYPES, OUTSIDE
from clinical_ner.tags import to_iob2

__all__ = ["ENTITY_TYPES", "TaggedSentence", "entity_types", "labels_for", "to_iob2"]


@dataclass
class TaggedSentence:
    """One training sentence.

    Attributes:
        tokens: the token strings (original case).
        tags: one IOB2 tag per token (``O``, ``B-X``, ``I-X``).
        known_types: entity types the source corpus annotates; None means all of them.
        convention: the annotation convention its tags follow (the source corpus's name,
            for a network with conventions, see `BiLstmCnnCrf`); None: the default.
    """

    tokens: list[str]
    tags: list[str]
    known_types: frozenset[str] | None = None
    convention: str | None = None

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise InputError(f"{len(self.tokens)} tokens but {len(self.tags)} tags")


def labels_for(types: Iterable[str]) -> list[str]:
    """The tag list of a model: ``O`` then ``B-X``, ``I-X`` for each type, sorted."""
    labels = [OUTSIDE]
    for entity_type in sorted(set(types)):
        labels += [f"B-{entity_type}", f"I-{entity_type}"]
    return labels


def entity_types(sentences: Iterable[TaggedSentence]) -> set[str]:
    """Every entity type that occurs in the tags."""
    return {tag[2:] for s in sentences for tag in s.tags if tag != OUTSIDE}
