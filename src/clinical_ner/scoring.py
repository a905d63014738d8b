"""Scoring a pipeline on gold documents (raw text + char-offset spans), end to end.

The pipeline reads each document's raw text exactly as the corpus reader returned it;
entity scores compare predicted chunks with gold spans by character offsets, and token
scores compare the predicted IOB tags with gold tags projected onto the pipeline's own
tokens (a token inside a gold span takes its label; the first one ``B-``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clinical_ner.evaluation import entity_scores, token_scores
from clinical_ner.pipeline import LightPipeline, PipelineModel

LABELS = ("PROBLEM", "TEST", "TREATMENT")


def _gold_tags(tokens, spans) -> list[str]:
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
    return). Only ``labels`` are scored; other gold labels are ignored."""
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
