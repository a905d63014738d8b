"""Speed and memory of the full pipeline (text in, chunks out) against spaCy, on the
workload of Spark NLP's published CPU benchmark: the first 1,000 deduplicated MTSamples
notes by note id.

Every measurement runs in a fresh subprocess (so peak RSS is that configuration's own):
tokens/s, documents/s and wall time for ``--runs`` runs (median reported), peak RSS, and
cold start (interpreter start + import + model load + first note, measured from outside).
Thread counts are set with ``torch.set_num_threads`` (ours) and the usual OpenMP/BLAS
variables (both). With 2 threads, ours also runs as ``LightPipeline(workers=2)`` (two
pipeline threads of one torch thread each) and spaCy also as ``nlp.pipe(n_process=2)``
(two processes; its peak RSS is then the parent's, and the largest child's is recorded
as ``peak_rss_child_mb``). The summary compares our best configuration with each spaCy
configuration at the same thread count.

The headline rows are the DEFAULTS, what a user gets (``threads`` 0 in the JSON): no
thread variable in the environment, ``LightPipeline(clinical_pipeline())`` and spaCy's
``nlp.pipe(notes)``; once on an idle machine and once **contended**, while another
process (a Python busy loop) keeps one core busy the whole time.

    python benchmarks/speed.py [--data ../shared/data] [--notes 1000] [--runs 3]
        [--spacy-model /tmp/peers/spacy/model-best] [--device cpu|cuda]
        [--threads 1 2] [--no-defaults]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import DEFAULT_DATA, machine, mtsamples_notes, write_json

HERE = Path(__file__).resolve().parent


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args: argparse.Namespace) -> None:
    """Runs inside the subprocess: time ``runs`` passes over the notes, print JSON."""
    notes = mtsamples_notes(args.data, args.notes)
    defaults = args.threads == 0
    if args.engine == "ours":
        from clinical_ner import LightPipeline, clinical_pipeline

        if defaults:
            pipeline = clinical_pipeline(args.model)
            light = LightPipeline(pipeline)
        else:
            import torch

            # "N threads" is run two ways: N torch threads in one pipeline, or N pipeline
            # workers (LightPipeline(workers=N)) with one torch thread each.
            torch.set_num_threads(1 if args.workers > 1 else args.threads)
            pipeline = clinical_pipeline(args.model, device=args.device)
            light = LightPipeline(pipeline, batch_size=32, workers=args.workers)
        # What precision="auto" chose on this machine (measured at first use, cached).
        precision = next(s.getResolvedPrecision() for s in pipeline.stages
                         if hasattr(s, "getResolvedPrecision"))

        def run_once() -> tuple[int, int]:
            tokens = chunks = 0
            for row in light.iter_full(notes):
                tokens += len(row["token"])
                chunks += len(row["ner_chunk"])
            return tokens, chunks
    else:
        import spacy

        nlp = spacy.load(args.spacy_model)
        precision = None

        def run_once() -> tuple[int, int]:
            tokens = chunks = 0
            # "N workers" for spaCy is its own parallelism: N processes (nlp.pipe n_process).
            docs = nlp.pipe(notes) if defaults else nlp.pipe(notes, batch_size=64, n_process=args.workers)
            for doc in docs:
                tokens += len(doc)
                chunks += len(doc.ents)
            return tokens, chunks

    seconds, counts = [], None
    for _ in range(args.runs):
        started = time.perf_counter()
        counts = run_once()
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    print(json.dumps({
        "engine": args.engine, "threads": args.threads,
        "workers": light.workers if defaults and args.engine == "ours" else args.workers,
        "device": args.device, "precision": precision,
        "documents": len(notes), "tokens": counts[0], "entities": counts[1],
        "seconds_per_run": seconds, "median_seconds": median,
        "tokens_per_second": counts[0] / median, "documents_per_second": len(notes) / median,
        "peak_rss_mb": _peak_rss_mb(),
        "peak_rss_child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def cold_start(engine: str, model: str, spacy_model: str | None, threads: int) -> float:
    """Seconds from starting a Python process to the first note's entities."""
    note = "Pt c/o chest pain. Started aspirin."
    if engine == "ours":
        pin = f"import torch; torch.set_num_threads({threads}); " if threads else ""
        code = (
            f"{pin}from clinical_ner import LightPipeline;"
            "from clinical_ner.recipes import clinical_pipeline;"
            f"LightPipeline(clinical_pipeline({model!r}, device='cpu')).annotate({note!r})"
        )
    else:
        code = f"import spacy; spacy.load({spacy_model!r})({note!r})"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=_env(threads))
    return time.perf_counter() - started


THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "OMP_WAIT_POLICY", "CLINICAL_NER_THREADS")


def _env(threads: int) -> dict[str, str]:
    """The subprocess's environment: ``threads`` in the usual variables, or (0, defaults)
    none of them, as on a user's machine."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if threads:
        for name in THREAD_VARIABLES[:3]:
            env[name] = str(threads)
    return env


class BusyCore:
    """A Python busy loop in its own process for the duration of a ``with`` block: one core
    kept busy by someone else, as on a shared machine."""

    def __enter__(self) -> BusyCore:
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.kill()
        self.process.wait()


def measure(engine: str, threads: int, args: argparse.Namespace, workers: int = 1,
            contended: bool = False) -> dict:
    if contended:
        with BusyCore():
            result = measure(engine, threads, args, workers)
        result["contended"] = "one core kept busy by another process (a Python busy loop)"
        print("  (contended)", flush=True)
        return result
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", engine,
               "--threads", str(threads), "--workers", str(workers),
               "--runs", str(args.runs), "--notes", str(args.notes),
               "--data", str(args.data), "--model", args.model, "--device", args.device]
    if args.spacy_model:
        command += ["--spacy-model", args.spacy_model]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=_env(threads))
    result = json.loads(output.stdout.strip().splitlines()[-1])
    if args.device == "cpu":
        result["cold_start_seconds"] = statistics.median(
            cold_start(engine, args.model, args.spacy_model, threads) for _ in range(3)
        )
    print(f"{engine} threads={threads or 'default'} workers={result['workers']}: "
          f"{result['tokens_per_second']:,.0f} tokens/s, "
          f"{result['documents_per_second']:.1f} docs/s, peak RSS {result['peak_rss_mb']:.0f} MB"
          + (f", cold start {result['cold_start_seconds']:.2f} s" if "cold_start_seconds" in result else ""),
          flush=True)
    return result


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def label(r: dict) -> str:
        parallel = "" if r.get("workers", 1) == 1 else (
            f", {r['workers']} workers" if r["engine"] == "ours" else f", {r['workers']} procs"
        )
        if not r["threads"]:
            return f"{r['engine']}\ndefaults" + ("\ncontended" if r.get("contended") else "")
        return f"{r['engine']}\n{r['threads']} thr{parallel}"

    labels = [label(r) for r in results]
    values = [r["tokens_per_second"] for r in results]
    fig, ax = plt.subplots(figsize=(7.5, 3.5))
    ax.bar(labels, values, color=["#2a7ab9" if r["engine"] == "ours" else "#999999" for r in results])
    ax.set_ylabel("tokens / second")
    ax.set_title("Full NER pipeline on 1,000 MTSamples notes (CPU)")
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def summary(results: list[dict]) -> list[str]:
    """The defaults (idle and contended) against spaCy's; then, per thread count, our best
    configuration against each spaCy configuration."""
    lines = []

    def pick(engine: str, contended: bool) -> dict | None:
        return next((r for r in results if r["engine"] == engine and not r["threads"]
                     and bool(r.get("contended")) == contended), None)

    ours_idle, ours_busy = pick("ours", False), pick("ours", True)
    spacy_idle, spacy_busy = pick("spacy", False), pick("spacy", True)
    if ours_idle and spacy_idle:
        lines.append(f"defaults, idle: ours {ours_idle['tokens_per_second']:,.0f} tokens/s "
                     f"({ours_idle['documents_per_second']:.1f} docs/s) = "
                     f"{ours_idle['documents_per_second'] / spacy_idle['documents_per_second']:.2f}x "
                     f"spaCy ({spacy_idle['documents_per_second']:.1f} docs/s)")
    if ours_busy and spacy_busy and ours_idle:
        lines.append(f"defaults, one core busy: ours {ours_busy['documents_per_second']:.1f} docs/s = "
                     f"{ours_busy['documents_per_second'] / ours_idle['documents_per_second']:.2f}x "
                     f"our idle, {ours_busy['documents_per_second'] / spacy_busy['documents_per_second']:.2f}x "
                     f"spaCy contended ({spacy_busy['documents_per_second']:.1f} docs/s)")
    for threads in sorted({r["threads"] for r in results if r["threads"]}):
        same = [r for r in results if r["threads"] == threads]
        ours = max((r for r in same if r["engine"] == "ours"), key=lambda r: r["tokens_per_second"])
        for peer in (r for r in same if r["engine"] == "spacy"):
            lines.append(
                f"{threads} thread(s): ours (workers={ours['workers']}) "
                f"{ours['tokens_per_second']:,.0f} tokens/s = "
                f"{ours['tokens_per_second'] / peer['tokens_per_second']:.2f}x spaCy "
                f"(n_process={peer['workers']}, {peer['tokens_per_second']:,.0f} tokens/s)"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="ner_clinical")
    parser.add_argument("--spacy-model", default=None, help="a trained spaCy pipeline folder")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--no-defaults", action="store_true", help="skip the defaults rows")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "speed.json")
    parser.add_argument("--worker", choices=("ours", "spacy"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.engine = args.worker
        args.threads = args.threads[0]
        worker(args)
        return
    results = []
    if not args.no_defaults:
        for contended in (False, True):
            results.append(measure("ours", 0, args, contended=contended))
            if args.spacy_model:
                results.append(measure("spacy", 0, args, contended=contended))
    for threads in args.threads:
        results.append(measure("ours", threads, args))
        if threads > 1:
            results.append(measure("ours", threads, args, workers=threads))
        if args.spacy_model:
            results.append(measure("spacy", threads, args))
            if threads > 1:
                results.append(measure("spacy", threads, args, workers=threads))
    payload = {"benchmark": "speed", "workload": f"first {args.notes} deduplicated MTSamples notes by note id",
               "runs": args.runs, "results": results, "summary": summary(results),
               "machine": machine()}
    for line in payload["summary"]:
        print(line)
    if args.spacy_model:
        import spacy

        payload["machine"]["spacy"] = spacy.__version__
    write_json(args.out, payload)
    plot(results, args.out.with_suffix(".png"))


if __name__ == "__main__":
    main()
