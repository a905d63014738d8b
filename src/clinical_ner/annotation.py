"""The annotation record every stage reads and writes, in Spark NLP's schema.

An :class:`Annotation` is one span of a note: a document, a sentence, a token, one token's
IOB tag, a token's embedding, or an entity chunk. ``begin`` and ``end`` are character
offsets into the ORIGINAL text and ``end`` is inclusive, so for documents, sentences,
tokens and chunks ``text[begin:end + 1] == result``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class AnnotatorType:
    """The ``annotatorType`` values used by the stages (Spark NLP's names)."""

    DOCUMENT = "document"
    SECTION = "section"
    TOKEN = "token"
    WORD_EMBEDDINGS = "word_embeddings"
    NAMED_ENTITY = "named_entity"
    CHUNK = "chunk"
    ASSERTION = "assertion"


@dataclass(slots=True)
class Annotation:
    """One annotated span.

    Attributes:
        annotatorType: one of :class:`AnnotatorType`'s values.
        begin: offset of the first character in the original text.
        end: offset of the last character (inclusive); ``end == begin - 1`` never occurs
            because empty annotations are not produced.
        result: the covered text for spans, the tag for ``named_entity`` annotations.
        metadata: string keys to string values (``sentence``, ``entity``, ``confidence``...).
        embeddings: a float vector for ``word_embeddings`` annotations, else ``()``.
    """

    annotatorType: str
    begin: int
    end: int
    result: str
    metadata: dict[str, str] = field(default_factory=dict)
    # A tuple by default: immutable, so one empty value is shared by every annotation.
    embeddings: Sequence[float] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with Spark NLP's field names."""
        return {
            "annotatorType": self.annotatorType,
            "begin": self.begin,
            "end": self.end,
            "result": self.result,
            "metadata": dict(self.metadata),
            "embeddings": [float(x) for x in self.embeddings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Annotation:
        """The inverse of :meth:`to_dict`."""
        return cls(
            annotatorType=str(data["annotatorType"]),
            begin=int(data["begin"]),
            end=int(data["end"]),
            result=str(data["result"]),
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            embeddings=list(data.get("embeddings") or ()),
        )
