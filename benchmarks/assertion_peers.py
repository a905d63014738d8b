"""Assertion status: ContextualAssertion vs medspaCy's ConText on the same gold chunks.

Both systems see the same documents, the same sentences (the project's SentenceDetector)
and the same PROBLEM chunks (gold spans); each sentence is given to medspaCy as its own
spaCy ``Doc`` (blank English tokenizer, gold chunks as ``doc.ents`` expanded to token
boundaries), with ``ConText(nlp, rules="default")``, medspaCy's bundled rules. medspaCy's
attributes map to the i2b2 classes: ``is_family`` -> associated_with_someone_else,
``is_negated`` -> absent, ``is_hypothetical`` -> hypothetical, ``is_uncertain`` -> possible,
otherwise present (``is_historical`` has no i2b2 class). Scores come from
:func:`clinical_ner.evaluation.assertion.assertion_scores` for both.

Each corpus is scored on the train, dev and test splits of
:func:`clinical_ner.corpora.build.split_documents` (seed 13, by document) and on all its
documents. The lexicon and rules were developed on train and dev only; test is held out.

Run: ``python benchmarks/assertion_peers.py [--data ../shared/data]`` (needs
``pip install medspacy``); writes ``benchmarks/results/assertion.json``. No note text is
printed or written.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from clinical_ner.annotation import Annotation
from clinical_ner.corpora.assertion_gold import read_assertion_gold
from clinical_ner.corpora.build import split_documents
from clinical_ner.evaluation.assertion import contextual_classifier, evaluate_gold_chunks

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results" / "assertion.json"
CORPORA = ("maccrobat", "chia")


def medspacy_classifier():
    """A classifier (text, sentences, chunks) -> classes running medspaCy's ConText."""
    import spacy
    from medspacy.context import ConText

    nlp = spacy.blank("en")
    context = ConText(nlp, rules="default")

    def classify(text: str, sentences: list[Annotation], chunks: list[Annotation]) -> list[str]:
        result = ["present"] * len(chunks)
        for sentence in sentences:
            inside = [i for i, c in enumerate(chunks)
                      if sentence.begin <= c.begin <= sentence.end]
            if not inside:
                continue
            doc = nlp(sentence.result)
            for token in doc:
                token.is_sent_start = token.i == 0
            spans, owners = [], []
            for i in inside:
                chunk = chunks[i]
                span = doc.char_span(chunk.begin - sentence.begin,
                                     min(chunk.end, sentence.end) - sentence.begin + 1,
                                     label="PROBLEM", alignment_mode="expand")
                if span is None or any(span.start < s.end and s.start < span.end for s in spans):
                    continue  # overlapping gold spans cannot all be doc.ents; they stay present
                spans.append(span)
                owners.append(i)
            doc.ents = spans
            doc = context(doc)
            for i, ent in zip(owners, doc.ents, strict=True):
                if ent._.is_family:
                    result[i] = "associated_with_someone_else"
                elif ent._.is_negated:
                    result[i] = "absent"
                elif ent._.is_hypothetical:
                    result[i] = "hypothetical"
                elif ent._.is_uncertain:
                    result[i] = "possible"
        return result

    return classify


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    import medspacy

    systems = {"clinical_ner": contextual_classifier(), "medspacy": medspacy_classifier()}
    results: dict[str, Any] = {
        "task": "assertion status of gold PROBLEM chunks",
        "medspacy_version": medspacy.__version__,
        "split": "clinical_ner.corpora.build.split_documents(docs, 13)",
        "corpora": {},
    }
    for corpus in CORPORA:
        folder = args.data / corpus
        if not folder.is_dir():
            continue
        docs = read_assertion_gold(corpus, folder)
        splits = split_documents(docs, 13)
        # train and dev are where the rules were developed; test is held out; "all" is
        # every document of the corpus here.
        subsets = {"train": splits["train"], "dev": splits["dev"], "test": splits["test"],
                   "all": docs}
        for subset, chosen in subsets.items():
            entry: dict[str, Any] = {}
            for name, classify in systems.items():
                started = time.perf_counter()
                scores = evaluate_gold_chunks(chosen, classify)
                scores["seconds"] = time.perf_counter() - started
                entry[name] = _rounded(scores)
            results["corpora"][f"{corpus}/{subset}"] = entry
            ours, peer = entry["clinical_ner"], entry["medspacy"]
            print(f"{corpus}/{subset}: {ours['chunks']} chunks | "
                  f"accuracy {ours['accuracy']:.4f} vs {peer['accuracy']:.4f} | "
                  f"absent F1 {ours['absent']['f1']:.4f} vs {peer['absent']['f1']:.4f} | "
                  f"possible F1 {ours['possible']['f1']:.4f} vs {peer['possible']['f1']:.4f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
