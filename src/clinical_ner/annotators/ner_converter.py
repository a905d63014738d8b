"""NerConverter: per-token IOB tags -> entity ``chunk`` annotations.

IOB1, IOB2 and BIOES are read by one rule, :func:`clinical_ner.tags.chunk_spans` (a stray
``I-`` opens a chunk; ``E-``/``S-`` close one); chunks never cross sentences.

A chunk's ``confidence`` is the mean of its tokens' ``confidence`` metadata (when the NER
stage wrote it); ``setThreshold`` drops chunks below a confidence. ``setWhiteList`` keeps
only the listed entity types, ``setBlackList`` drops the listed ones.

With a ``section`` column as a fourth input (``setInputCols(["sentence", "token", "ner",
"section"])``) every chunk's metadata has ``section``, the canonical name of the section it
starts in, and a chunk that overlaps a section header is dropped (the NER stage already tags
header tokens ``O`` when it reads the same column; this also holds for other taggers).
"""

from __future__ import annotations

from collections.abc import Sequence

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.errors import ConfigurationError
from clinical_ner.stage import Param, Transformer
from clinical_ner.tags import chunk_spans


class NerConverter(Transformer):
    """Groups IOB-tagged tokens into chunks (see the module docstring)."""

    PARAMS = (
        Param("whiteList", [], "entity types to keep (empty keeps all)"),
        Param("blackList", [], "entity types to drop"),
        Param("threshold", 0.0, "drop chunks whose mean token confidence is below this"),
        Param("preservePosition", True, "kept for Spark NLP compatibility; always true"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT, AnnotatorType.TOKEN, AnnotatorType.NAMED_ENTITY)
    OPTIONAL_INPUT_TYPES = (AnnotatorType.SECTION,)
    OUTPUT_TYPE = AnnotatorType.CHUNK

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["sentence", "token", "ner"], outputCol="ner_chunk")

    def setWhiteList(self, labels: Sequence[str]) -> NerConverter:
        return self._set(whiteList=[str(x) for x in labels])

    def setBlackList(self, labels: Sequence[str]) -> NerConverter:
        return self._set(blackList=[str(x) for x in labels])

    def setThreshold(self, value: float) -> NerConverter:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ConfigurationError("threshold is a confidence between 0 and 1")
        return self._set(threshold=value)

    def setPreservePosition(self, value: bool) -> NerConverter:
        return self._set(preservePosition=bool(value))

    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        sentences, tokens, tags = inputs[:3]
        sections = _SectionIndex(inputs[3] if len(inputs) > 3 else [])
        if len(tokens) != len(tags):
            raise ConfigurationError(
                f"NerConverter got {len(tokens)} tokens but {len(tags)} NER tags; the NER "
                "stage must read the same token column as the converter"
            )
        sentence_by_id = {s.metadata.get("sentence", str(i)): s for i, s in enumerate(sentences)}
        white = set(self.getOrDefault("whiteList"))
        black = set(self.getOrDefault("blackList"))
        threshold = self.getOrDefault("threshold")
        chunks: list[Annotation] = []
        for sentence_id, label, members in _group(tokens, tags):
            if (white and label not in white) or label in black:
                continue
            confidences = [float(t.metadata["confidence"]) for t in members if "confidence" in t.metadata]
            confidence = sum(confidences) / len(confidences) if confidences else None
            if confidence is not None and confidence < threshold:
                continue
            begin, end = members[0].begin, members[-1].end
            section = sections.locate(begin, end)
            if section is None:  # the chunk overlaps a header
                continue
            sentence = sentence_by_id.get(sentence_id)
            if sentence is None:
                raise ConfigurationError(
                    f"NerConverter: tag of sentence {sentence_id} has no sentence annotation; "
                    "read the same sentence column as the tokenizer"
                )
            metadata = {"entity": label, "sentence": sentence_id, "chunk": str(len(chunks))}
            if section:
                metadata["section"] = section
            if confidence is not None:
                metadata["confidence"] = f"{confidence:.4f}"
            chunks.append(
                Annotation(
                    AnnotatorType.CHUNK,
                    begin,
                    end,
                    sentence.result[begin - sentence.begin : end - sentence.begin + 1],
                    metadata,
                )
            )
        return chunks


def _group(
    tokens: Sequence[Annotation], tags: Sequence[Annotation]
) -> list[tuple[str, str, list[Annotation]]]:
    """(sentence id, entity type, tag annotations) of every chunk, in text order; chunks
    never cross sentences."""
    groups: list[tuple[str, str, list[Annotation]]] = []
    first = 0
    for end in range(1, len(tags) + 1):
        sentence_id = tags[first].metadata.get("sentence", "0")
        if end < len(tags) and tags[end].metadata.get("sentence", "0") == sentence_id:
            continue
        sentence_tags = tags[first:end]
        for i, j, label in chunk_spans([t.result for t in sentence_tags]):
            groups.append((sentence_id, label, list(sentence_tags[i : j + 1])))
        first = end
    return groups


class _SectionIndex:
    """Which section a span lies in, for spans asked in text order (a moving pointer, so
    one row costs one pass over its sections)."""

    def __init__(self, sections: Sequence[Annotation]) -> None:
        self.sections = sorted(sections, key=lambda s: s.begin)
        self.at = 0

    def locate(self, begin: int, end: int) -> str | None:
        """The name of the section holding ``begin`` (``""`` when there are no sections),
        or ``None`` when ``[begin, end]`` overlaps a header."""
        if not self.sections:
            return ""
        sections = self.sections
        while self.at + 1 < len(sections) and sections[self.at + 1].begin <= begin:
            self.at += 1
        name = "unknown"
        for section in sections[self.at : self.at + 2]:
            header_begin = int(section.metadata.get("header_begin", "-1"))
            if header_begin >= 0 and header_begin <= end and begin <= int(section.metadata["header_end"]):
                return None
            if section.begin <= begin:
                name = section.metadata.get("name", "unknown")
        return name
