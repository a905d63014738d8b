"""Entity-level (strict and lenient) and token-level scores of NER predictions.

- **strict**: a predicted entity is correct when a gold entity has exactly its span and
  label.
- **lenient**: a predicted entity is correct when it overlaps a gold entity of the same
  label; a gold entity is found when a predicted entity of its label overlaps it
  (precision counts predictions, recall counts gold entities, as in the i2b2 2010
  "inexact" score).
- **token**: per-tag counts over aligned token tags, the way Spark NLP's NerDLApproach
  logs them: each B-/I- tag on its own, and micro/macro averages over every tag but ``O``.

Spans are ``(begin, end, label)`` with ``end`` inclusive. Every score is in [0, 1]; a score
with an empty denominator is 0.0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from clinical_ner.tags import chunk_spans

SpanTuple = tuple[int, int, str]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "support": tp + fn}


def _report(counts: dict[str, list[int]], labels: Sequence[str]) -> dict[str, Any]:
    """Per-label scores plus ``micro`` and ``macro`` averages from ``label -> [tp, fp, fn]``."""
    report: dict[str, Any] = {}
    for label in labels:
        report[label] = _prf(*counts.get(label, [0, 0, 0]))
    totals = [sum(counts.get(label, [0, 0, 0])[i] for label in labels) for i in range(3)]
    report["micro"] = _prf(*totals)
    report["macro"] = {
        key: (sum(report[label][key] for label in labels) / len(labels) if labels else 0.0)
        for key in ("precision", "recall", "f1")
    }
    return report


def _overlaps(a: SpanTuple, b: SpanTuple) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def entity_scores(
    gold: Iterable[Iterable[SpanTuple]],
    predicted: Iterable[Iterable[SpanTuple]],
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Strict and lenient scores over documents.

    Args:
        gold: per document, its gold ``(begin, end, label)`` spans.
        predicted: per document (same order), the predicted spans.
        labels: labels to report (default: every label seen, sorted).

    Returns:
        ``{"strict": report, "lenient": report, "documents": n, "gold": n, "predicted": n}``
        where a report maps each label, ``micro`` and ``macro`` to precision/recall/f1.
    """
    strict: dict[str, list[int]] = {}
    lenient: dict[str, list[int]] = {}
    seen: set[str] = set()
    documents = n_gold = n_pred = 0
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        gold_set = set(gold_spans)
        pred_set = set(pred_spans)
        documents += 1
        n_gold += len(gold_set)
        n_pred += len(pred_set)
        for span in pred_set:
            seen.add(span[2])
            s = strict.setdefault(span[2], [0, 0, 0])
            s[0 if span in gold_set else 1] += 1
            hit = any(g[2] == span[2] and _overlaps(g, span) for g in gold_set)
            lenient.setdefault(span[2], [0, 0, 0])[0 if hit else 1] += 1
        for span in gold_set:
            seen.add(span[2])
            if span not in pred_set:
                strict.setdefault(span[2], [0, 0, 0])[2] += 1
            found = any(p[2] == span[2] and _overlaps(p, span) for p in pred_set)
            if not found:
                lenient.setdefault(span[2], [0, 0, 0])[2] += 1
    # Lenient tp counts predictions; recall uses found gold entities, so rebuild fn-based
    # recall from the gold side: tp_recall = support - fn.
    labels = list(labels) if labels is not None else sorted(seen)
    lenient_report = _report(lenient, labels)
    _fix_lenient_recall(lenient_report, lenient, strict, labels)
    return {
        "strict": _report(strict, labels),
        "lenient": lenient_report,
        "documents": documents,
        "gold": n_gold,
        "predicted": n_pred,
    }


def _fix_lenient_recall(
    report: dict[str, Any],
    lenient: dict[str, list[int]],
    strict: dict[str, list[int]],
    labels: Sequence[str],
) -> None:
    """Lenient recall = gold entities overlapped / gold entities, per label and micro."""
    total_found = total_gold = 0
    for label in labels:
        s_tp, _, s_fn = strict.get(label, [0, 0, 0])
        gold_count = s_tp + s_fn
        missed = lenient.get(label, [0, 0, 0])[2]
        found = gold_count - missed
        total_found += found
        total_gold += gold_count
        entry = report[label]
        entry["recall"] = found / gold_count if gold_count else 0.0
        entry["support"] = gold_count
        p, r = entry["precision"], entry["recall"]
        entry["f1"] = 2 * p * r / (p + r) if p + r else 0.0
    micro = report["micro"]
    micro["recall"] = total_found / total_gold if total_gold else 0.0
    micro["support"] = total_gold
    p, r = micro["precision"], micro["recall"]
    micro["f1"] = 2 * p * r / (p + r) if p + r else 0.0
    report["macro"] = {
        key: (sum(report[label][key] for label in labels) / len(labels) if labels else 0.0)
        for key in ("precision", "recall", "f1")
    }


def token_scores(
    gold_tags: Iterable[Sequence[str]], predicted_tags: Iterable[Sequence[str]]
) -> dict[str, Any]:
    """Per-tag token-level scores over aligned sentences of tags (``O`` excluded from the
    averages), as Spark NLP's training log reports them."""
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
    return _report(counts, sorted(counts))


def spans_from_tags(tags: Sequence[str], offsets: Sequence[tuple[int, int]]) -> list[SpanTuple]:
    """Entity spans of one sentence from IOB1/IOB2/BIOES ``tags`` and token ``offsets``
    (``(begin, end)`` inclusive), grouped as NerConverter groups them."""
    if len(tags) != len(offsets):
        raise ValueError(f"{len(tags)} tags but {len(offsets)} token offsets")
    return [(offsets[i][0], offsets[j][1], label) for i, j, label in chunk_spans(tags)]


def label_counts(spans: Iterable[Iterable[SpanTuple]]) -> Counter[str]:
    """How many spans carry each label."""
    return Counter(span[2] for doc in spans for span in doc)
