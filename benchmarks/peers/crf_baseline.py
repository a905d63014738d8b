"""A linear-chain CRF with classic clinical NER features, in the spirit of CliNER's CRF
stage: the baseline every neural tagger has to beat.

Features of token ``i`` (sklearn-crfsuite feature dicts, one per token):

- the word, its lowercase, prefixes and suffixes of 1 to 4 characters, its length bucket;
- its shape (``Xxxx`` -> ``Xx``, ``10mg`` -> ``0a``) in full and collapsed form;
- casing (upper, title, lower, mixed), digits (all digits, has a digit, a number with a
  decimal point), punctuation (all punctuation, has a hyphen / slash / a ``%``);
- a window of +-2 tokens: their lowercase, shape and 3-character suffix, plus the
  lowercase bigrams that join token ``i`` to its neighbours;
- sentence boundaries (``BOS`` / ``EOS``) and the position in the sentence (first,
  last, or bucket);
- section context: the most recent heading-like line of the document (a sentence that
  opens with at most four words and a colon, such as ``Inclusion Criteria:`` or
  ``HISTORY:``), lowercased. Cheap, and how CliNER-style systems see note structure.

Training is L-BFGS with L1 (``c1``) and L2 (``c2``) penalties, a short grid tuned on dev.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from itertools import product
from typing import Any

import sklearn_crfsuite
from peer_data import PeerDocument, score

Features = dict[str, str | float | bool]

#: The c1 / c2 grid tried on dev, and the L-BFGS iterations of each fit.
GRID_C1 = (0.05, 0.2, 0.5)
GRID_C2 = (0.01, 0.1)
MAX_ITERATIONS = 150

_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")
_HEADING = re.compile(r"^[A-Za-z][A-Za-z/&]*( [A-Za-z/&]+){0,3} :")


def shape(word: str) -> str:
    """``Xx`` letters-and-digits shape: each character mapped to X, x, 0 or itself."""
    return _DIGIT.sub("0", _LOWER.sub("x", _UPPER.sub("X", word)))


def short_shape(word: str) -> str:
    """The shape with runs of one class collapsed (``Xxxxx`` -> ``Xx``)."""
    out: list[str] = []
    for ch in shape(word):
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _token_features(word: str) -> Features:
    lower = word.lower()
    feats: Features = {
        "w": word,
        "lw": lower,
        "shape": shape(word)[:12],
        "sshape": short_shape(word),
        "len": str(min(len(word), 10)),
        "upper": word.isupper(),
        "title": word.istitle(),
        "lower": word.islower(),
        "mixed": bool(_UPPER.search(word[1:])) and bool(_LOWER.search(word)),
        "digits": word.isdigit(),
        "has_digit": bool(_DIGIT.search(word)),
        "decimal": bool(re.fullmatch(r"[0-9]+[.,][0-9]+", word)),
        "punct": not any(ch.isalnum() for ch in word),
        "hyphen": "-" in word,
        "slash": "/" in word,
        "percent": "%" in word,
    }
    for n in range(1, 5):
        if len(lower) >= n:
            feats[f"p{n}"] = lower[:n]
            feats[f"s{n}"] = lower[-n:]
    return feats


def section_headings(sentences: Sequence[Sequence[str]]) -> list[str]:
    """For each sentence, the lowercased heading in force (``""`` before any heading).

    A heading-like sentence starts its own section (its tokens see that heading too).
    """
    current = ""
    out = []
    for words in sentences:
        joined = " ".join(words[:6])
        match = _HEADING.match(joined)
        if match:
            current = match.group(0)[:-2].lower()
        out.append(current)
    return out


def sentence_features(words: Sequence[str], section: str = "") -> list[Features]:
    """Feature dicts of every token in one sentence."""
    base = [_token_features(w) for w in words]
    n = len(words)
    out: list[Features] = []
    for i in range(n):
        feats: Features = {"bias": 1.0, **base[i]}
        feats["pos"] = "first" if i == 0 else "last" if i == n - 1 else str(min(i, 5))
        if section:
            feats["section"] = section
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                other = base[j]
                feats[f"{offset}:lw"] = str(other["lw"])
                feats[f"{offset}:sshape"] = str(other["sshape"])
                feats[f"{offset}:s3"] = str(other.get("s3", other["lw"]))
                if offset in (-1, 1):
                    feats[f"{offset}:title"] = bool(other["title"])
                    feats[f"{offset}:upper"] = bool(other["upper"])
            else:
                feats[f"{offset}:edge"] = "BOS" if j < 0 else "EOS"
        if i > 0:
            feats["-1|0"] = f"{base[i - 1]['lw']}|{base[i]['lw']}"
        if i < n - 1:
            feats["0|+1"] = f"{base[i]['lw']}|{base[i + 1]['lw']}"
        out.append(feats)
    return out


def featurize(docs: Sequence[PeerDocument]) -> list[list[Features]]:
    """Feature sequences of every sentence of ``docs``, in order."""
    out = []
    for doc in docs:
        for words, section in zip(doc.sentences, section_headings(doc.sentences), strict=True):
            out.append(sentence_features(words, section))
    return out


def fit(
    x: list[list[Features]], y: list[list[str]], c1: float, c2: float,
    max_iterations: int = MAX_ITERATIONS,
) -> sklearn_crfsuite.CRF:
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=c1,
        c2=c2,
        max_iterations=max_iterations,
        all_possible_transitions=True,
    )
    crf.fit(x, y)
    return crf


def predict(crf: sklearn_crfsuite.CRF, docs: Sequence[PeerDocument]) -> list[list[list[str]]]:
    """IOB tags per document, per sentence."""
    flat = crf.predict(featurize(docs))
    out, k = [], 0
    for doc in docs:
        out.append([list(tags) for tags in flat[k : k + len(doc.sentences)]])
        k += len(doc.sentences)
    return out


def train_and_tune(
    train_docs: Sequence[PeerDocument],
    dev_docs: Sequence[PeerDocument],
    grid_c1: Sequence[float] = GRID_C1,
    grid_c2: Sequence[float] = GRID_C2,
    max_iterations: int = MAX_ITERATIONS,
) -> tuple[sklearn_crfsuite.CRF, dict[str, Any]]:
    """Fit one CRF per ``(c1, c2)`` on train; keep the best strict micro-F1 on combined dev.

    Returns the best model and a record of the search (dev scores and seconds per fit).
    """
    start = time.perf_counter()
    x_train = featurize(train_docs)
    y_train = [tags for doc in train_docs for tags in doc.tags]
    featurize_seconds = time.perf_counter() - start
    trials: list[dict[str, Any]] = []
    best: tuple[float, sklearn_crfsuite.CRF, dict[str, Any]] | None = None
    for c1, c2 in product(grid_c1, grid_c2):
        fit_start = time.perf_counter()
        crf = fit(x_train, y_train, c1, c2, max_iterations)
        fit_seconds = time.perf_counter() - fit_start
        dev_scores = score(dev_docs, predict(crf, dev_docs))
        strict = dev_scores["combined"]["strict"]["micro"]["f1"]
        trial = {
            "c1": c1,
            "c2": c2,
            "fit_seconds": fit_seconds,
            "dev_strict_f1": strict,
            "dev_lenient_f1": dev_scores["combined"]["lenient"]["micro"]["f1"],
            "features": len(crf.state_features_),
        }
        trials.append(trial)
        print(f"crf c1={c1} c2={c2}: dev strict F1 {strict:.4f} ({fit_seconds:.0f} s)", flush=True)
        if best is None or strict > best[0]:
            best = (strict, crf, trial)
    assert best is not None, "the c1/c2 grid is empty"
    return best[1], {
        "features": "word, lowercase, prefixes/suffixes 1-4, shape, casing, digits, "
        "punctuation, +-2 window (lowercase, shape, suffix-3), bigrams, position, section heading",
        "algorithm": "lbfgs",
        "max_iterations": max_iterations,
        "all_possible_transitions": True,
        "grid": {"c1": list(grid_c1), "c2": list(grid_c2)},
        "trials": trials,
        "best": {"c1": best[2]["c1"], "c2": best[2]["c2"]},
        "featurize_seconds": featurize_seconds,
        "train_seconds": time.perf_counter() - start,
    }
