"""A bounded load test of the REST service on loopback.

Starts ``clinical-ner serve`` in a subprocess on a free port, then ``--clients`` concurrent
clients post MTSamples notes (one note per request) to ``POST /v1/annotate`` for
``--duration`` seconds. Reports requests/s, tokens/s (tokens counted by the library's own
tokenizer, before the test), latency percentiles, errors and dropped requests (no answer).
While the load runs, a request over the body limit (1 MiB, limit 1,000,000 bytes) and a
malformed JSON body are sent: both must get a 4xx while the others keep being served.

    python benchmarks/service_load.py [--model NAME_OR_DIR] [--data ../shared/data]
        [--clients 32] [--duration 30] [--notes 200]

Without ``--model``, the shipped ``ner_clinical`` is used when
``src/clinical_ner/models/ner_clinical_en`` exists; otherwise a toy model with the recipe's
layer sizes (200-d vectors, 128 LSTM units, 50 char filters, a few seconds of training on
synthetic sentences: its compute per token matches the real model, its accuracy does not)
is built in a temporary folder. The result says which. JSON to
``benchmarks/results/service_load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from common import DEFAULT_DATA, machine, mtsamples_notes, write_json

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent / "src" / "clinical_ner" / "models" / "ner_clinical_en"


def toy_model(folder: Path) -> Path:
    """A model with the recipe's layer sizes, trained for seconds on synthetic sentences."""
    import numpy as np

    from clinical_ner.annotators.ner_dl import NerDLModel
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
    from clinical_ner.embeddings.store import WordVectorStore
    from clinical_ner.training.data import TaggedSentence
    from clinical_ner.training.trainer import Trainer, TrainingConfig

    rng = np.random.default_rng(0)
    phrases = {"PROBLEM": ["chest pain", "fever", "shortness of breath", "hypertension"],
               "TEST": ["ECG", "chest x-ray", "troponin", "CBC"],
               "TREATMENT": ["aspirin", "metformin", "IV fluids", "lisinopril"]}
    sentences = []
    for i in range(120):
        label = list(phrases)[i % 3]
        words = phrases[label][rng.integers(4)].split()
        tokens = ["The", "patient", "had", *words, "."]
        tags = ["O", "O", "O", f"B-{label}", *[f"I-{label}"] * (len(words) - 1), "O"]
        sentences.append(TaggedSentence(tokens, tags))
    vocab = sorted({t.lower() for s in sentences for t in s.tokens})
    store = WordVectorStore.from_vectors(
        vocab, rng.normal(size=(len(vocab), 200)).astype(np.float32), method="random")
    config = TrainingConfig(max_epochs=2, patience=100, threads=1, lstm_hidden=128)  # the recipe's sizes
    trainer = Trainer(config, sentences, store, dev=sentences[:20], progress=False)
    list(trainer.run())
    NerDLModel(trainer.network, trainer.chars, {"name": "ner_clinical", "version": "toy-sized"}
               ).save(folder / "ner_clinical")
    WordEmbeddingsModel(store).save(folder / "embeddings_clinical")
    return folder / "ner_clinical"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _load(url: str, notes: list[str], tokens: list[int], clients: int,
                duration: float) -> dict:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    token_count = 0
    dropped = 0
    misuse: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        stop_at = time.perf_counter() + duration

        async def worker(seed: int) -> None:
            nonlocal token_count, dropped
            order = random.Random(seed)
            while time.perf_counter() < stop_at:
                i = order.randrange(len(notes))
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/annotate", json={"text": notes[i]})
                except httpx.HTTPError:
                    dropped += 1
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
                if response.status_code == 200:
                    token_count += tokens[i]

        async def abuse() -> None:
            await asyncio.sleep(min(5.0, duration / 3))
            big = json.dumps({"text": "x" * (1 << 20)}).encode()
            response = await client.post("/v1/annotate", content=big,
                                         headers={"content-type": "application/json"})
            misuse["oversized_1MiB"] = response.status_code
            response = await client.post("/v1/annotate", content=b'{"text": "fever',
                                         headers={"content-type": "application/json"})
            misuse["malformed_json"] = response.status_code

        started = time.perf_counter()
        await asyncio.gather(*(worker(s) for s in range(clients)), abuse())
        elapsed = time.perf_counter() - started
        batching = (await client.get("/v1/models")).json()["batching"]
    ok = statuses.get("200", 0)
    return {
        "elapsed_s": round(elapsed, 2),
        "requests": sum(statuses.values()),
        "ok": ok,
        "errors": sum(v for k, v in statuses.items() if k != "200"),
        "dropped": dropped,
        "statuses": statuses,
        "requests_per_s": round(ok / elapsed, 2),
        "tokens_per_s": round(token_count / elapsed, 1),
        "latency_ms": {
            "p50": round(_percentile(latencies, 0.50) * 1000, 1),
            "p95": round(_percentile(latencies, 0.95) * 1000, 1),
            "p99": round(_percentile(latencies, 0.99) * 1000, 1),
            "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        },
        "misuse_during_load": misuse,
        "batching": batching,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model name or folder (default: shipped, else toy)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--notes", type=int, default=200, help="distinct MTSamples notes used")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the service")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "service_load.json")
    args = parser.parse_args()

    notes = mtsamples_notes(args.data, args.notes)
    from clinical_ner import LightPipeline, text_pipeline

    tokens = [len(row["token"]) for row in LightPipeline(text_pipeline()).fullAnnotate(notes)]
    workdir = Path(tempfile.mkdtemp(prefix="service-load-"))
    if args.model:
        model, kind = args.model, "given"
    elif SHIPPED.is_dir():
        model, kind = "ner_clinical", "shipped ner_clinical"
    else:
        model, kind = str(toy_model(workdir)), "toy model with the recipe's layer sizes (shipped model absent)"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
    log_path = workdir / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "clinical_ner.cli", "serve", "--port", str(port),
             "--model", model, "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the service did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        result = asyncio.run(_load(url, notes, tokens, args.clients, args.duration))
    finally:
        server.terminate()
        server.wait(15)
    leaked = any(note[:40] in log_path.read_text(encoding="utf-8", errors="replace")
                 for note in notes)
    payload = {
        "benchmark": "service_load",
        "command": " ".join(["python", "benchmarks/service_load.py", *sys.argv[1:]]),
        "model": kind,
        "clients": args.clients,
        "duration_s": args.duration,
        "distinct_notes": len(notes),
        "mean_tokens_per_note": round(statistics.fmean(tokens), 1),
        "service_torch_threads": args.threads,
        "note_text_in_service_log": leaked,
        **result,
        "machine": machine(),
    }
    print(json.dumps({k: v for k, v in payload.items() if k != "machine"}, indent=2))
    write_json(args.out, payload)


if __name__ == "__main__":
    main()
