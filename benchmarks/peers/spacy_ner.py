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
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from peer_data import PeerDocument
from spacy.cli.init_config import init_config
from spacy.cli.train import train as spacy_train
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab

from clinical_ner.corpora.conll import spans_to_tags, tags_to_spans

#: Training caps (steps are batches of ~100 to 1,000 words, compounding).
DEFAULTS: dict[str, Any] = {
    "max_steps": 6000,
    "max_epochs": 30,
    "patience": 1600,
    "eval_frequency": 200,
    "seed": 0,
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


def training_config(**caps: Any) -> spacy.util.Config:
    """spaCy's standard CPU NER config (efficiency) with the training caps applied."""
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
    return config


def train(
    train_docs: Sequence[PeerDocument],
    dev_docs: Sequence[PeerDocument],
    work_dir: str | Path,
    **caps: Any,
) -> dict[str, Any]:
    """Train spaCy NER into ``work_dir`` (``model-best`` is the early-stopped model).

    Returns what happened: the config used, sentence counts, wall seconds, and the dev
    evaluations from spaCy's training log (step, epoch, ents_f/p/r).
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    n_train = write_docbin(train_docs, work_dir / "train.spacy")
    n_dev = write_docbin(dev_docs, work_dir / "dev.spacy")
    config = training_config(**caps)
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
    return {
        "config": "spacy init config --lang en --pipeline ner --optimize efficiency (CPU), "
        "corpora.*.gold_preproc = true",
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
