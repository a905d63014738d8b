"""CoNLL files as training input: rows for the pipeline, or tagged sentences for the trainer."""

from __future__ import annotations

from pathlib import Path

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.corpora.conll import ConllDocument, read_conll_file
from clinical_ner.stage import Row
from clinical_ner.training.data import TaggedSentence, to_iob2


def _document_row(doc: ConllDocument, text_col: str) -> Row:
    """Text = tokens joined by one space, sentences by a newline (offsets index it)."""
    document: list[Annotation] = []
    sentences: list[Annotation] = []
    tokens: list[Annotation] = []
    pos: list[Annotation] = []
    labels: list[Annotation] = []
    pieces: list[str] = []
    offset = 0
    for index, sentence in enumerate(doc.sentences):
        if not sentence:
            continue
        if pieces:
            pieces.append("\n")
            offset += 1
        sentence_begin = offset
        meta = {"sentence": str(index)}
        iob2 = to_iob2([t.tag for t in sentence])
        for k, (token, tag) in enumerate(zip(sentence, iob2, strict=True)):
            if k:
                pieces.append(" ")
                offset += 1
            begin, end = offset, offset + len(token.text) - 1
            pieces.append(token.text)
            offset = end + 1
            tokens.append(Annotation(AnnotatorType.TOKEN, begin, end, token.text, dict(meta)))
            pos.append(Annotation("pos", begin, end, token.pos, {"word": token.text, **meta}))
            labels.append(
                Annotation(AnnotatorType.NAMED_ENTITY, begin, end, tag, {"word": token.text, **meta})
            )
        sentence_text = " ".join(t.text for t in sentence)
        sentences.append(
            Annotation(AnnotatorType.DOCUMENT, sentence_begin, offset - 1, sentence_text, dict(meta))
        )
    text = "".join(pieces)
    if text:
        document.append(Annotation(AnnotatorType.DOCUMENT, 0, len(text) - 1, text, {"sentence": "0"}))
    return {text_col: text, "document": document, "sentence": sentences, "token": tokens,
            "pos": pos, "label": labels}


class CoNLL:
    """Spark NLP's ``CoNLL()`` reader, local: ``readDataset(path)`` gives one row per
    document with ``text``, ``document``, ``sentence``, ``token``, ``pos`` and ``label``
    columns (labels as IOB2 ``named_entity`` annotations)."""

    def __init__(self, textCol: str = "text") -> None:
        self.text_col = textCol

    def readDataset(self, path: str | Path) -> list[Row]:
        return [_document_row(doc, self.text_col) for doc in read_conll_file(path)]


def read_tagged_sentences(
    path: str | Path, known_types: frozenset[str] | None = None, convention: str | None = None
) -> list[TaggedSentence]:
    """The sentences of a CoNLL file as IOB2 :class:`TaggedSentence` objects, each with
    ``known_types`` and ``convention`` (see :class:`TaggedSentence`)."""
    return [
        TaggedSentence([t.text for t in sentence], to_iob2([t.tag for t in sentence]),
                       known_types, convention)
        for doc in read_conll_file(path)
        for sentence in doc.sentences
        if sentence
    ]
