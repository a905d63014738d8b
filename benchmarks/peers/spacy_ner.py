"""spaCy 3.8's NER as a peer: trained on the corpus build's train split, early-stopped on
dev, scored on test with the project's evaluation.

Configuration: ``spacy init config --lang en --pipeline ner --optimize efficiency`` (CPU):
a ``tok2vec`` of MultiHashEmbed (NORM, PREFIX, SUFFIX, SHAPE; no static vectors) and a
4-layer, 96-wide MaxoutWindowEncoder, feeding the transition-based NER. ``accuracy`` was
not used: for English on CPU it only differs by adding ``en_core_web_lg`` static vectors
(a download, which this benchmark does not do) and a 256-wide, 8-deep encoder.

Tokenization is handed over: every CoNLL sentence becomes one ``Doc(vocab, words=...,
spaces=...)`` (tokens joined by one space, as the CoNLL reader does), so spaCy's
entities are token spans over exactly our tokens and score like any other peer.

The training reader uses ``gold_preproc = true`` so spaCy trains and evaluates on those
same tokens (with the default ``false`` it re-tokenizes the text with its own tokenizer
and aligns the gold to it: a first run that way scored 1.5 points lower on dev with our
tokens than spaCy's own dev score).

Early stopping is spaCy's own: evaluate on dev every ``eval_frequency`` steps, keep the
best ``ents_f`` as ``model-best``, stop after ``patience`` steps without a better score,
or at ``max_steps`` / ``max_epochs`` (capped here to fit ~20 minutes on 2 CPU cores).

The ``static_vectors`` variant (``train(..., static_vectors=store folder)``) is the same
config with our word vectors (the shipped ``embeddings_clinical_en`` store) as spaCy static
vectors: ``components.tok2vec.model.embed.include_static_vectors = true`` and
``initialize.vectors`` = a spaCy vectors folder written by :func:`write_vectors`. The store
is looked up by lowercased token with digits replaced by ``0`` (its OOV policy); spaCy looks
static vectors up by the token attribute in the table's ``attr``. So ``nlp.vectors`` is
:func:`store_vectors_factory` (registered as ``clinical_ner_peers.store_vectors.v1``): a
table keyed by ``LOWER``, with the vocabulary's ``LOWER`` redefined as the store's key
(:func:`store_key`). ``LOWER`` feeds nothing else in this pipeline (the hash embeddings use
NORM, PREFIX, SUFFIX, SHAPE), so the only change is which row each token reads. A factory
rather than ``spacy init vectors --attr LOWER``: spaCy 3.8 writes the ``attr`` of a
default-mode table nowhere (``Vectors._get_cfg`` keeps it for floret only), so a table
loaded from disk reverts to ``ORTH`` and lowercase keys would miss every capitalized token.
Loading such a model needs this module imported (it registers the factory).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from peer_data import PeerDocument
from spacy.attrs import LOWER
from spacy.cli.init_config import init_config
from spacy.cli.train import train as spacy_train
from spacy.tokens import Doc, DocBin, Span
from spacy.vectors import Vectors
from spacy.vocab import Vocab

import clinical_ner
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.corpora.conll import spans_to_tags, tags_to_spans
from clinical_ner.embeddings.store import lookup_key, normalize_digits

#: Training caps (steps are batches of ~100 to 1,000 words, compounding).
DEFAULTS: dict[str, Any] = {
    "max_steps": 6000,
    "max_epochs": 30,
    "patience": 1600,
    "eval_frequency": 200,
    "seed": 0,
}

#: Our shipped word vectors (word2vec, 200-d, MTSamples + the train split's texts).
SHIPPED_EMBEDDINGS = Path(clinical_ner.__file__).parent / "models" / "embeddings_clinical_en"

#: The registered name of the ``[nlp.vectors]`` factory of the static-vectors variant.
STORE_VECTORS = "clinical_ner_peers.store_vectors.v1"


def store_key(string: str) -> str:
    """The key our store finds a token under: lowercased, every digit replaced by ``0``.

    The shipped store has no entry with a digit other than ``0`` (it was trained on text
    normalized this way), so this one key reproduces both steps of its OOV policy.
    """
    return normalize_digits(lookup_key(string))


class StoreKeyVectors(Vectors):
    """spaCy's vectors table, keyed by ``LOWER`` also after loading from disk (where
    spaCy 3.8 would reset a default-mode table's ``attr`` to ``ORTH``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "attr": "LOWER"})

    def _set_cfg(self, cfg: dict[str, Any]) -> None:
        super()._set_cfg({**cfg, "attr": LOWER})


@spacy.registry.vectors(STORE_VECTORS)
def store_vectors_factory() -> Any:
    """``[nlp.vectors]`` of the static-vectors variant: makes the vocabulary's ``LOWER``
    the store's key (for lexemes created from now on, and any already made) and gives it
    a :class:`StoreKeyVectors` table."""

    def create(vocab: Vocab) -> StoreKeyVectors:
        vocab.lex_attr_getters[LOWER] = store_key
        for lexeme in vocab:
            lexeme.lower_ = store_key(lexeme.orth_)
        return StoreKeyVectors(strings=vocab.strings)

    return create


def write_vectors(embeddings: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """Our word-vector store as a spaCy vectors folder for ``[initialize] vectors``.

    One row per store word (float16 widened to float32), keyed by the word as stored
    (lowercased; the pipeline's ``nlp.vectors`` factory looks it up by :func:`store_key`).
    The store's unknown row (zeros) is not copied: spaCy's static vectors give zeros to a
    key that is not in the table, which is the same vector.

    Returns facts about the table (rows, dimension, the store's metadata).
    """
    model = WordEmbeddingsModel.load(embeddings)
    store = model.store
    unknown = np.asarray(store.vectors[0], dtype=np.float32)
    if np.any(unknown):
        raise ValueError(
            f"{embeddings}: the store's unknown vector is not zeros; spaCy gives unknown "
            "tokens zeros, so this table would not reproduce the store's lookup"
        )
    data = np.ascontiguousarray(store.vectors[1:], dtype=np.float32)
    nlp = spacy.blank("en")
    nlp.vocab.vectors = Vectors(
        strings=nlp.vocab.strings,
        data=data,
        keys=list(store.vocab),
        name=Path(embeddings).name,
    )
    out_dir = Path(out_dir)
    nlp.to_disk(out_dir)
    return {
        "store": str(embeddings),
        "rows": int(data.shape[0]),
        "dim": int(data.shape[1]),
        "attr": "LOWER (lowercased, digits -> 0: the store's key)",
        "method": store.method,
        "training": store.training,
        "folder": str(out_dir),
    }


def sentence_doc(vocab: Vocab, words: Sequence[str], tags: Sequence[str] | None = None) -> Doc:
    """A Doc over exactly ``words`` (one space between them), with gold entities from
    IOB ``tags`` when given."""
    spaces = [True] * len(words)
    if spaces:
        spaces[-1] = False
    doc = Doc(vocab, words=list(words), spaces=spaces)
    if tags is not None:
        doc.ents = [Span(doc, i, j + 1, label=label) for i, j, label in tags_to_spans(tags)]
    return doc


def write_docbin(docs: Iterable[PeerDocument], path: Path) -> int:
    """Every sentence of ``docs`` as a gold Doc in a ``.spacy`` file; returns the count."""
    vocab = Vocab()
    bin_ = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for doc in docs:
        for words, tags in zip(doc.sentences, doc.tags, strict=True):
            bin_.add(sentence_doc(vocab, words, tags))
    path.parent.mkdir(parents=True, exist_ok=True)
    bin_.to_disk(path)
    return len(bin_)


def training_config(static_vectors: str | Path | None = None, **caps: Any) -> spacy.util.Config:
    """spaCy's standard CPU NER config (efficiency) with the training caps applied; with
    ``static_vectors`` (a folder from :func:`write_vectors`) the tok2vec also embeds those
    vectors, looked up by the store's key."""
    settings = {**DEFAULTS, **caps}
    config = init_config(lang="en", pipeline=["ner"], optimize="efficiency", gpu=False)
    training = config["training"]
    training["max_steps"] = settings["max_steps"]
    training["max_epochs"] = settings["max_epochs"]
    training["patience"] = settings["patience"]
    training["eval_frequency"] = settings["eval_frequency"]
    config["system"]["seed"] = settings["seed"]
    # gold_preproc: the reader keeps the reference Docs' own tokens as the input to
    # predict; with false it would re-tokenize their text with spaCy's tokenizer and
    # train/evaluate on a tokenization that differs from the one scored here.
    for corpus in ("train", "dev"):
        config["corpora"][corpus]["gold_preproc"] = True
    if static_vectors is not None:
        # What --optimize accuracy does for vectors (there with en_core_web_lg), nothing else.
        config["components"]["tok2vec"]["model"]["embed"]["include_static_vectors"] = True
        config["paths"]["vectors"] = str(static_vectors)
        config["nlp"]["vectors"] = {"@vectors": STORE_VECTORS}
    return config


def train(
    train_docs: Sequence[PeerDocument],
    dev_docs: Sequence[PeerDocument],
    work_dir: str | Path,
    static_vectors: str | Path | None = None,
    **caps: Any,
) -> dict[str, Any]:
    """Train spaCy NER into ``work_dir`` (``model-best`` is the early-stopped model).

    ``static_vectors``: a word-vector store folder (e.g. :data:`SHIPPED_EMBEDDINGS`) to
    use as static vectors, written as a spaCy vectors folder under ``work_dir``; ``None``
    trains the standard config.

    Returns what happened: the config used, sentence counts, wall seconds, and the dev
    evaluations from spaCy's training log (step, epoch, ents_f/p/r).
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    n_train = write_docbin(train_docs, work_dir / "train.spacy")
    n_dev = write_docbin(dev_docs, work_dir / "dev.spacy")
    description = (
        "spacy init config --lang en --pipeline ner --optimize efficiency (CPU), "
        "corpora.*.gold_preproc = true"
    )
    vectors_info = None
    vectors_dir = None
    if static_vectors is not None:
        vectors_dir = work_dir / "vectors"
        vectors_info = write_vectors(static_vectors, vectors_dir)
        description += (
            ", components.tok2vec.model.embed.include_static_vectors = true, "
            f"initialize.vectors = our store, nlp.vectors = {STORE_VECTORS}"
        )
    config = training_config(static_vectors=vectors_dir, **caps)
    config_path = work_dir / "config.cfg"
    config.to_disk(config_path)
    log_path = work_dir / "train_log.jsonl"
    log_path.unlink(missing_ok=True)
    overrides = {
        "paths.train": str(work_dir / "train.spacy"),
        "paths.dev": str(work_dir / "dev.spacy"),
        "training.logger": {
            "@loggers": "spacy.ConsoleLogger.v3",
            "progress_bar": None,
            "console_output": True,
            "output_file": str(log_path),
        },
    }
    start = time.perf_counter()
    spacy_train(config_path, work_dir, use_gpu=-1, overrides=overrides)
    seconds = time.perf_counter() - start
    evaluations = _read_log(log_path)
    best = max(evaluations, key=lambda e: e["ents_f"]) if evaluations else None
    out: dict[str, Any] = {
        "config": description,
        "caps": {k: config["training"][k] for k in DEFAULTS if k != "seed"},
        "seed": config["system"]["seed"],
        "train_sentences": n_train,
        "dev_sentences": n_dev,
        "train_seconds": seconds,
        "steps": evaluations[-1]["step"] if evaluations else 0,
        "epochs": evaluations[-1]["epoch"] if evaluations else 0,
        "best": best,
        "evaluations": evaluations,
        "model_path": str(work_dir / "model-best"),
    }
    if vectors_info is not None:
        out["static_vectors"] = vectors_info
    return out


def _read_log(path: Path) -> list[dict[str, Any]]:
    """Dev evaluations (step, epoch, ents_f/p/r) from spaCy's JSONL log."""
    if not path.is_file():
        return []
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            other = record.get("scores") or {}
            if "ents_f" not in other:
                continue
            out.append(
                {
                    "step": record.get("step"),
                    "epoch": record.get("epoch"),
                    # spaCy logs percentages; stored as fractions like every other score.
                    "ents_f": other["ents_f"] / 100,
                    "ents_p": other.get("ents_p", 0.0) / 100,
                    "ents_r": other.get("ents_r", 0.0) / 100,
                }
            )
    return out


def load(model_path: str | Path) -> spacy.language.Language:
    return spacy.load(model_path)


def predict(
    nlp: spacy.language.Language, docs: Sequence[PeerDocument], batch_size: int = 256
) -> list[list[list[str]]]:
    """IOB2 tags per document, per sentence, over our tokens (spaCy's tokenizer is not
    run: ``nlp.pipe`` takes the pre-built Docs)."""
    flat = [sentence_doc(nlp.vocab, words) for doc in docs for words in doc.sentences]
    tagged = nlp.pipe(flat, batch_size=batch_size)
    out: list[list[list[str]]] = []
    for doc in docs:
        sentences = []
        for _ in doc.sentences:
            sdoc = next(tagged)
            spans = [(e.start, e.end - 1, e.label_) for e in sdoc.ents]
            sentences.append(spans_to_tags(len(sdoc), spans))
        out.append(sentences)
    return out


def annotate_texts(
    model_path: str | Path | spacy.language.Language,
    texts: Iterable[str],
    batch_size: int = 64,
    n_process: int = 1,
) -> list[list[tuple[int, int, str]]]:
    """Raw texts through the trained model with spaCy's own tokenizer (``nlp.pipe``), for
    the speed benchmark: per text, entities as ``(begin, end, label)`` char offsets with
    ``end`` inclusive (the project's convention)."""
    nlp = model_path if isinstance(model_path, spacy.language.Language) else load(model_path)
    return [
        [(e.start_char, e.end_char - 1, e.label_) for e in doc.ents]
        for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process)
    ]
