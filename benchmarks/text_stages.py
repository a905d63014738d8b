"""Throughput of the text stages (document + sentence + token) on deduplicated MTSamples.

Runs the stages in one process on one core (torch is not involved), ``--runs`` times over
all notes, and reports the median tokens/s and MB/s (UTF-8 bytes of input) as JSON.

    python benchmarks/text_stages.py [--data ../shared/data] [--runs 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from clinical_ner import LightPipeline, text_pipeline
from common import DEFAULT_DATA, machine, mtsamples_notes, summary, write_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "text_stages.json")
    args = parser.parse_args()

    notes = mtsamples_notes(args.data)
    megabytes = sum(len(n.encode("utf-8")) for n in notes) / 1e6
    light = LightPipeline(text_pipeline(), batch_size=256)
    seconds, token_counts = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        tokens = sum(len(row["token"]) for row in light.iter_full(notes))
        seconds.append(time.perf_counter() - start)
        token_counts.append(tokens)
    tokens = token_counts[0]
    wall = summary(seconds)
    result = {
        "benchmark": "text_stages",
        "workload": f"{len(notes)} deduplicated MTSamples notes, {megabytes:.2f} MB",
        "runs": args.runs,
        "documents": len(notes),
        "tokens": tokens,
        "seconds": wall,
        "tokens_per_second": tokens / wall["median"],
        "megabytes_per_second": megabytes / wall["median"],
        "machine": machine(),
    }
    print(
        f"{len(notes)} notes, {tokens} tokens: median {wall['median']:.2f} s, "
        f"{result['tokens_per_second']:,.0f} tokens/s, {result['megabytes_per_second']:.2f} MB/s"
    )
    write_json(args.out, result)


if __name__ == "__main__":
    main()
