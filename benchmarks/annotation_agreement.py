"""Inter-annotator agreement on the annotated MTSamples notes (no MTSamples text needed).

    python benchmarks/annotation_agreement.py

Reads the standoff shipped in the package: ``mtsamples_concepts_passes.jsonl`` holds the
two independent passes over the doubly annotated notes, ``mtsamples_concepts.jsonl`` the
adjudicated gold. Reports strict (same span and label) and lenient (overlap, same label)
F1 between the passes, with the first pass as reference (F1 is symmetric), and of each pass
against the adjudicated gold; plus the corpus's size per split, label and specialty.
Writes ``benchmarks/results/annotation_agreement.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from clinical_ner.corpora.mtsamples import PASSES, read_standoff
from clinical_ner.evaluation import entity_scores
from common import write_json

LABELS = ["PROBLEM", "TEST", "TREATMENT"]
RESULTS = Path(__file__).resolve().parent / "results" / "annotation_agreement.json"


def f1s(gold, predicted) -> dict:
    scores = entity_scores(gold, predicted, LABELS)
    return {
        kind: {label: round(scores[kind][label]["f1"], 4) for label in [*LABELS, "micro"]}
        for kind in ("strict", "lenient")
    }


def main() -> None:
    passes = [json.loads(line) for line in PASSES.read_text(encoding="utf-8").splitlines() if line]
    records = {r["note_id"]: r for r in read_standoff()}
    first = [[tuple(s) for s in p["first_pass"]] for p in passes]
    second = [[tuple(s) for s in p["second_pass"]] for p in passes]
    gold = [[tuple(s) for s in records[p["note_id"]]["spans"]] for p in passes]
    result = {
        "notes_double_annotated": len(passes),
        "share_of_notes": round(len(passes) / len(records), 4),
        "spans": {"first_pass": sum(map(len, first)), "second_pass": sum(map(len, second)),
                  "adjudicated": sum(map(len, gold))},
        "first_vs_second_pass": f1s(first, second),
        "first_pass_vs_adjudicated": f1s(gold, first),
        "second_pass_vs_adjudicated": f1s(gold, second),
        "corpus": {
            "notes": len(records),
            "spans": sum(len(r["spans"]) for r in records.values()),
            "notes_per_split": dict(Counter(r["split"] for r in records.values())),
            "spans_per_label": dict(Counter(s[2] for r in records.values() for s in r["spans"])),
            "notes_per_specialty": dict(Counter(r["specialty"] for r in records.values()).most_common()),
        },
    }
    write_json(RESULTS, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
