"""Accuracy against peers on the corpus build's train/dev/test split, one scorer for all.

Our model and the peers (spaCy 3.8 NER, a CliNER-style CRF; see ``benchmarks/peers/``)
see the same tokens (the corpus build's CoNLL files) and are scored by the same code
(``peers/peer_data.score``: strict and lenient entity micro-F1, per-label F1 and token
micro-F1 per corpus and combined).

    python benchmarks/accuracy.py --data ../shared/data --work /tmp/accuracy
        [--model work/ner_run/ner_clinical]   # reuse a model trained by `clinical-ner train`
        [--peers-json benchmarks/results/peers.json]  # reuse an earlier peers run

Without ``--model`` it trains ours with the shipped recipe (``configs/ner_clinical.json``,
about 25 minutes on 2 cores); without ``--peers-json`` it trains the peers (about 18
minutes). Results: ``benchmarks/results/accuracy.json`` and ``accuracy.png``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "peers")]

from peer_data import headline, load_split, score  # noqa: E402

from clinical_ner.annotators.ner_dl import NerDLModel  # noqa: E402
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel  # noqa: E402
from clinical_ner.corpora.build import build_corpus  # noqa: E402
from clinical_ner.training.recipe import load_recipe, train_recipe  # noqa: E402
from common import DEFAULT_DATA, machine, write_json  # noqa: E402


def our_predictions(model: NerDLModel, embeddings: WordEmbeddingsModel, docs,
                    match_convention: bool = True) -> list[list[list[str]]]:
    """Tags of our model for every sentence of ``docs`` (the corpus build's tokens). With
    ``match_convention`` a model trained with annotation conventions follows each
    document's own corpus's (``setConvention(source)``); otherwise its default (the notes')."""
    known = set(model.getConventions()) if match_convention else set()
    out: list[list[list[str]]] = [[] for _ in docs]
    for convention in {d.source if d.source in known else "" for d in docs}:
        chosen = [i for i, d in enumerate(docs) if (d.source if d.source in known else "") == convention]
        sentences = [s for i in chosen for s in docs[i].sentences if s]
        tagger = model.copy().setConvention(convention)
        tags, _, _ = tagger.tag_sentences(sentences, [embeddings.store.lookup(s) for s in sentences])
        it = iter(tags)
        for i in chosen:
            out[i] = [next(it) if s else [] for s in docs[i].sentences]
    return out


def _notes_summary(systems: dict) -> dict:
    """Ours against the best peer on the annotated clinical notes' test split, when the
    corpus build has them (the users' text, where the margin matters most)."""
    ours = systems["clinical-ner (ours)"]["test"].get("mtsamples")
    if ours is None:
        return {}
    peers = {n: s["test"]["mtsamples"]["strict"]["micro"]["f1"]
             for n, s in systems.items() if n != "clinical-ner (ours)" and "mtsamples" in s["test"]}
    best = max(peers, key=peers.get)
    mine = ours["strict"]["micro"]["f1"]
    return {"notes_ours_test_strict_f1": mine, "notes_best_peer": best,
            "notes_best_peer_test_strict_f1": peers[best],
            "notes_margin_points": 100 * (mine - peers[best])}


def plot(systems: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [g for g in ("mtsamples", "maccrobat", "chia", "combined")
              if all(g in result["test"] for result in systems.values())]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.8 / len(systems)
    for i, (name, result) in enumerate(systems.items()):
        values = [result["test"][g]["strict"]["micro"]["f1"] for g in groups]
        bars = ax.bar([x + i * width for x in range(len(groups))], values, width, label=name)
        ax.bar_label(bars, fmt="%.3f", fontsize=7)
    ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(groups))], groups)
    ax.set_ylabel("strict micro-F1 (test)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title("PROBLEM / TEST / TREATMENT, test split of the corpus build", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/accuracy"))
    parser.add_argument("--model", type=Path, help="our trained ner_clinical folder")
    parser.add_argument("--peers-json", type=Path, help="reuse the JSON of run_peers.py")
    parser.add_argument("--recipe", type=Path, default=HERE.parent / "configs" / "ner_clinical.json")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "accuracy.json")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = args.work / "corpus"
    if not (corpus / "stats.json").is_file():
        build_corpus(args.data, corpus)

    model_dir = args.model
    if model_dir is None:
        recipe = load_recipe(args.recipe)
        recipe["corpus"] = {"conll_dir": str(corpus)}
        train_recipe(recipe, args.data, args.work / "ours", progress=False)
        model_dir = args.work / "ours" / recipe.get("name", "ner_clinical")

    splits = {split: load_split(corpus, split) for split in ("dev", "test")}
    # float32, as the training run scores it (the model card's figures); bfloat16
    # inference moves test strict F1 by 0.0002 (benchmarks/EXPERIMENTS.md).
    model = NerDLModel.load(model_dir).setPrecision("float32")
    embeddings = WordEmbeddingsModel.load(model_dir.parent / model.getOrDefault("storageRef"))
    ours = {}
    default_convention: dict = {}
    for split, docs in splits.items():
        t0 = time.perf_counter()
        ours[split] = score(docs, our_predictions(model, embeddings, docs))
        ours[f"{split}_predict_seconds"] = time.perf_counter() - t0
        print(f"ours {split}: {headline(ours[split])}", flush=True)
        if model.getConventions():
            # What a user who never calls setConvention gets on case reports and trials.
            default_convention[split] = score(docs, our_predictions(model, embeddings, docs, False))
            print(f"ours {split}, default convention: {headline(default_convention[split])}")

    peers_json = args.peers_json
    if peers_json is None:
        peers_json = args.work / "peers.json"
        subprocess.run(
            [sys.executable, str(HERE / "peers" / "run_peers.py"), "--corpus", str(corpus),
             "--out", str(peers_json), "--work", str(args.work / "peers")],
            check=True,
        )
    peers = json.loads(peers_json.read_text(encoding="utf-8"))["peers"]
    systems = {"clinical-ner (ours)": ours}
    for name, result in peers.items():
        systems[name] = {"dev": result["dev"], "test": result["test"]}

    best_peer = max(
        (name for name in systems if name != "clinical-ner (ours)"),
        key=lambda n: systems[n]["test"]["combined"]["strict"]["micro"]["f1"],
    )
    ours_f1 = ours["test"]["combined"]["strict"]["micro"]["f1"]
    peer_f1 = systems[best_peer]["test"]["combined"]["strict"]["micro"]["f1"]
    payload = {
        "benchmark": "accuracy",
        "corpus": str(corpus),
        "model": str(model_dir),
        "peers_source": str(peers_json),
        "systems": systems,
        "conventions": model.getConventions(),
        "ours_default_convention": default_convention,
        "summary": {
            "ours_test_combined_strict_f1": ours_f1,
            "best_peer": best_peer,
            "best_peer_test_combined_strict_f1": peer_f1,
            "margin_points": 100 * (ours_f1 - peer_f1),
            **_notes_summary(systems),
        },
        "seconds": time.perf_counter() - started,
        "machine": machine(),
    }
    write_json(args.out, payload)
    plot(systems, args.out.with_suffix(".png"))
    print(f"ours {ours_f1:.4f} vs best peer {best_peer} {peer_f1:.4f}: "
          f"{payload['summary']['margin_points']:+.2f} points")
    if "notes_margin_points" in payload["summary"]:
        notes = payload["summary"]
        print(f"clinical notes: ours {notes['notes_ours_test_strict_f1']:.4f} vs best peer "
              f"{notes['notes_best_peer']} {notes['notes_best_peer_test_strict_f1']:.4f}: "
              f"{notes['notes_margin_points']:+.2f} points")


if __name__ == "__main__":
    main()
