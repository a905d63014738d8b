"""Every text stage is linear in its input: pathological texts at 10 KB, 100 KB and 1 MB.

    python benchmarks/text_linearity.py [--runs 3]

For each input pattern (runs of each punctuation mark, newlines, spaces, digits, one very
long word, colons and commas as header look-alikes, alternating patterns) it times the
SectionDetector, the SentenceDetector (with the section column) and the Tokenizer on the
whole text, median of ``--runs``, and checks near-linear growth: time(1 MB) < 15 x
time(100 KB). Writes ``benchmarks/results/text_linearity.json``; exits 1 when a stage
grows faster than that.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from clinical_ner import SectionDetector, SentenceDetector, Tokenizer
from clinical_ner.annotators.section_detector import sentence_cuts
from common import machine, write_json

RESULTS = Path(__file__).resolve().parent / "results" / "text_linearity.json"
PATTERNS = {
    "periods": ".", "exclamations": "!", "questions": "?", "newlines": "\n", "spaces": " ",
    "digits": "7", "long_word": "a", "colons": ":", "commas": ",", "crlf": "\r\n",
    "period_space": ". ", "blank_lines": "\n \n", "header_lookalikes": "A: ",
    "comma_headers": ",PLAN:", "list_markers": "1. ", "tabs_newlines": "\t\n ",
    "quotes_closers": '."\')] ', "alternating": "a.\nB:,1)",
}
SIZES = {"10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000}
LIMIT = 15.0


def stages(text: str) -> dict[str, float]:
    """Seconds each text stage takes on ``text`` (the whole text, one call each)."""
    sections = SectionDetector()
    sentences = SentenceDetector()
    tokenizer = Tokenizer()
    out = {}
    started = time.perf_counter()
    found = sections.sections(text)
    out["sections"] = time.perf_counter() - started
    cuts = sentence_cuts(found)
    started = time.perf_counter()
    bounds = sentences.sentence_bounds(text, cuts)
    out["sentences"] = time.perf_counter() - started
    started = time.perf_counter()
    for begin, end in bounds:
        tokenizer.token_bounds(text[begin : end + 1])
    out["tokens"] = time.perf_counter() - started
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict = {"machine": machine(), "runs": args.runs, "limit_ratio_1MB_to_100KB": LIMIT,
                     "patterns": {}}
    failures = []
    for name, unit in PATTERNS.items():
        timings: dict[str, dict[str, float]] = {}
        for size_name, size in SIZES.items():
            text = (unit * (size // len(unit) + 1))[:size]
            runs = [stages(text) for _ in range(args.runs)]
            timings[size_name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        ratios = {k: timings["1MB"][k] / max(timings["100KB"][k], 1e-4) for k in timings["1MB"]}
        results["patterns"][name] = {"seconds": timings, "ratio_1MB_to_100KB": ratios}
        for stage, ratio in ratios.items():
            # Below a millisecond at 100 KB the ratio is timer noise, not growth.
            if ratio > LIMIT and timings["1MB"][stage] > 0.05:
                failures.append(f"{name}/{stage}: {ratio:.1f}x")
        print(f"{name:18s} " + "  ".join(
            f"{k} {timings['1MB'][k]:.3f}s ({ratios[k]:.1f}x)" for k in ratios))
    results["failures"] = failures
    write_json(RESULTS, results)
    if failures:
        print("grows faster than linear:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
