"""Train and score the peers of the accuracy benchmark on the corpus build's splits.

The peers: spaCy NER (``spacy``), spaCy NER with our word vectors as static vectors
(``spacy_vectors``) and a CRF baseline (``crf``), all scored with the project's
evaluation and written to one JSON.

    python -c "from clinical_ner.corpora.build import build_corpus; \\
        build_corpus('../shared/data', '/tmp/corpus')"
    python benchmarks/peers/run_peers.py --corpus /tmp/corpus \\
        --out benchmarks/results/peers.json [--work /tmp/peers] \\
        [--peers spacy spacy_vectors crf] [--update]

Each peer trains on train, selects on dev (spaCy: early stopping; CRF: c1/c2 grid) and is
scored on dev and test per corpus (maccrobat, chia, mtsamples, combined): strict and lenient
entity micro-F1, per-label F1, token micro-F1. Models go under ``--work`` (never the
repo). Math libraries are held to ``--threads`` threads (default 1).

``--update`` adds the peers of this run to an existing ``--out`` (same corpus build) and
keeps its other peers as they are; the run's time, versions and machine are appended to
its ``updates`` list.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
#: Peers in the order they run (and appear in the JSON).
PEERS = ("spacy", "spacy_vectors", "crf")


def _limit_threads(n: int) -> None:
    """Cap BLAS / OpenMP threads; must run before numpy is imported."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[name] = str(n)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/corpus"))
    parser.add_argument("--out", type=Path, default=_HERE.parent / "results" / "peers.json")
    parser.add_argument("--work", type=Path, default=Path("/tmp/peers"))
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(PEERS))
    parser.add_argument(
        "--embeddings",
        type=Path,
        default=None,
        help="word-vector store for spacy_vectors (default: the shipped embeddings_clinical_en)",
    )
    parser.add_argument(
        "--update", action="store_true", help="add these peers to an existing --out JSON"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--spacy-max-steps", type=int, default=None)
    parser.add_argument("--spacy-max-epochs", type=int, default=None)
    parser.add_argument("--crf-max-iterations", type=int, default=None)
    return parser.parse_args()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("spacy", "thinc", "sklearn-crfsuite", "python-crfsuite", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def _split_facts(docs: list) -> dict[str, int]:
    return {
        "documents": len(docs),
        "sentences": sum(len(d.sentences) for d in docs),
        "tokens": sum(d.n_tokens for d in docs),
    }


def _evaluate(name: str, predict, splits: dict) -> dict:
    """Dev and test scores of one trained peer, with prediction time on test."""
    from peer_data import headline, score

    out = {}
    for split in ("dev", "test"):
        start = time.perf_counter()
        predicted = predict(splits[split])
        seconds = time.perf_counter() - start
        out[split] = score(splits[split], predicted)
        out[f"{split}_predict_seconds"] = seconds
        print(f"{name} {split}: {headline(out[split])}", flush=True)
    return out


def main() -> None:
    args = _parse_args()
    _limit_threads(args.threads)
    sys.path[:0] = [str(_HERE), str(_HERE.parent)]
    from peer_data import load_split

    from common import machine, write_json

    begin = time.perf_counter()
    splits = {split: load_split(args.corpus, split) for split in ("train", "dev", "test")}
    results: dict = {
        "benchmark": "peers_accuracy",
        "corpus": {
            "path": str(args.corpus),
            "splits": {split: _split_facts(docs) for split, docs in splits.items()},
            "note": "the corpus build's main corpus (MACCROBAT + Chia + the annotated "
            "MTSamples notes when present; train/dev/test by document); "
            "spans are token offsets (first, last, label), end inclusive",
        },
        "threads": args.threads,
        "peers": {},
    }

    spacy_caps = {
        key: value
        for key, value in (
            ("max_steps", args.spacy_max_steps),
            ("max_epochs", args.spacy_max_epochs),
        )
        if value is not None
    }
    for name in ("spacy", "spacy_vectors"):
        if name not in args.peers:
            continue
        import spacy_ner

        static_vectors = None
        if name == "spacy_vectors":
            static_vectors = args.embeddings or spacy_ner.SHIPPED_EMBEDDINGS
        info = spacy_ner.train(
            splits["train"], splits["dev"], args.work / name, static_vectors, **spacy_caps
        )
        nlp = spacy_ner.load(info["model_path"])
        results["peers"][name] = {
            **info,
            **_evaluate(name, lambda docs, nlp=nlp: spacy_ner.predict(nlp, docs), splits),
        }

    if "crf" in args.peers:
        import crf_baseline

        kwargs = {}
        if args.crf_max_iterations is not None:
            kwargs["max_iterations"] = args.crf_max_iterations
        crf, info = crf_baseline.train_and_tune(splits["train"], splits["dev"], **kwargs)
        model_path = args.work / "crf" / "model.crfsuite"
        model_path.parent.mkdir(parents=True, exist_ok=True)
        # crfsuite wrote the model to a temp file; keep a copy under --work, not the repo.
        if crf.modelfile.name:
            model_path.write_bytes(Path(crf.modelfile.name).read_bytes())
        results["peers"]["crf"] = {
            **info,
            "model_path": str(model_path),
            **_evaluate("crf", lambda docs: crf_baseline.predict(crf, docs), splits),
        }

    seconds = time.perf_counter() - begin
    if args.update and args.out.is_file():
        results = _merged(args.out, results, seconds, machine())
    else:
        results["total_seconds"] = seconds
        results["versions"] = _versions()
        results["machine"] = machine()
    write_json(args.out, results)


def _merged(path: Path, run: dict, seconds: float, run_machine: dict) -> dict:
    """``path``'s results with this run's peers added (or replaced); the other peers and
    the top-level facts of the earlier run are kept, this run goes to ``updates``."""
    earlier = json.loads(path.read_text(encoding="utf-8"))
    if earlier.get("corpus", {}).get("splits") != run["corpus"]["splits"]:
        raise SystemExit(
            f"{path} was made on another corpus build (its split sizes differ); "
            "rerun every peer without --update"
        )
    earlier["peers"].update(run["peers"])
    earlier.setdefault("updates", []).append(
        {
            "peers": list(run["peers"]),
            "corpus": run["corpus"]["path"],
            "threads": run["threads"],
            "total_seconds": seconds,
            "versions": _versions(),
            "machine": run_machine,
        }
    )
    return earlier


if __name__ == "__main__":
    main()
