"""The reproducible recipe of a shipped model: corpus -> embeddings -> tagger -> scores.

``train_recipe(config, data_dir, out_dir)`` runs every step from the public corpora in
``data_dir`` (``../shared/data`` layout) and writes into ``out_dir``:

- ``corpus/``: the corpus build (CoNLL + JSON lines + stats, split by document);
- ``embeddings_clinical/``: word vectors trained on MTSamples and the TRAIN split's texts
  only (dev and test texts are never seen, not even without labels);
- ``ner_clinical/``: the tagger, with test-set scores in its ``metadata.json``;
- ``report.json``: the epoch log and the scores.

Steps whose output already exists are reused, and the tagger's training resumes from its
checkpoint, so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.corpora.build import MAIN_CORPORA, OPTIONAL_CORPORA, build_corpus, pipeline_tokens
from clinical_ner.corpora.mtsamples import read_standoff, reserved_ids
from clinical_ner.embeddings.train import mtsamples_texts, train_embeddings
from clinical_ner.errors import ClinicalNerError, ConfigurationError
from clinical_ner.training.conll_dataset import read_tagged_sentences
from clinical_ner.training.trainer import EpochLog, Trainer, TrainingConfig

logger = logging.getLogger(__name__)


def load_recipe(path: str | Path) -> dict[str, Any]:
    """A recipe JSON file (the shipped one: ``clinical_ner/configs/ner_clinical.json``),
    checked by :func:`validate_recipe`."""
    path = Path(path)
    if not path.is_file():
        raise ClinicalNerError(
            f"recipe {path} not found; pass --config with a recipe JSON such as the "
            "shipped configs/ner_clinical.json"
        )
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for a binary file
        raise ClinicalNerError(f"recipe {path} is not valid JSON: {exc}") from None
    validate_recipe(recipe, source=f"recipe {path}")
    return recipe


#: The sections and settings a recipe may have; a section's settings are listed here or
#: taken from the function or class that uses them.
_TOP_KEYS = frozenset({"name", "description", "corpus", "embeddings", "training",
                       "partial_label_corpora", "selection_dev", "corpus_weights"})
_CORPUS_KEYS = frozenset({"seed", "conll_dir"})
_EMBEDDING_TEXTS = frozenset({"mtsamples", "train_split"})


def _embedding_keys() -> frozenset[str]:
    # build_embeddings reads name, texts (the sources) and exclude_held_out itself and
    # passes the rest to train_embeddings.
    own = {"name", "texts", "exclude_held_out"}
    passed = set(inspect.signature(train_embeddings).parameters) - {"tokenize", "out_dir", "overwrite"}
    return frozenset(own | passed)


def validate_recipe(recipe: Any, source: str = "recipe") -> None:
    """Raise a one-line :class:`ClinicalNerError` naming the first unknown key (and the
    known ones) or misplaced value in ``recipe``, before any corpus, embedding or training
    work starts. Corpus names (``corpus_weights``, ``selection_dev``,
    ``partial_label_corpora``) are those of the corpus build, or with
    ``"corpus": {"conll_dir": ...}`` those with a ``<name>.train.conll`` (``.dev.conll``
    for ``selection_dev``) file there."""

    def fail(message: str) -> None:
        raise ClinicalNerError(f"{source}: {message}")

    def section(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            fail(f"{where} must be a JSON object, not {type(value).__name__}")
        return value

    def known(keys: Iterable[str], allowed: Iterable[str], where: str) -> None:
        unknown = sorted(set(keys) - set(allowed))
        if unknown:
            fail(f"unknown key {unknown[0]!r} in {where}; known: {', '.join(sorted(allowed))}")

    section(recipe, "the recipe")
    known(recipe, _TOP_KEYS, "the recipe")
    for required in ("embeddings", "training"):
        if required not in recipe:
            fail(f"no {required!r} section")
    corpus = section(recipe.get("corpus", {}), '"corpus"')
    known(corpus, _CORPUS_KEYS, '"corpus"')
    embeddings = section(recipe["embeddings"], '"embeddings"')
    known(embeddings, _embedding_keys(), '"embeddings"')
    known(embeddings.get("texts", []), _EMBEDDING_TEXTS, '"embeddings.texts"')
    training = section(recipe["training"], '"training"')
    known(training, [f.name for f in dataclasses.fields(TrainingConfig)], '"training"')
    try:
        TrainingConfig.from_dict(training).check()
    except ConfigurationError as exc:
        fail(f'"training": {exc}')

    conll_dir = corpus.get("conll_dir")

    def check_corpus(name: Any, where: str, split: str = "train") -> None:
        if conll_dir is None:
            known([name], MAIN_CORPORA + OPTIONAL_CORPORA, where)
        elif not (Path(conll_dir) / f"{name}.{split}.conll").is_file():
            fail(f"{where} names {name!r}, but {conll_dir} has no {name}.{split}.conll")

    weights = section(recipe.get("corpus_weights", {}), '"corpus_weights"')
    for name, weight in weights.items():
        check_corpus(name, '"corpus_weights"')
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            fail(f"corpus_weights[{name!r}] must be a whole number >= 1, not {weight!r}")
    partial = recipe.get("partial_label_corpora", [])
    if not isinstance(partial, list):
        fail('"partial_label_corpora" must be a list of corpus names')
    for name in partial:
        check_corpus(name, '"partial_label_corpora"')
    if recipe.get("selection_dev") is not None:
        check_corpus(recipe["selection_dev"], '"selection_dev"', split="dev")


def _jsonl_texts(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)["text"]


def build_embeddings(recipe: dict[str, Any], data_dir: Path, corpus_dir: Path, out: Path) -> WordEmbeddingsModel:
    """Train (or reuse) the recipe's word vectors as a resource folder at ``out``."""
    if (out / "metadata.json").is_file():
        return WordEmbeddingsModel.load(out)
    settings = dict(recipe["embeddings"])
    name = settings.pop("name", "embeddings_clinical")
    sources = settings.pop("texts", ["mtsamples", "train_split"])

    csv_path = data_dir / "mtsamples" / "mtsamples.csv"
    # The reserved evaluation notes and the annotated dev/test notes are never read, not
    # even without labels (settings "exclude_held_out": false restores the old recipe).
    held_out: set[str] = set()
    if settings.pop("exclude_held_out", True) and csv_path.is_file():
        held_out = reserved_ids(csv_path) | {
            str(r["note_id"]) for r in read_standoff() if r.get("split") in ("dev", "test")
        }

    def texts() -> Iterator[str]:
        if "mtsamples" in sources:
            yield from mtsamples_texts(csv_path, exclude_ids=held_out)
        if "train_split" in sources:
            # Every train-split JSON lines file: the per-corpus ones and the combined
            # train.jsonl, so MACCROBAT and Chia texts (the target domain) count twice.
            # Dev and test texts are never read. (A folder from `corpus convert` has none.)
            for path in sorted(corpus_dir.glob("*train.jsonl")):
                yield from _jsonl_texts(path)

    store = train_embeddings(texts(), pipeline_tokens, None, **settings)
    model = WordEmbeddingsModel(store).setStorageRef(name)
    model.save(out, metadata={"name": name, "sources": sources, "settings": settings,
                              "held_out_notes": len(held_out)})
    return WordEmbeddingsModel.load(out)


def _conventions(recipe: dict[str, Any]) -> list[str]:
    return list(recipe.get("training", {}).get("conventions", []))


def split_sentences(recipe: dict[str, Any], corpus_dir: Path, split: str,
                    corpus: str | None = None) -> list:
    """One split's sentences: ``corpus``'s own file, or the combined one. With conventions
    in the recipe, each sentence carries its corpus's name as its convention, so the
    combined split is read corpus by corpus."""
    conventions = _conventions(recipe)
    if corpus is not None:
        return read_tagged_sentences(corpus_dir / f"{corpus}.{split}.conll",
                                     convention=corpus if corpus in conventions else None)
    if not conventions:
        return read_tagged_sentences(corpus_dir / f"{split}.conll")
    return [s for name in conventions for s in split_sentences(recipe, corpus_dir, split, name)]


def training_sentences(recipe: dict[str, Any], corpus_dir: Path) -> tuple[list, list]:
    """The recipe's training and model-selection sentences from a corpus build.

    ``"corpus_weights": {"mtsamples": 3}`` repeats that corpus's train sentences (3 times
    in all), weighting the users' kind of text; ``"selection_dev": "mtsamples"`` picks the
    best epoch and stops early on that corpus's dev split instead of the combined one;
    ``"partial_label_corpora"`` adds PROBLEM-only corpora. ``"training": {"conventions":
    [...]}`` names the corpora whose span rules the network keeps apart (default first):
    the training split is then exactly those corpora, each sentence tagged with its own."""
    train = split_sentences(recipe, corpus_dir, "train")
    for corpus in recipe.get("partial_label_corpora", []):
        train += read_tagged_sentences(corpus_dir / f"{corpus}.train.conll", frozenset({"PROBLEM"}))
    for corpus, weight in recipe.get("corpus_weights", {}).items():
        if int(weight) < 1:
            raise ClinicalNerError(f"corpus_weights[{corpus!r}] must be a whole number >= 1")
        train += split_sentences(recipe, corpus_dir, "train", corpus) * (int(weight) - 1)
    dev = split_sentences(recipe, corpus_dir, "dev", recipe.get("selection_dev"))
    return train, dev


def train_recipe(
    recipe: dict[str, Any],
    data_dir: str | Path,
    out_dir: str | Path,
    progress: bool = True,
    on_epoch: Callable[[EpochLog], None] | None = None,
) -> dict[str, Any]:
    """Run the whole recipe; returns the report (also written to ``out_dir/report.json``)."""
    validate_recipe(recipe)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    corpus_settings = recipe.get("corpus", {})
    if "conll_dir" in corpus_settings:
        # Licensed data (i2b2 2010, in-house notes) converted with `clinical-ner corpus
        # convert` into train/dev/test.conll; nothing is built from the public corpora.
        corpus_dir = Path(corpus_settings["conll_dir"])
    else:
        corpus_dir = out_dir / "corpus"
        if not (corpus_dir / "stats.json").is_file():
            build_corpus(data_dir, corpus_dir, seed=corpus_settings.get("seed", 13))
    embeddings = build_embeddings(recipe, data_dir, corpus_dir, out_dir / "embeddings_clinical")
    embeddings_seconds = time.perf_counter() - started

    train, dev = training_sentences(recipe, corpus_dir)
    config = TrainingConfig.from_dict(recipe["training"])
    trainer = Trainer(config, train, embeddings.store, dev=dev,
                      checkpoint_dir=out_dir / "checkpoint", progress=progress)
    for log in trainer.run():
        if on_epoch is not None:
            on_epoch(log)

    return write_trained_model(recipe, corpus_dir, trainer, out_dir, {
        "total": time.perf_counter() - started, "embeddings_and_corpus": embeddings_seconds})


def write_trained_model(recipe: dict[str, Any], corpus_dir: Path, trainer: Trainer,
                        out_dir: Path, seconds: dict[str, float]) -> dict[str, Any]:
    """Score ``trainer``'s network (its best epoch) on every split and corpus, save it as
    ``out_dir/<name>`` with the scores in its metadata, and write ``report.json``."""
    scores: dict[str, Any] = {}
    for split in ("dev", "test"):
        scores[split] = {"combined": trainer.evaluate(split_sentences(recipe, corpus_dir, split))}
        for corpus in ("maccrobat", "chia", "mtsamples"):
            if (corpus_dir / f"{corpus}.{split}.conll").is_file():
                sentences = split_sentences(recipe, corpus_dir, split, corpus)
                scores[split][corpus] = trainer.evaluate(sentences)
                default = next(iter(_conventions(recipe)), None)
                if any(s.convention not in (None, default) for s in sentences):
                    # What a user who keeps the default convention gets on this corpus.
                    for s in sentences:
                        s.convention = None
                    scores[split][f"{corpus}@default"] = trainer.evaluate(sentences)
    report = {
        "recipe": recipe,
        "seconds": seconds,
        "epochs": [log.__dict__ for log in trainer.history],
        "scores": scores,
        "sentences": {"train": len(trainer.train), "dev": len(trainer.dev)},
    }
    model = NerDLModel(trainer.network.cpu(), trainer.chars)
    model.setStorageRef(recipe["embeddings"].get("name", "embeddings_clinical"))
    model.save(
        out_dir / recipe.get("name", "ner_clinical"),
        metadata={
            "name": recipe.get("name", "ner_clinical"),
            "description": recipe.get("description", ""),
            "training_data": "train split of clinical-ner corpus build: MACCROBAT2020 "
            "(CC BY 4.0) + Chia (CC BY 4.0) + the project's annotated MTSamples notes "
            "(standoff in the package) when mtsamples/ is in the data folder",
            "recipe": recipe,
            "test_scores": _headline(scores["test"]),
            "dev_scores": _headline(scores["dev"]),
        },
        overwrite=True,
    )
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return report


def _headline(split_scores: dict[str, Any]) -> dict[str, Any]:
    """Strict/lenient micro-F1 and per-label strict F1, per corpus, rounded for metadata."""
    out = {}
    for corpus, scores in split_scores.items():
        out[corpus] = {
            "strict_micro_f1": round(scores["strict"]["micro"]["f1"], 4),
            "lenient_micro_f1": round(scores["lenient"]["micro"]["f1"], 4),
            "token_micro_f1": round(scores["token"]["micro"]["f1"], 4),
            "strict_f1_per_label": {
                label: round(v["f1"], 4) for label, v in scores["strict"].items()
                if label not in ("micro", "macro")
            },
        }
    return out
