"""Sections benchmark: headers on real notes, chunks on headers, the stage's cost, medspaCy.

    python benchmarks/sections.py [--data ../shared/data] [--notes 1000] [--runs 3]
                                  [--no-peer] [--show-differences 30]

On the first ``--notes`` deduplicated MTSamples notes (the reserved evaluation notes
left out), it measures:

- headers found per note by the SectionDetector, and the sections named ``other``;
- chunks of ``clinical_pipeline()`` that overlap a detected header, with the section
  stage (target 0) and without it (the model card's pipeline, for comparison);
- the time the stage adds: the SectionDetector alone over all notes against the whole
  default pipeline over the same notes (median of ``--runs``; target < 5%);
- medspaCy's sectionizer (``pip install medspacy``) on the same notes: headers per note
  and agreement with ours (a header of one matches a header of the other when their
  character spans overlap).

``--show-differences N`` prints N headers found by only one system (a fixed random
sample, half from each system), with context, for judging by hand; the judgments live in
``benchmarks/sections_judgments.json`` (note id, offsets, which system, verdict, reason; no
note text) and are summarised in the results. Writes ``benchmarks/results/sections.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
from pathlib import Path

from clinical_ner import LightPipeline, SectionDetector, clinical_pipeline
from common import DEFAULT_DATA, machine, summary, write_json

RESULTS = Path(__file__).resolve().parent / "results" / "sections.json"
JUDGMENTS = Path(__file__).resolve().parent / "sections_judgments.json"


def notes_with_ids(data_dir: Path, limit: int) -> list[tuple[str, str]]:
    """``(note_id, text)`` of the first ``limit`` distinct transcriptions, reserved notes
    (and notes with the same text) left out."""
    folder = Path(data_dir) / "mtsamples"
    reserved = {line.strip() for line in (folder / "RESERVED.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    csv.field_size_limit(10**8)
    with open(folder / "mtsamples.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    reserved_texts = {r["transcription"] for r in rows if r["note_id"] in reserved}
    seen: set[str] = set()
    out = []
    for row in rows:
        text = row["transcription"]
        if not text.strip() or text in seen or text in reserved_texts:
            continue
        seen.add(text)
        out.append((row["note_id"], text))
    return out[:limit]


def our_headers(detector: SectionDetector, text: str) -> list[tuple[int, int, str]]:
    """``(begin, end_exclusive, name)`` of every header."""
    return [
        (int(s.metadata["header_begin"]), int(s.metadata["header_end"]) + 1,
         s.metadata.get("subsection") or s.metadata["name"])
        for s in detector.sections(text)
        if s.metadata["header_begin"] != "-1"
    ]


def medspacy_headers(texts: list[str]) -> tuple[list[list[tuple[int, int, str]]], float]:
    """medspaCy's headers per text, and the seconds it took."""
    from loguru import logger  # medspaCy's sentence splitter logs every token at DEBUG

    logger.remove()
    import medspacy

    nlp = medspacy.load(enable=["medspacy_pyrush"])
    nlp.add_pipe("medspacy_sectionizer")
    started = time.perf_counter()
    found = []
    for doc in nlp.pipe(texts):
        headers = []
        for section in doc._.sections:
            if section.title_start is not None and section.title_end > section.title_start:
                span = doc[section.title_start : section.title_end]
                headers.append((span.start_char, span.end_char, section.category))
        found.append(headers)
    return found, time.perf_counter() - started


def overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def chunks_on_headers(rows: list[dict], headers: list[list[tuple[int, int, str]]]) -> int:
    count = 0
    for row, spans in zip(rows, headers, strict=True):
        for chunk in row["ner_chunk"]:
            count += any(chunk.begin < e and b <= chunk.end for b, e, _ in spans)
    return count


def timed(function, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip medspaCy")
    parser.add_argument("--show-differences", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    notes = notes_with_ids(args.data, args.notes)
    ids, texts = [i for i, _ in notes], [t for _, t in notes]
    detector = SectionDetector()
    stage_times, ours = timed(lambda: [our_headers(detector, t) for t in texts], args.runs)
    counts = [len(h) for h in ours]

    with_sections = LightPipeline(clinical_pipeline())
    without_sections = LightPipeline(clinical_pipeline(sections=False))
    with_sections.fullAnnotate(texts[:20])  # warm-up: model load, first batches
    pipeline_times, rows = timed(lambda: with_sections.fullAnnotate(texts), args.runs)
    card_rows = without_sections.fullAnnotate(texts)

    stage = statistics.median(stage_times)
    pipeline = statistics.median(pipeline_times)
    result: dict = {
        "machine": machine(),
        "notes": len(texts),
        "runs": args.runs,
        "headers": {
            "total": sum(counts),
            "per_note": {"mean": sum(counts) / len(counts), "median": statistics.median(counts)},
            "notes_without_headers": sum(1 for c in counts if c == 0),
            "named_other": sum(1 for h in ours for *_, n in h if n == "other"),
        },
        "chunks_overlapping_headers": {
            "with_sections": chunks_on_headers(rows, ours),
            "model_card_pipeline_without_sections": chunks_on_headers(card_rows, ours),
            "chunks_with_sections": sum(len(r["ner_chunk"]) for r in rows),
            "chunks_without_sections": sum(len(r["ner_chunk"]) for r in card_rows),
        },
        "time": {
            "section_stage_s": summary(stage_times),
            "default_pipeline_s": summary(pipeline_times),
            "stage_share_of_pipeline": stage / pipeline,
        },
    }
    if not args.no_peer:
        theirs, seconds = medspacy_headers(texts)
        both = ours_only = theirs_only = 0
        differences = []
        for note_id, text, mine, peer in zip(ids, texts, ours, theirs, strict=True):
            for h in mine:
                if any(overlaps(h, p) for p in peer):
                    both += 1
                else:
                    ours_only += 1
                    differences.append((note_id, text, h, "clinical_ner"))
            for p in peer:
                if not any(overlaps(p, h) for h in mine):
                    theirs_only += 1
                    differences.append((note_id, text, p, "medspacy"))
        import medspacy

        result["medspacy"] = {
            "version": medspacy.__version__,
            "headers": sum(len(h) for h in theirs),
            "per_note_mean": sum(len(h) for h in theirs) / len(theirs),
            "seconds": seconds,
            "agreement": {"both": both, "clinical_ner_only": ours_only, "medspacy_only": theirs_only},
        }
        # Half the sample from each system's differences (ours outnumber medspaCy's).
        rng = random.Random(7)
        sample = []
        for system in ("clinical_ner", "medspacy"):
            pool = [d for d in differences if d[3] == system]
            sample += rng.sample(pool, min(args.show_differences // 2, len(pool)))
        for note_id, text, (begin, end, name), system in sample:
            context = text[max(0, begin - 60) : begin] + "[[" + text[begin:end] + "]]" + text[end : end + 60]
            print(f"{note_id}\t{begin}\t{end}\t{system}\t{name}\t{context!r}")
    if JUDGMENTS.is_file():
        judged = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["judgments"]
        tally: dict[str, dict[str, int]] = {}
        for item in judged:
            entry = tally.setdefault(item["system"], {"right": 0, "wrong": 0})
            entry["right" if item["verdict"] == "header" else "wrong"] += 1
        result["judged_differences"] = {"count": len(judged), "by_system": tally}
    write_json(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
