"""The shipped pipeline on a GPU: the NER model alone and the whole pipeline end to end.

    python benchmarks/gpu.py [--data ../shared/data] [--notes 1000 10000] [--runs 3]

Workloads: the first N deduplicated MTSamples notes; when N exceeds the notes there are,
the list is repeated (the JSON records how many distinct notes it holds).

- ``model_only``: the NerDLModel stage alone (featurizing, network, CRF decoding) over rows
  whose sentences, tokens and word vectors were computed beforehand; the GPU batches
  sentences across documents (``batchSize`` sentences per forward pass).
- ``end_to_end``: ``LightPipeline(clinical_pipeline(device="cuda"))`` from text to chunks,
  the CPU text stages in the default parallel workers feeding the GPU.

Median of ``--runs`` runs after a warm-up, tokens/s. Without a CUDA device it prints why and
exits without writing anything (``--device cpu`` runs the same code on the CPU, for a smoke
test only; its figures are written to ``--out`` only when given).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from common import DEFAULT_DATA, machine, mtsamples_notes, write_json

HERE = Path(__file__).resolve().parent


def workload(data: Path, count: int) -> tuple[list[str], int]:
    notes = mtsamples_notes(data)
    distinct = min(count, len(notes))
    return [notes[i % len(notes)] for i in range(count)], distinct


def median_seconds(run, runs: int) -> float:
    run()  # warm-up: CUDA context, kernels, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(notes: list[str], device: str, runs: int, ner_batch: int) -> dict:
    import torch

    from clinical_ner import LightPipeline, clinical_pipeline

    pipeline = clinical_pipeline(device=device, batch_size=ner_batch)
    light = LightPipeline(pipeline, batch_size=256)
    ner_index = next(i for i, s in enumerate(pipeline.stages) if type(s).__name__ == "NerDLModel")
    before, ner = type(pipeline)(pipeline.stages[:ner_index]), pipeline.stages[ner_index]
    prepared = before.transform(notes)  # sentences, tokens, vectors: outside the timing
    tokens = sum(len(row["token"]) for row in prepared)

    def model_only() -> None:
        rows = [dict(row) for row in prepared]
        ner.transform_rows(rows)
        if device == "cuda":
            torch.cuda.synchronize()

    def end_to_end() -> None:
        for _ in light.iter_full(notes):
            pass

    model_seconds = median_seconds(model_only, runs)
    e2e_seconds = median_seconds(end_to_end, runs)
    return {
        "documents": len(notes), "tokens": tokens,
        "model_only": {"median_seconds": model_seconds, "tokens_per_second": tokens / model_seconds},
        "end_to_end": {"median_seconds": e2e_seconds, "tokens_per_second": tokens / e2e_seconds,
                       "documents_per_second": len(notes) / e2e_seconds,
                       "cpu_workers": light.workers},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ner-batch", type=int, default=1024, help="sentences per forward pass")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("skipped: no CUDA device here (torch.cuda.is_available() is False); nothing written")
        return 0
    results = []
    for count in args.notes:
        notes, distinct = workload(args.data, count)
        result = measure(notes, args.device, args.runs, args.ner_batch)
        result["distinct_notes"] = distinct
        results.append(result)
        print(f"{count} notes: model only {result['model_only']['tokens_per_second']:,.0f} tokens/s, "
              f"end to end {result['end_to_end']['tokens_per_second']:,.0f} tokens/s", flush=True)
    out = args.out or (HERE / "results" / "gpu.json" if args.device == "cuda" else None)
    if out is not None:
        info = machine()
        if args.device == "cuda":
            info["gpu"] = torch.cuda.get_device_name(0)
        write_json(out, {"benchmark": "gpu", "device": args.device, "ner_batch": args.ner_batch,
                         "runs": args.runs, "results": results, "machine": info,
                         "command": "python " + " ".join(sys.argv)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
