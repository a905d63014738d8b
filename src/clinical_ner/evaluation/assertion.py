"""Scoring assertion status against corpus gold (see
:mod:`clinical_ner.corpora.assertion_gold`). Formerly ``clinical_ner.annotators.assertion_eval``.

Two modes:

- on GOLD chunks (:func:`evaluate_gold_chunks`): every gold span of the assessed labels
  becomes a chunk, so tagger errors do not blur the score; the sentences come from the
  project's :class:`SentenceDetector`;
- end to end (:func:`evaluate_predicted_chunks`): the full pipeline's predicted chunks;
  predicted chunks are paired with gold spans of the same label that they overlap, each
  chunk and each span at most once, as the lenient NER score pairs them
  (:func:`clinical_ner.evaluation.ner.match_spans`: as many pairs as possible, larger
  overlaps first); unmatched chunks and spans are counted, not scored.

Scores (:func:`assertion_scores`): accuracy over scored chunks, and per class precision,
recall, F1 and support (gold count); ``macro_f1`` averages F1 over the classes with gold
support. Every class of :data:`ASSERTION_CLASSES` is always reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.assertion import ContextualAssertion
from clinical_ner.annotators.assertion_lexicon import ASSERTION_CLASSES
from clinical_ner.annotators.document_assembler import DocumentAssembler
from clinical_ner.annotators.sentence_detector import SentenceDetector
from clinical_ner.corpora.assertion_gold import ASSERTION_KEY
from clinical_ner.corpora.document import CorpusDocument
from clinical_ner.evaluation.metrics import macro_average, prf
from clinical_ner.evaluation.ner import match_spans
from clinical_ner.pipeline import LightPipeline

#: ``classify(sentences, chunks) -> classes``: an assertion system under test.
Classifier = Callable[[str, list[Annotation], list[Annotation]], list[str]]


def assertion_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """``{"accuracy", "macro_f1", "chunks", <class>: {"precision", "recall", "f1",
    "support"}}`` for paired gold and predicted classes."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted classes must pair up")
    pairs = list(zip(gold, predicted, strict=True))
    scores: dict[str, Any] = {
        "accuracy": sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0,
        "chunks": len(pairs),
    }
    gold_n, pred_n = Counter(gold), Counter(predicted)
    for cls in ASSERTION_CLASSES:
        tp = sum(g == p == cls for g, p in pairs)
        entry = prf(tp, pred_n[cls] - tp, gold_n[cls] - tp)
        scores[cls] = {key: entry[key] for key in ("precision", "recall", "f1", "support")}
    supported = [scores[cls] for cls in ASSERTION_CLASSES if gold_n[cls]]
    scores["macro_f1"] = macro_average(supported, ("f1",))["f1"]
    return scores


def sentences_of(text: str) -> list[Annotation]:
    """The project's sentences of ``text`` (original offsets)."""
    document = DocumentAssembler().setInputCol("text").setOutputCol("document")
    detector = SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")
    return detector.annotate([document.assemble(text)])


def gold_chunks(doc: CorpusDocument, labels: Sequence[str]) -> list[tuple[Annotation, str]]:
    """``(chunk annotation, gold class)`` for every span of ``labels`` (all when empty)."""
    out: list[tuple[Annotation, str]] = []
    for span in doc.spans:
        if labels and span.label not in labels:
            continue
        chunk = Annotation(AnnotatorType.CHUNK, span.begin, span.end, span.text,
                           {"entity": span.label, "chunk": str(len(out))})
        out.append((chunk, span.attributes.get(ASSERTION_KEY, "present")))
    return out


def contextual_classifier(stage: ContextualAssertion | None = None) -> Classifier:
    """A :data:`Classifier` running :class:`ContextualAssertion` (default settings)."""
    stage = stage or ContextualAssertion()

    def classify(text: str, sentences: list[Annotation], chunks: list[Annotation]) -> list[str]:
        return [a.result for a in stage.annotate([sentences, chunks])]

    return classify


def evaluate_gold_chunks(
    documents: Sequence[CorpusDocument],
    classify: Classifier | None = None,
    labels: Sequence[str] = ("PROBLEM",),
) -> dict[str, Any]:
    """Scores of ``classify`` (default: :class:`ContextualAssertion`) on the gold spans
    of ``labels`` in ``documents`` (their ``assertion`` attribute is the gold)."""
    classify = classify or contextual_classifier()
    gold: list[str] = []
    predicted: list[str] = []
    for doc in documents:
        pairs = gold_chunks(doc, labels)
        if not pairs:
            continue
        chunks = [c for c, _ in pairs]
        predicted.extend(classify(doc.text, sentences_of(doc.text), chunks))
        gold.extend(g for _, g in pairs)
    scores = assertion_scores(gold, predicted)
    scores["documents"] = len(documents)
    return scores


def evaluate_predicted_chunks(
    documents: Sequence[CorpusDocument],
    pipeline_model: Any,
    labels: Sequence[str] = ("PROBLEM",),
    chunk_col: str = "ner_chunk",
    assertion_col: str = "assertion",
) -> dict[str, Any]:
    """Scores of a full pipeline (with an assertion stage) on its own chunks, paired with
    gold spans of the same label they overlap (module docstring)."""
    light = LightPipeline(pipeline_model)
    gold: list[str] = []
    predicted: list[str] = []
    counts: Counter[str] = Counter()
    for doc, row in zip(documents, light.iter_full([d.text for d in documents]), strict=True):
        spans = [s for s in doc.spans if not labels or s.label in labels]
        status = {(a.begin, a.end): a.result for a in row.get(assertion_col, [])}
        chunks = [c for c in row.get(chunk_col, [])
                  if not labels or c.metadata.get("entity") in labels]
        counts["gold"] += len(spans)
        counts["predicted"] += len(chunks)
        pairs = match_spans([(s.begin, s.end, s.label) for s in spans],
                            [(c.begin, c.end, c.metadata.get("entity", "")) for c in chunks])
        for gi, pi in sorted(pairs, key=lambda pair: pair[1]):
            gold.append(spans[gi].attributes.get(ASSERTION_KEY, "present"))
            predicted.append(status.get((chunks[pi].begin, chunks[pi].end), "present"))
    scores = assertion_scores(gold, predicted)
    scores.update(documents=len(documents), gold=counts["gold"], predicted=counts["predicted"],
                  matched=len(gold))
    return scores
