"""One huge note through the command line: bounded memory and throughput.

    python benchmarks/long_document.py [--data ../shared/data] [--mb 50] [--runs 1]

Builds one text of ``--mb`` megabytes from the deduplicated MTSamples notes (the reserved
evaluation notes left out), joined by blank lines and repeated as needed, writes it to a
temporary file, and runs ``clinical-ner annotate -f FILE`` (the defaults: JSON lines
streamed window by window) in a subprocess with its output going to a temporary file.
Reports wall time, the child's peak RSS (its ``VmHWM``, read from ``/proc`` while it runs),
tokens (counted by the text stages) per second,
and checks the output parses with offsets that index the text (first and last tokens).
Writes ``benchmarks/results/long_document.json``. Targets: RSS < 1.5 GB, >= 20,000
tokens/s.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clinical_ner.corpora.mtsamples import reserved_ids
from clinical_ner.windows import window_bounds
from common import DEFAULT_DATA, machine, write_json

RESULTS = Path(__file__).resolve().parent / "results" / "long_document.json"


def build_text(data: Path, megabytes: float) -> str:
    csv_path = data / "mtsamples" / "mtsamples.csv"
    reserved = reserved_ids(csv_path)
    csv.field_size_limit(10**8)
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    held_out = {r["transcription"] for r in rows if r["note_id"] in reserved}
    notes, seen = [], set()
    for row in rows:
        text = row["transcription"]
        if text.strip() and text not in seen and text not in held_out:
            seen.add(text)
            notes.append(text)
    target = int(megabytes * 1_000_000)
    pieces, size = [], 0
    while size < target:
        for note in notes:
            pieces.append(note)
            size += len(note) + 2
            if size >= target:
                break
    return "\n\n".join(pieces)


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (``VmHWM``, kB), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def count_tokens(text: str) -> int:
    """Tokens of the text as the pipeline splits it, window by window (text stages only)."""
    from clinical_ner import LightPipeline, text_pipeline

    light = LightPipeline(text_pipeline())
    return sum(len(row["token"]) for row in light.fullAnnotate(
        [text[a:b] for a, b in window_bounds(text, 100_000)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    text = build_text(args.data, args.mb)
    tokens = count_tokens(text)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "note.txt"
        source.write_text(text, encoding="utf-8", newline="")
        output = Path(tmp) / "out.jsonl"
        for _ in range(args.runs):
            started = time.perf_counter()
            with open(output, "w", encoding="utf-8") as out:
                child = subprocess.Popen([sys.executable, "-m", "clinical_ner.cli", "annotate",
                                          "-f", str(source)], stdout=out)
                peak_kb = 0
                while child.poll() is None:
                    peak_kb = max(peak_kb, _high_water_kb(child.pid))
                    time.sleep(0.2)
            if child.returncode != 0:
                raise SystemExit(f"clinical-ner annotate failed with status {child.returncode}")
            seconds = time.perf_counter() - started
            runs.append({"seconds": seconds, "peak_rss_mb": peak_kb / 1024,
                         "output_mb": output.stat().st_size / 1e6})
        with open(output, encoding="utf-8") as handle:
            record = json.loads(handle.readline())
        first, last = record["tokens"][0], record["tokens"][-1]
        offsets_ok = all(text[t["begin"] : t["end"] + 1] == t["text"] for t in (first, last))
    seconds = statistics.median(r["seconds"] for r in runs)
    result = {
        "machine": machine(),
        "megabytes": len(text.encode("utf-8")) / 1e6,
        "characters": len(text),
        "tokens": tokens,
        "tokens_in_output": len(record["tokens"]),
        "entities": len(record["entities"]),
        "offsets_ok": offsets_ok,
        "runs": runs,
        "seconds_median": seconds,
        "tokens_per_second": tokens / seconds,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "targets": {"peak_rss_mb_below": 1500, "tokens_per_second_at_least": 20_000},
    }
    write_json(RESULTS, result)
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
