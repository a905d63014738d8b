"""Build the PROBLEM / TEST / TREATMENT training corpus from the public corpora.

:func:`build_corpus` reads MACCROBAT, Chia and, when ``mtsamples/mtsamples.csv`` is there,
the annotated MTSamples notes (the main corpus) and, when present,
BC5CDR and NCBI-disease (written to separate files, since they only know PROBLEM),
splits each corpus BY DOCUMENT into train/dev/test, tokenizes with the project's own
:class:`SentenceDetector` and :class:`Tokenizer`, and writes:

* ``train.conll``, ``dev.conll``, ``test.conll``: MACCROBAT + Chia, IOB2;
* ``train.jsonl`` ... : one document a line, ``{"id", "source", "text", "spans"}`` with
  ``spans`` as ``[begin, end, label]`` (inclusive ends);
* ``<corpus>.<split>.conll`` / ``.jsonl`` for BC5CDR and NCBI-disease;
* ``stats.json``: documents, sentences, tokens and entities per label, per corpus and
  split; the spans each mapping dropped; spans whose boundaries fall inside a token.

The split rule: the annotated MTSamples notes keep the split shipped with their
annotations (:mod:`clinical_ner.corpora.mtsamples`). Other documents are grouped (a Chia
trial's ``_inc`` and ``_exc`` files form
one group, so a trial never sits in two splits; elsewhere a group is one document), the
group keys are sorted, shuffled with ``random.Random(seed)``, and cut 80/10/10. The same
seed and files always give the same split, whatever the file system's listing order.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from clinical_ner.annotators.section_detector import SectionDetector, sentence_cuts
from clinical_ner.annotators.sentence_detector import SentenceDetector
from clinical_ner.annotators.tokenizer import Tokenizer
from clinical_ner.corpora.card import write_card
from clinical_ner.corpora.conll import ConllDocument, document_to_conll, format_conll
from clinical_ner.corpora.document import CorpusDocument, NoCorpusFilesError
from clinical_ner.corpora.registry import read
from clinical_ner.io import atomic_write_folder, atomic_write_text

logger = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
#: Fractions of groups in train and dev; test takes the rest.
SPLIT_FRACTIONS = (0.8, 0.1)
#: Main corpora (merged into train/dev/test.conll) and optional ones (own files).
MAIN_CORPORA = ("maccrobat", "chia", "mtsamples")
OPTIONAL_CORPORA = ("bc5cdr", "ncbi-disease")

_CHIA_SIDE = re.compile(r"_(inc|exc)$")


def group_key(doc: CorpusDocument) -> str:
    """The unit of splitting: a Chia trial (``NCT00061308``) or else the document id."""
    if doc.source == "chia":
        return _CHIA_SIDE.sub("", doc.id)
    return doc.id


def split_documents(docs: list[CorpusDocument], seed: int = 13) -> dict[str, list[CorpusDocument]]:
    """Split by document group, 80/10/10, deterministic for a seed (see module doc);
    a document whose corpus fixes its split (``doc.split``) keeps it."""
    fixed = {d.id: d.split for d in docs if d.split in SPLITS}
    keys = sorted({group_key(d) for d in docs if d.id not in fixed})
    random.Random(seed).shuffle(keys)
    n_train = round(len(keys) * SPLIT_FRACTIONS[0])
    n_dev = round(len(keys) * SPLIT_FRACTIONS[1])
    which = {}
    for i, key in enumerate(keys):
        which[key] = "train" if i < n_train else "dev" if i < n_train + n_dev else "test"
    result: dict[str, list[CorpusDocument]] = {s: [] for s in SPLITS}
    for doc in sorted(docs, key=lambda d: d.id):
        result[fixed.get(doc.id) or which[group_key(doc)]].append(doc)
    return result


class _Tagger:
    """Sentence-split, tokenize and IOB2-tag documents with the project's stages."""

    def __init__(self) -> None:
        self.sections = SectionDetector()
        self.sentences = SentenceDetector()
        self.tokenizer = Tokenizer()

    def bounds(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Sentence and token ``(begin, end)`` offsets (inclusive) of ``text``, split as
        ``clinical_pipeline()`` splits it (a header never shares a sentence with its body)."""
        cuts = sentence_cuts(self.sections.sections(text))
        sentence_bounds = self.sentences.sentence_bounds(text, cuts)
        token_bounds: list[tuple[int, int]] = []
        # Tokenize each sentence on its own, as the pipeline does; offsets are shifted
        # back into the document.
        for begin, end in sentence_bounds:
            token_bounds.extend(
                (begin + b, begin + e)
                for b, e in self.tokenizer.token_bounds(text[begin : end + 1])
            )
        return sentence_bounds, token_bounds

    def __call__(self, doc: CorpusDocument) -> tuple[ConllDocument, Counter[str]]:
        return document_to_conll(doc, *self.bounds(doc.text))


def pipeline_tokens(text: str) -> list[str]:
    """The token strings the pipeline's SentenceDetector and Tokenizer give ``text``."""
    _, token_bounds = _Tagger().bounds(text)
    return [text[b : e + 1] for b, e in token_bounds]


def convert_corpus(corpus_name: str, data_path: str | Path, out_file: str | Path) -> Counter[str]:
    """Read any supported corpus folder (e.g. i2b2 2010 ``.txt`` + ``.con``), tokenize it
    with the pipeline's stages and write one IOB2 CoNLL file; returns alignment counts."""
    tagger = _Tagger()
    counts: Counter[str] = Counter()
    conll = []
    for doc in read(corpus_name, data_path):
        converted, doc_counts = tagger(doc)
        conll.append(converted)
        counts.update(doc_counts)
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_file, format_conll(conll))
    return counts


def _jsonl(docs: list[CorpusDocument]) -> str:
    return "".join(
        json.dumps(
            {
                "id": d.id,
                "source": d.source,
                "text": d.text,
                "spans": [[s.begin, s.end, s.label] for s in d.spans],
                "known_labels": sorted(d.known_labels) if d.known_labels else None,
            },
            ensure_ascii=False,
        )
        + "\n"
        for d in docs
    )


def _split_stats(
    docs: list[CorpusDocument], conll: list[ConllDocument], align: Counter[str]
) -> dict[str, Any]:
    labels: Counter[str] = Counter()
    for d in docs:
        labels.update(d.label_counts())
    return {
        "documents": len(docs),
        "sentences": sum(len(c.sentences) for c in conll),
        "tokens": sum(len(s) for c in conll for s in c.sentences),
        "entities": dict(sorted(labels.items())),
        "alignment": dict(sorted(align.items())),
    }


def build_corpus(data_dir: str | Path, out_dir: str | Path, seed: int = 13) -> dict[str, Any]:
    """Build the training corpus from ``data_dir`` into ``out_dir`` (see module doc).

    The build is written to a temporary folder beside ``out_dir`` and renamed into place
    when it is complete, so a failure leaves neither an empty nor a half-written folder
    (and an earlier build at ``out_dir`` stays as it was).

    Args:
        data_dir: the folder holding ``maccrobat/``, ``chia/`` and optionally ``bc5cdr/``
            and ``ncbi-disease/`` in their original formats.
        out_dir: where to write; an existing build there is replaced on success.
        seed: the split seed.

    Returns:
        The statistics also written to ``out_dir/stats.json``.

    Raises:
        NoCorpusFilesError: neither MACCROBAT nor Chia is under ``data_dir``.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    stats = atomic_write_folder(out_dir, lambda staging: _build_into(data_dir, staging, seed),
                                overwrite=True)
    logger.info("corpus built in %s: %s", out_dir, stats["main"])
    return stats


def _build_into(data_dir: Path, out_dir: Path, seed: int) -> dict[str, Any]:
    """:func:`build_corpus`'s work, into the (empty, existing) folder ``out_dir``."""
    tagger = _Tagger()
    stats: dict[str, Any] = {"seed": seed, "corpora": {}, "missing": []}
    main: dict[str, list[tuple[CorpusDocument, ConllDocument]]] = {s: [] for s in SPLITS}
    for name in MAIN_CORPORA + OPTIONAL_CORPORA:
        folder = data_dir / name
        if not folder.is_dir():
            stats["missing"].append(name)
            continue
        docs = read(name, folder)
        dropped: Counter[str] = Counter()
        repairs: Counter[str] = Counter()
        for d in docs:
            dropped.update(d.dropped)
            repairs.update(d.repairs)
        corpus_stats: dict[str, Any] = {
            "dropped": dict(sorted(dropped.items())),
            "repairs": dict(sorted(repairs.items())),
            "splits": {},
        }
        for split, split_docs in split_documents(docs, seed).items():
            tagged = [tagger(d) for d in split_docs]
            align: Counter[str] = Counter()
            for _, counts in tagged:
                align.update(counts)
            conll = [c for c, _ in tagged]
            corpus_stats["splits"][split] = _split_stats(split_docs, conll, align)
            if name in MAIN_CORPORA:
                main[split].extend(zip(split_docs, conll, strict=True))
            # Per-corpus files too, so every corpus can be scored on its own.
            atomic_write_text(out_dir / f"{name}.{split}.conll", format_conll(conll))
            atomic_write_text(out_dir / f"{name}.{split}.jsonl", _jsonl(split_docs))
        stats["corpora"][name] = corpus_stats
    if all(name in stats["missing"] for name in MAIN_CORPORA):
        raise NoCorpusFilesError(
            f"neither maccrobat/ nor chia/ is under {data_dir}; pass the data folder that "
            "holds them (see ../shared/data/README.md)"
        )
    for split in SPLITS:
        pairs = sorted(main[split], key=lambda p: (p[0].source, p[0].id))
        atomic_write_text(out_dir / f"{split}.conll", format_conll([c for _, c in pairs]))
        atomic_write_text(out_dir / f"{split}.jsonl", _jsonl([d for d, _ in pairs]))
    stats["main"] = _main_totals(stats)
    atomic_write_text(out_dir / "stats.json", json.dumps(stats, indent=2, sort_keys=True) + "\n")
    write_card(out_dir)
    return stats


def _main_totals(stats: dict[str, Any]) -> dict[str, Any]:
    """MACCROBAT + Chia totals per split, and the share of spans off token boundaries."""
    totals: dict[str, Any] = {}
    spans = off = 0
    for split in SPLITS:
        entry: dict[str, Any] = {"documents": 0, "sentences": 0, "tokens": 0, "entities": Counter()}
        for name in MAIN_CORPORA:
            part = stats["corpora"].get(name, {}).get("splits", {}).get(split)
            if part is None:
                continue
            for key in ("documents", "sentences", "tokens"):
                entry[key] += part[key]
            entry["entities"].update(part["entities"])
            spans += part["alignment"].get("spans", 0)
            off += part["alignment"].get("boundary_inside_token", 0)
        entry["entities"] = dict(sorted(entry["entities"].items()))
        totals[split] = entry
    totals["spans_off_token_boundaries"] = off
    totals["spans_off_token_boundaries_share"] = off / spans if spans else 0.0
    return totals
