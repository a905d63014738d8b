"""Entity-level (strict and lenient) and token-level scores of NER predictions.

Spans are ``(begin, end, label)`` with ``end`` inclusive (characters or tokens, the same
unit for gold and prediction); duplicates within a document count once. Counts and rates
follow :mod:`clinical_ner.evaluation.metrics`: ``tp + fp`` is the number of predicted
spans, ``tp + fn`` (``support``) the number of gold spans, for every score below.

- **strict**: a predicted span is correct when a gold span has exactly its begin, end
  and label.
- **lenient**: a predicted span and a gold span of the same label *match* when they
  overlap (share at least one position). Each gold and each predicted span is matched at
  most once, and as many pairs are matched as possible (:func:`match_spans`; each
  prediction prefers the gold span it overlaps most). ``tp`` = matched pairs, ``fp`` =
  unmatched predictions, ``fn`` = unmatched gold spans. So a gold span predicted in two
  pieces scores one tp and one fp; two gold spans predicted as one merged span score one
  tp and one fn; a span with the right extent but the wrong label is one fp (its label)
  and one fn (the gold label), in both strict and lenient scores.
- **token**: per-tag counts over aligned token tags, the way Spark NLP's NerDLApproach
  logs them: each B-/I- tag on its own, ``O`` never counted, and micro/macro averages
  over the tags seen.

:func:`score_documents` runs a pipeline over gold documents and returns all three.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

from clinical_ner.evaluation.metrics import label_report
from clinical_ner.pipeline import LightPipeline, PipelineModel
from clinical_ner.tags import chunk_spans

SpanTuple = tuple[int, int, str]

#: The labels :func:`score_documents` scores by default.
LABELS = ("PROBLEM", "TEST", "TREATMENT")


def overlap(a: SpanTuple, b: SpanTuple) -> int:
    """How many positions the inclusive spans ``a`` and ``b`` share (0 if disjoint)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def match_spans(gold: Sequence[SpanTuple], predicted: Sequence[SpanTuple]) -> list[tuple[int, int]]:
    """A largest one-to-one matching of overlapping same-label spans.

    Returns:
        ``(gold index, predicted index)`` pairs, sorted; each index appears at most once,
        paired spans have the same label and overlap, and no other such matching has more
        pairs. Each prediction, in order, takes the free gold span it overlaps most; when
        none is free, an earlier pair is re-routed if that frees one (augmenting paths),
        which is what makes the matching maximum where spans overlap in chains.
    """
    candidates = _overlapping_gold(gold, predicted)
    owner: dict[int, int] = {}  # gold index -> predicted index
    for pi, options in enumerate(candidates):
        free = next((gi for gi in options if gi not in owner), None)
        if free is not None:
            owner[free] = pi
        else:
            _augment(pi, candidates, owner)
    return sorted(owner.items())


def _overlapping_gold(gold: Sequence[SpanTuple], predicted: Sequence[SpanTuple]) -> list[list[int]]:
    """Per prediction, the gold spans of its label that it overlaps, most overlap first.

    Gold spans are sorted by begin with a running maximum of their ends, so each prediction
    looks only at spans that begin before it ends and walks back only while some earlier
    span still reaches it: close to linear in the spans for the usual, mostly disjoint ones.
    """
    by_label: dict[str | None, list[int]] = {}
    for gi in sorted(range(len(gold)), key=lambda i: (gold[i][0], gold[i][1])):
        by_label.setdefault(gold[gi][2], []).append(gi)
    index: dict[str | None, tuple[list[int], list[int], list[int]]] = {}
    for label, order in by_label.items():
        reach, furthest = [], -1
        for gi in order:
            furthest = max(furthest, gold[gi][1])
            reach.append(furthest)
        index[label] = (order, [gold[gi][0] for gi in order], reach)
    candidates: list[list[int]] = []
    for p in predicted:
        found: list[int] = []
        if p[2] in index:
            order, begins, reach = index[p[2]]
            k = bisect.bisect_right(begins, p[1]) - 1
            while k >= 0 and reach[k] >= p[0]:
                if overlap(gold[order[k]], p):
                    found.append(order[k])
                k -= 1
        found.sort(key=lambda gi, p=p: (-overlap(gold[gi], p), gi))  # type: ignore[misc]  # mypy cannot type a default-bound lambda
        candidates.append(found)
    return candidates


def _augment(start: int, candidates: list[list[int]], owner: dict[int, int]) -> bool:
    """Kuhn's augmenting path from prediction ``start`` (iterative: no recursion limit on
    long chains of overlapping spans); re-routes ``owner`` and returns True if one exists."""
    visited: set[int] = set()
    stack: list[tuple[int, int]] = [(start, 0)]  # (prediction, next candidate position)
    via: list[int] = []  # the gold span each stacked prediction is trying to take
    while stack:
        pi, position = stack[-1]
        options = candidates[pi]
        while position < len(options) and options[position] in visited:
            position += 1
        if position == len(options):
            stack.pop()
            if via:
                via.pop()
            continue
        gi = options[position]
        visited.add(gi)
        stack[-1] = (pi, position + 1)
        if gi not in owner:
            # Free: every prediction on the stack takes the gold span it was trying for.
            for (stacked, _), taken in zip(stack, [*via, gi], strict=True):
                owner[taken] = stacked
            return True
        via.append(gi)
        stack.append((owner[gi], 0))
    return False


def entity_scores(
    gold: Iterable[Iterable[SpanTuple]],
    predicted: Iterable[Iterable[SpanTuple]],
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Strict and lenient scores over documents (definitions in the module docstring).

    Args:
        gold: per document, its gold ``(begin, end, label)`` spans.
        predicted: per document (same order), the predicted spans.
        labels: labels to report (default: every label seen, sorted).

    Returns:
        ``{"strict": report, "lenient": report, "documents": n, "gold": n, "predicted": n}``
        where a report maps each label and ``micro`` to precision/recall/f1/tp/fp/fn/support
        and ``macro`` to precision/recall/f1 (:func:`~clinical_ner.evaluation.metrics.label_report`).
    """
    strict: dict[str, list[int]] = {}
    lenient: dict[str, list[int]] = {}
    documents = n_gold = n_pred = 0
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        gold_list, pred_list = sorted(set(gold_spans)), sorted(set(pred_spans))
        documents += 1
        n_gold += len(gold_list)
        n_pred += len(pred_list)
        _add_counts(strict, gold_list, pred_list, set(gold_list) & set(pred_list))
        matched = {gold_list[gi] for gi, _ in match_spans(gold_list, pred_list)}
        _add_counts(lenient, gold_list, pred_list, matched)
    labels = list(labels) if labels is not None else sorted(strict)
    return {
        "strict": label_report(strict, labels),
        "lenient": label_report(lenient, labels),
        "documents": documents,
        "gold": n_gold,
        "predicted": n_pred,
    }


def _add_counts(
    counts: dict[str, list[int]],
    gold: Sequence[SpanTuple],
    predicted: Sequence[SpanTuple],
    found: Iterable[SpanTuple],
) -> None:
    """Add one document to ``label -> [tp, fp, fn]``: ``found`` are the gold spans paired
    with a prediction (one each), so tp = found, fp = predicted - tp, fn = gold - tp."""
    for span in gold:
        counts.setdefault(span[2], [0, 0, 0])[2] += 1
    for span in predicted:
        counts.setdefault(span[2], [0, 0, 0])[1] += 1
    for span in found:
        entry = counts[span[2]]
        entry[0] += 1
        entry[1] -= 1
        entry[2] -= 1


def token_scores(
    gold_tags: Iterable[Sequence[str]], predicted_tags: Iterable[Sequence[str]]
) -> dict[str, Any]:
    """Per-tag token-level scores over aligned sentences of tags (``O`` excluded from the
    counts and averages), as Spark NLP's training log reports them.

    Raises:
        ValueError: a sentence's gold and predicted tags differ in length.
    """
    counts: dict[str, list[int]] = {}
    for gold, pred in zip(gold_tags, predicted_tags, strict=True):
        if len(gold) != len(pred):
            raise ValueError(f"a sentence has {len(gold)} gold tags but {len(pred)} predicted")
        for g, p in zip(gold, pred, strict=True):
            if g == p:
                if g != "O":
                    counts.setdefault(g, [0, 0, 0])[0] += 1
            else:
                if p != "O":
                    counts.setdefault(p, [0, 0, 0])[1] += 1
                if g != "O":
                    counts.setdefault(g, [0, 0, 0])[2] += 1
    return label_report(counts, sorted(counts))


def spans_from_tags(tags: Sequence[str], offsets: Sequence[tuple[int, int]]) -> list[SpanTuple]:
    """Entity spans of one sentence from IOB1/IOB2/BIOES ``tags`` and token ``offsets``
    (``(begin, end)`` inclusive), grouped as NerConverter groups them."""
    if len(tags) != len(offsets):
        raise ValueError(f"{len(tags)} tags but {len(offsets)} token offsets")
    return [(offsets[i][0], offsets[j][1], label) for i, j, label in chunk_spans(tags)]


def _gold_tags(tokens, spans) -> list[str]:
    """IOB2 tags of ``tokens`` (annotations with ``begin``/``end``) from gold ``spans``:
    a token overlapping a gold span takes its label, ``B-`` on the span's first token."""
    tags = ["O"] * len(tokens)
    ordered = sorted(spans)
    k = 0
    for i, token in enumerate(tokens):
        while k < len(ordered) and ordered[k][1] < token.begin:
            k += 1
        if k < len(ordered) and ordered[k][0] <= token.end and token.begin <= ordered[k][1]:
            begin, _, label = ordered[k]
            starts = i == 0 or tags[i - 1][2:] != label or tokens[i - 1].end < begin
            tags[i] = ("B-" if starts else "I-") + label
    return tags


def score_documents(
    pipeline_model: PipelineModel,
    documents: Sequence[Any],
    labels: Sequence[str] = LABELS,
    chunk_col: str = "ner_chunk",
    ner_col: str = "ner",
    token_col: str = "token",
) -> dict[str, Any]:
    """Strict, lenient and token scores of ``pipeline_model`` on ``documents`` (objects
    with ``text`` and ``spans`` of ``begin``/``end``/``label``, as the corpora readers
    return), end to end.

    The pipeline reads each document's raw text exactly as the corpus reader returned it;
    entity scores compare predicted chunks with gold spans by character offsets, and token
    scores compare the predicted IOB tags with gold tags projected onto the pipeline's own
    tokens (:func:`_gold_tags`). Only ``labels`` are scored; other gold labels are ignored.

    Returns:
        :func:`entity_scores`'s dict plus ``"token"``: :func:`token_scores`.
    """
    light = LightPipeline(pipeline_model, batch_size=32)
    gold_spans, predicted_spans, gold_tags, predicted_tags = [], [], [], []
    for doc, row in zip(documents, light.iter_full(d.text for d in documents), strict=True):
        gold = [(s.begin, s.end, s.label) for s in doc.spans if s.label in labels]
        gold_spans.append(gold)
        predicted_spans.append(
            [(c.begin, c.end, c.metadata["entity"]) for c in row[chunk_col]
             if c.metadata.get("entity") in labels]
        )
        gold_tags.append(_gold_tags(row[token_col], gold))
        predicted_tags.append([a.result for a in row[ner_col]])
    scores = entity_scores(gold_spans, predicted_spans, labels=list(labels))
    scores["token"] = token_scores(gold_tags, predicted_tags)
    return scores
