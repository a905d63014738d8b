"""Tokenizer: sentence (or document) annotations -> ``token`` annotations.

Made for clinical text. Tokens are found by one compiled regular expression whose
alternatives are tried in this order at each position (whitespace is skipped):

1. ``infixPatterns`` (user regexes, in the order given);
2. ``exceptions``: strings kept whole, case-insensitive unless ``caseSensitiveExceptions``
   (defaults: "Dr.", "vs.", "approx.", "mg.", "c/o", "s/p", "w/o", ...);
3. dotted abbreviations: "b.i.d.", "p.o.", "e.g.", "a.m.";
4. times: "10:30", "08:15:00";
5. numbers with decimals, thousands, ratios, dates and percent: "3.5", "0.9%", "1,000",
   "120/80", "2/6", "12/03/2019"; a unit glued to a number is split off ("81mg" gives
   ``81``, ``mg``) but ordinals are not ("2nd"); a number followed by a hyphen is left to
   the word rule ("81-year-old", "2019-03-12" stay one token);
6. words, with inner hyphens and apostrophes: "non-small-cell", "COVID-19", "patient's",
   "x3"; a word never contains a ``splitChars`` character;
7. any other single character (punctuation, slash, bracket, emoji, symbol).

So "BP 120/80." gives ``BP``, ``120/80``, ``.``; "nausea/vomiting" gives ``nausea``, ``/``,
``vomiting``; "(CXR)" gives ``(``, ``CXR``, ``)``. With ``targetPattern`` set, tokens are
simply the matches of that pattern instead. Tokens shorter than ``minLength`` or longer
than ``maxLength`` characters are dropped (Spark NLP's semantics). Offsets always index
the original text: ``text[begin:end+1] == result``.

As in Spark NLP, :class:`Tokenizer` is an estimator: ``Tokenizer().fit(data)`` (the rules
need no data) returns a :class:`TokenizerModel` with the same parameters, and
``Pipeline.fit`` does so for a Tokenizer stage. A Tokenizer also still tokenizes by itself,
so pipelines built or saved with it as a transformer keep working.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators import abbreviations
from clinical_ner.errors import ConfigurationError
from clinical_ner.stage import Estimator, Param, Transformer

# Combining marks (U+0300-U+036F) are part of the word they follow ("cafe\u0301").
_W = r"[\w\u0300-\u036f]"


class _TokenizerRules(Transformer):
    """The parameters and rules shared by :class:`Tokenizer` and :class:`TokenizerModel`:
    splits sentences into tokens (see the module docstring)."""

    PARAMS = (
        Param("exceptions", list(abbreviations.TOKEN_EXCEPTIONS), "strings kept as one token"),
        Param("caseSensitiveExceptions", False, "match exceptions case-sensitively"),
        Param("splitChars", [], "characters always split off as their own token"),
        Param("infixPatterns", [], "regexes tried first, in order, each match one token"),
        Param("targetPattern", None, "if set, tokens are exactly this regex's matches"),
        Param("minLength", 0, "drop tokens shorter than this (characters)"),
        Param("maxLength", 99999, "drop tokens longer than this (characters)"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT,)
    OUTPUT_TYPE = AnnotatorType.TOKEN

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["sentence"], outputCol="token")

    def setExceptions(self, values: Sequence[str]) -> _TokenizerRules:
        return self._set(exceptions=list(values))

    def addException(self, value: str) -> _TokenizerRules:
        return self._set(exceptions=[*self.getOrDefault("exceptions"), value])

    def setCaseSensitiveExceptions(self, value: bool) -> _TokenizerRules:
        return self._set(caseSensitiveExceptions=bool(value))

    def setSplitChars(self, chars: Sequence[str]) -> _TokenizerRules:
        if any(len(c) != 1 for c in chars):
            raise ConfigurationError("splitChars must be single characters")
        return self._set(splitChars=list(chars))

    def setInfixPatterns(self, patterns: Sequence[str]) -> _TokenizerRules:
        for p in patterns:
            _compile(p, "infix pattern")
        return self._set(infixPatterns=list(patterns))

    def setTargetPattern(self, pattern: str | None) -> _TokenizerRules:
        if pattern is not None:
            _compile(pattern, "target pattern")
        return self._set(targetPattern=pattern)

    def setMinLength(self, value: int) -> _TokenizerRules:
        return self._set(minLength=int(value))

    def setMaxLength(self, value: int) -> _TokenizerRules:
        return self._set(maxLength=int(value))

    def _on_params_changed(self) -> None:
        self._pattern = self._build_pattern()

    def _build_pattern(self) -> re.Pattern[str]:
        target = self.getOrDefault("targetPattern")
        if target is not None:
            return _compile(target, "target pattern")
        split_chars = "".join(re.escape(c) for c in self.getOrDefault("splitChars"))
        # A word character that is not a split character.
        w = f"(?:(?![{split_chars}]){_W})" if split_chars else _W
        joiners = "[" + "".join(c for c in "-'’" if c not in self.getOrDefault("splitChars")) + "]"
        joiners = joiners if joiners != "[]" else "(?!)"
        exceptions = sorted(set(self.getOrDefault("exceptions")), key=len, reverse=True)
        case_sensitive = self.getOrDefault("caseSensitiveExceptions")
        alternatives = [f"(?:{p})" for p in self.getOrDefault("infixPatterns")]
        exceptions = [e if case_sensitive else e.lower() for e in exceptions if e]
        if exceptions:
            group = _trie_regex(exceptions)
            alternatives.append(group if case_sensitive else f"(?i:{group})")
        alternatives += [
            r"(?:[A-Za-z]\.){2,}",
            r"\d{1,2}:\d{2}(?::\d{2})?(?!\d)",
            # a number glued to a unit ("81mg", "3.5mg", "120/80mmHg"), not an ordinal
            r"\d+(?:[.,]\d+)*(?:/\d+(?:[.,]\d+)*)*%?(?=[A-Za-z])"
            r"(?!(?<=1)st|(?<=2)nd|(?<=3)rd|th)",
            # a free-standing number; backtracking into "81-year-old" or "3.5" is refused
            r"\d+(?:[.,]\d+)*(?:/\d+(?:[.,]\d+)*)*%?(?![\w-]|[.,/]\d)",
            rf"{w}+(?:{joiners}{w}+)*",
            r"\S",
        ]
        # The lookahead makes whitespace positions fail at once instead of trying every
        # alternative (benchmarks/text_stages.py times the tokenizer on notes).
        return re.compile("(?=\\S)(?:" + "|".join(alternatives) + ")")

    def token_bounds(self, text: str) -> list[tuple[int, int]]:
        """Token spans of ``text`` as ``(begin, end)`` offsets, ``end`` inclusive."""
        min_length = self.getOrDefault("minLength")
        max_length = self.getOrDefault("maxLength")
        bounds = []
        for match in self._pattern.finditer(text):
            start, stop = match.span()
            if stop == start or not min_length <= stop - start <= max_length:
                continue
            bounds.append((start, stop - 1))
        return bounds

    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        (sentences,) = inputs
        out: list[Annotation] = []
        token_type = AnnotatorType.TOKEN
        min_length = self.getOrDefault("minLength")
        max_length = self.getOrDefault("maxLength")
        finditer = self._pattern.finditer
        for index, sentence in enumerate(sentences):
            text = sentence.result
            base = sentence.begin
            sentence_id = sentence.metadata.get("sentence", str(index))
            for match in finditer(text):
                start, stop = match.span()
                if stop == start or not min_length <= stop - start <= max_length:
                    continue
                out.append(
                    Annotation(
                        token_type,
                        base + start,
                        base + stop - 1,
                        match.group(),
                        {"sentence": sentence_id},
                    )
                )
        return out


class TokenizerModel(_TokenizerRules):
    """The fitted tokenizer (Spark NLP's ``TokenizerModel``): what ``Tokenizer().fit()``
    returns; same parameters and setters as :class:`Tokenizer`."""


class Tokenizer(_TokenizerRules, Estimator):
    """Spark NLP's ``Tokenizer``: an estimator whose :meth:`fit` returns a
    :class:`TokenizerModel`. It also tokenizes by itself (``transform_rows``,
    ``annotate``), so code and saved pipelines that use it as a transformer keep working."""

    def fit(self, data: Any = None) -> TokenizerModel:
        """A :class:`TokenizerModel` with this stage's parameters. The rules need no
        data: ``data`` (texts, rows, a DataFrame or None) is accepted and not read."""
        return TokenizerModel()._set(**self.explicit_params())


def _trie_regex(words: list[str]) -> str:
    """One regex matching any of ``words``, longest first, with common prefixes factored
    out so a mismatch fails after one character instead of once per word. A word that
    ends in a word character must not be followed by one ("c/o" but not "c/ox")."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict], last: str) -> str:
        branches = []
        for char in sorted((c for c in node if c), key=lambda c: -_depth(node[c])):
            branches.append(re.escape(char) + build(node[char], char))
        if "" in node:
            branches.append(r"(?!\w)" if re.match(r"\w", last) else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return build(trie, "")


def _depth(node: dict[str, dict]) -> int:
    return 1 + max((_depth(child) for child in node.values()), default=0)


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigurationError(f"{what} {pattern!r} is not a valid regex: {exc}") from None
