"""The corpus build's splits as token sentences, and the shared scoring of every peer.

``build_corpus`` writes ``{split}.conll`` (MACCROBAT + Chia, IOB2) and ``{split}.jsonl``
(one document a line, with its ``source``), both in the same document order. The CoNLL
reader drops documents without tokens (three empty Chia files in train), so this module
splits the CoNLL file on its ``-DOCSTART-`` lines itself and pairs each chunk with its
JSONL row; the pairing is checked (same characters, whitespace ignored) so a change in
the build fails loudly instead of mislabelling a corpus.

Scores use the project's :mod:`clinical_ner.evaluation` on token offsets: a span is
``(first token, last token, label)``, end inclusive, numbered across the whole document
(sentences concatenated), identically for gold and prediction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinical_ner.corpora.conll import parse_conll, tags_to_spans
from clinical_ner.evaluation import entity_scores, token_scores

LABELS = ("PROBLEM", "TEST", "TREATMENT")
#: Groups scored: each main corpus on its own, then all together.
CORPORA = ("maccrobat", "chia", "mtsamples", "combined")

_DOCSTART = re.compile(r"^-DOCSTART-[^\n]*\n", re.MULTILINE)
_NOT_TEXT = re.compile(r"[\s_]")


@dataclass(slots=True)
class PeerDocument:
    """One document: ``sentences[i]`` are token strings, ``tags[i]`` their IOB2 tags."""

    id: str
    source: str
    sentences: list[list[str]]
    tags: list[list[str]]

    @property
    def n_tokens(self) -> int:
        return sum(len(s) for s in self.sentences)


def load_split(corpus_dir: str | Path, split: str) -> list[PeerDocument]:
    """Documents of ``{split}.conll`` with their corpus from ``{split}.jsonl``.

    Documents without tokens are left out (they hold no gold and nothing to predict).

    Raises:
        SystemExit: the files are missing or their documents do not pair up.
    """
    corpus_dir = Path(corpus_dir)
    conll_path, jsonl_path = corpus_dir / f"{split}.conll", corpus_dir / f"{split}.jsonl"
    if not conll_path.is_file() or not jsonl_path.is_file():
        raise SystemExit(
            f"{conll_path} or {jsonl_path} is missing; build the corpus first: python -c "
            "\"from clinical_ner.corpora.build import build_corpus; "
            f"build_corpus('../shared/data', '{corpus_dir}')\""
        )
    chunks = _DOCSTART.split(conll_path.read_text(encoding="utf-8"))[1:]
    with open(jsonl_path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if len(chunks) != len(rows):
        raise SystemExit(
            f"{conll_path.name} has {len(chunks)} documents but {jsonl_path.name} has "
            f"{len(rows)}; rebuild the corpus"
        )
    docs: list[PeerDocument] = []
    for number, (chunk, row) in enumerate(zip(chunks, rows, strict=True)):
        parsed = parse_conll(chunk, name=f"{split}:{number}")
        sentences = [[t.text for t in s] for d in parsed for s in d.sentences]
        tags = [[t.tag for t in s] for d in parsed for s in d.sentences]
        tokens_text = _NOT_TEXT.sub("", "".join(t for s in sentences for t in s))
        if tokens_text != _NOT_TEXT.sub("", row["text"]):
            # Only the document id is named: the text is clinical and never logged.
            raise SystemExit(
                f"{split} document {number} ({row['id']}): CoNLL tokens do not match the "
                "JSONL text; rebuild the corpus"
            )
        if sentences:
            docs.append(PeerDocument(row["id"], row["source"], sentences, tags))
    return docs


def document_spans(sentence_tags: Sequence[Sequence[str]]) -> list[tuple[int, int, str]]:
    """Entity spans of a document as ``(first, last, label)`` token indices (inclusive),
    numbered across its sentences."""
    spans: list[tuple[int, int, str]] = []
    offset = 0
    for tags in sentence_tags:
        spans.extend((offset + i, offset + j, label) for i, j, label in tags_to_spans(tags))
        offset += len(tags)
    return spans


def _compact(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("precision", "recall", "f1", "support")
    out = {key: {k: report[key][k] for k in keep} for key in (*LABELS, "micro")}
    out["macro"] = {k: report["macro"][k] for k in ("precision", "recall", "f1")}
    return out


def score(docs: Sequence[PeerDocument], predicted: Sequence[Sequence[Sequence[str]]]) -> dict:
    """Strict, lenient and token scores per corpus group (see :data:`CORPORA`).

    Args:
        docs: gold documents.
        predicted: per document, per sentence, the predicted IOB tags (aligned to tokens).
    """
    if len(docs) != len(predicted):
        raise ValueError(f"{len(docs)} documents but {len(predicted)} predictions")
    results: dict[str, Any] = {}
    for group in CORPORA:
        pairs = [
            (doc, pred)
            for doc, pred in zip(docs, predicted, strict=True)
            if group == "combined" or doc.source == group
        ]
        if not pairs:
            continue
        entities = entity_scores(
            [document_spans(d.tags) for d, _ in pairs],
            [document_spans(p) for _, p in pairs],
            labels=LABELS,
        )
        tokens = token_scores(
            [t for d, _ in pairs for t in d.tags], [t for _, p in pairs for t in p]
        )
        results[group] = {
            "documents": len(pairs),
            "tokens": sum(d.n_tokens for d, _ in pairs),
            "gold_entities": entities["gold"],
            "predicted_entities": entities["predicted"],
            "strict": _compact(entities["strict"]),
            "lenient": _compact(entities["lenient"]),
            "token": {
                "micro": {k: tokens["micro"][k] for k in ("precision", "recall", "f1")},
                "macro": tokens["macro"],
            },
        }
    return results


def headline(scores: dict[str, Any]) -> str:
    """One line: strict / lenient micro-F1 per corpus group, for logs."""
    return "  ".join(
        f"{group}: strict {s['strict']['micro']['f1']:.4f} lenient {s['lenient']['micro']['f1']:.4f}"
        for group, s in scores.items()
    )
