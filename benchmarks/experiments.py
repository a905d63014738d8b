"""Recipe experiments: train tagger variants on one corpus build and compare dev scores.

Each variant names a word-embeddings folder (made by ``clinical-ner embeddings train`` or
``clinical_ner.training.recipe.build_embeddings``), training overrides of the recipe, and
optional partial-label corpora. Only the DEV split is scored: the test split is kept for
the final model. Results go to JSON; ``benchmarks/EXPERIMENTS.md`` records the decisions.

    python benchmarks/experiments.py --corpus work/exp/corpus --variants variants.json \\
        --out benchmarks/results/experiments.json [--device cuda]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.training.conll_dataset import read_tagged_sentences
from clinical_ner.training.recipe import load_recipe
from clinical_ner.training.trainer import Trainer, TrainingConfig
from common import write_json


def run_variant(variant: dict, recipe: dict, corpus: Path, root: Path, device: str) -> dict:
    store = WordEmbeddingsModel.load(root / variant["embeddings"]).store
    train = read_tagged_sentences(corpus / "train.conll")
    for name in variant.get("partial_label_corpora", []):
        train += read_tagged_sentences(corpus / f"{name}.train.conll", frozenset({"PROBLEM"}))
    dev = read_tagged_sentences(corpus / "dev.conll")
    settings = {**recipe["training"], **variant.get("training", {}), "device": device}
    trainer = Trainer(TrainingConfig.from_dict(settings), train, store, dev=dev, progress=False)
    started = time.perf_counter()
    epochs = []
    for log in trainer.run():
        epochs.append({"epoch": log.epoch, "loss": log.loss, "seconds": log.seconds,
                       "dev_strict_f1": log.validation["strict"]["micro"]["f1"]})
        print(f"{variant['name']}: {log.summary()}", flush=True)
    scores = {"combined": trainer.evaluate(dev)}
    for name in ("maccrobat", "chia"):
        scores[name] = trainer.evaluate(read_tagged_sentences(corpus / f"{name}.dev.conll"))
    return {
        "variant": variant,
        "seconds": time.perf_counter() - started,
        "epochs": epochs,
        "dev": {
            name: {"strict_micro_f1": s["strict"]["micro"]["f1"],
                   "lenient_micro_f1": s["lenient"]["micro"]["f1"],
                   "per_label_strict_f1": {k: v["f1"] for k, v in s["strict"].items()
                                           if k not in ("micro", "macro")}}
            for name, s in scores.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--variants", type=Path, required=True)
    parser.add_argument("--recipe", type=Path, default=Path("configs/ner_clinical.json"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", nargs="*", help="names of the variants to run")
    args = parser.parse_args()
    recipe = load_recipe(args.recipe)
    variants = json.loads(args.variants.read_text())
    results = []
    for variant in variants:
        if args.only and variant["name"] not in args.only:
            continue
        results.append(run_variant(variant, recipe, args.corpus, args.variants.parent, args.device))
        write_json(args.out, {"device": args.device, "results": results})


if __name__ == "__main__":
    main()
