"""ContextualAssertion: is each problem present, absent, possible, conditional,
hypothetical, or about someone else?

An implementation of ConText (Harkema, Dowling, Thornblade & Chapman, "ConText: an algorithm
for determining negation, experiencer, and temporal status from clinical reports", J Biomed
Inform 42(5), 2009), with the i2b2 2010 assertion classes as output.

Per sentence:

1. the sentence is split into word tokens (letter/digit runs and single punctuation
   characters, :data:`~clinical_ner.annotators.assertion_lexicon.TOKEN_RE`);
2. lexicon phrases are matched left to right, the LONGEST phrase at a position winning, so a
   pseudo-trigger ("no increase", "gram negative", "not resolved") hides the trigger inside
   it, and "cannot be ruled out" (possible) hides "ruled out" (absent);
3. each trigger's scope runs forward and/or backward from it (its ``direction``) until
   the sentence ends, a terminator ("but", "however", "except", "which", ";", ...) is
   reached, or the scope holds ``window`` word tokens (the rule's own, else the stage's
   ``scopeWindow``; punctuation does not count, so lists such as "no fever, chills, or
   night sweats" stay in scope);
4. a chunk is in a trigger's scope when its first token lies in a forward scope, its last
   token in a backward scope, or the trigger overlaps the chunk ("[possibility of a
   sarcoma]", "[no signs of endocarditis]"), except a negation noun or prefix inside the
   chunk, which is part of the problem's name (:data:`NAMING_NEGATIONS`: "absence of
   appetite", "non-productive cough");
5. when several triggers reach a chunk, the class that wins is the first of
   :data:`CLASS_PRIORITY` (experiencer, then negation: "mother had no cancer" is about
   the mother; "no suspicious nodules" is absent), then the nearest trigger.

Chunks whose entity label is not in ``entityLabels`` (default ``["PROBLEM"]``, as in
i2b2 2010) and chunks in no trigger's scope are ``present``.

Output: one ``assertion`` annotation per chunk, with the chunk's ``begin``/``end``, the
class as ``result``, and metadata ``chunk`` (the chunk's index), ``entity``,
``chunk_text``, ``sentence``, and when a trigger decided it ``trigger``, ``trigger_begin``,
``trigger_end`` (character offsets in the original text, end inclusive) and
``trigger_direction``; ``assessed`` is ``"false"`` for chunks the label filter skipped.

The lexicon (format in :mod:`clinical_ner.annotators.assertion_lexicon`) is a data file
bundled in the package; ``setLexicon(path)`` replaces it, ``addTriggers`` extends it. Both
store the rules as parameters, so a saved pipeline and Spark workers need no file.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.assertion_lexicon import (
    ABSENT,
    CONDITIONAL,
    HYPOTHETICAL,
    POSSIBLE,
    PRESENT,
    PSEUDO,
    SOMEONE_ELSE,
    TERMINATE,
    TOKEN_RE,
    LexiconRule,
    load_lexicon,
    make_rule,
)
from clinical_ner.annotators.base import Param, Transformer
from clinical_ner.errors import ConfigurationError

#: Which class wins when triggers of several classes reach one chunk (first wins).
CLASS_PRIORITY: tuple[str, ...] = (SOMEONE_ELSE, ABSENT, HYPOTHETICAL, POSSIBLE, CONDITIONAL)
#: First words of negation triggers that, inside a chunk, name the problem rather than
#: negate it ("absence of appetite", "lack of energy", "non-productive cough").
NAMING_NEGATIONS = frozenset({"absence", "lack", "lacking", "non", "absent", "free", "loss"})
#: Default largest scope of a trigger, in word tokens (best accuracy on the MACCROBAT
#: train+dev split among 5, 6, 8, 10, 12, 15, 20, 40).
DEFAULT_WINDOW = 6


@functools.lru_cache(maxsize=1)
def _bundled_rules() -> tuple[LexiconRule, ...]:
    return tuple(load_lexicon())


@dataclass(frozen=True, slots=True)
class _Match:
    """A lexicon phrase found at word tokens ``[start, stop)`` of a sentence."""

    start: int
    stop: int
    rules: tuple[LexiconRule, ...]


@dataclass(frozen=True, slots=True)
class _Scope:
    """The tokens one trigger rule reaches: ``[fwd_start, fwd_stop)`` forward and
    ``[back_start, back_stop)`` backward (empty ranges when that way is unused)."""

    match: _Match
    rule: LexiconRule
    fwd_start: int
    fwd_stop: int
    back_start: int
    back_stop: int


class _Lexicon:
    """Rules compiled for matching: first token -> (phrase tokens, rules), longest first."""

    def __init__(self, rules: Iterable[LexiconRule]) -> None:
        by_phrase: dict[tuple[str, ...], list[LexiconRule]] = {}
        for rule in rules:
            by_phrase.setdefault(rule.tokens, []).append(rule)
        self.index: dict[str, list[tuple[tuple[str, ...], tuple[LexiconRule, ...]]]] = {}
        for tokens, group in by_phrase.items():
            self.index.setdefault(tokens[0], []).append((tokens, tuple(group)))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def matches(self, words: Sequence[str]) -> list[_Match]:
        """Longest-first, left-to-right, non-overlapping phrase matches in ``words``."""
        found: list[_Match] = []
        i, n = 0, len(words)
        while i < n:
            for tokens, rules in self.index.get(words[i], ()):
                stop = i + len(tokens)
                if stop <= n and tuple(words[i:stop]) == tokens:
                    found.append(_Match(i, stop, rules))
                    i = stop
                    break
            else:
                i += 1
        return found


class ContextualAssertion(Transformer):
    """ConText assertion status of chunks (see the module docstring)."""

    PARAMS = (
        Param("entityLabels", ["PROBLEM"],
              "chunk labels to assess (empty: all); other chunks are 'present'"),
        Param("scopeWindow", DEFAULT_WINDOW,
              "largest scope of a trigger in word tokens, for rules without their own"),
        Param("lexiconRules", None,
              "the lexicon as [phrase, category, direction, window] rows; None: bundled"),
        Param("extraRules", [], "rules added by addTriggers, same row format"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT, AnnotatorType.CHUNK)
    OUTPUT_TYPE = AnnotatorType.ASSERTION

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["sentence", "ner_chunk"], outputCol="assertion")

    # ----- parameters -------------------------------------------------------------------
    def setEntityLabels(self, labels: Sequence[str]) -> ContextualAssertion:
        """Chunk labels to assess (default ``["PROBLEM"]``; empty assesses every chunk)."""
        if isinstance(labels, str):
            labels = [labels]
        return self._set(entityLabels=[str(x) for x in labels])

    #: Spark NLP's name for a label filter.
    setWhiteList = setEntityLabels

    def setScopeWindow(self, words: int) -> ContextualAssertion:
        """Largest scope in word tokens for rules that do not set their own."""
        if isinstance(words, bool) or int(words) < 1:
            raise ConfigurationError("scopeWindow is a number of words, at least 1")
        return self._set(scopeWindow=int(words))

    def setLexicon(self, path: str | Path | None) -> ContextualAssertion:
        """Replace the lexicon by the file at ``path`` (``None``: the bundled one). The
        file is read now and kept as parameters; rules from ``addTriggers`` stay."""
        if path is None:
            return self._set(lexiconRules=None)
        return self._set(lexiconRules=[r.to_list() for r in load_lexicon(path)])

    def setLexiconRules(self, rules: Iterable[LexiconRule | Sequence]) -> ContextualAssertion:
        """Replace the lexicon by rules given in code (``LexiconRule`` or rows)."""
        return self._set(lexiconRules=[_rule(r, "rule").to_list() for r in rules])

    def addTriggers(self, phrases: str | Iterable[str], category: str,
                    direction: str = "forward", window: int | None = None) -> ContextualAssertion:
        """Add trigger, pseudo-trigger or terminator phrases to the lexicon in use."""
        if isinstance(phrases, str):
            phrases = [phrases]
        added = [make_rule(p, category, direction, window, where=f"addTriggers({p!r})").to_list()
                 for p in phrases]
        return self._set(extraRules=[*self.getOrDefault("extraRules"), *added])

    def getLexicon(self) -> list[LexiconRule]:
        """Every rule in use: the lexicon, then the added triggers."""
        rows = self.getOrDefault("lexiconRules")
        base = list(_bundled_rules()) if rows is None else [_rule(r, "lexiconRules") for r in rows]
        return base + [_rule(r, "extraRules") for r in self.getOrDefault("extraRules")]

    def _on_params_changed(self) -> None:
        self._compiled = None

    def _lexicon(self) -> _Lexicon:
        compiled = getattr(self, "_compiled", None)
        if compiled is None:
            compiled = self._compiled = _Lexicon(self.getLexicon())
        return compiled

    # ----- annotation -------------------------------------------------------------------
    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        sentences, chunks = inputs
        labels = set(self.getOrDefault("entityLabels"))
        window = int(self.getOrDefault("scopeWindow"))
        lexicon = self._lexicon()
        ordered = sorted(sentences, key=lambda s: s.begin)
        starts = [s.begin for s in ordered]
        analysed: dict[int, _Sentence] = {}
        out = []
        for index, chunk in enumerate(chunks):
            metadata = {
                "chunk": chunk.metadata.get("chunk", str(index)),
                "entity": chunk.metadata.get("entity", ""),
                "chunk_text": chunk.result,
            }
            where = bisect.bisect_right(starts, chunk.begin) - 1
            if where >= 0:
                metadata["sentence"] = ordered[where].metadata.get("sentence", str(where))
            result = PRESENT
            if labels and metadata["entity"] not in labels:
                metadata["assessed"] = "false"
            elif where >= 0:
                sentence = analysed.get(where)
                if sentence is None:
                    sentence = analysed[where] = _Sentence(ordered[where], lexicon, window)
                decided = sentence.status(chunk.begin, chunk.end)
                if decided is not None:
                    result, scope = decided
                    m = scope.match
                    first, last = sentence.spans[m.start], sentence.spans[m.stop - 1]
                    base = ordered[where].begin
                    metadata.update(
                        trigger=ordered[where].result[first[0] : last[1]],
                        trigger_begin=str(base + first[0]),
                        trigger_end=str(base + last[1] - 1),
                        trigger_direction=scope.rule.direction,
                    )
            out.append(Annotation(AnnotatorType.ASSERTION, chunk.begin, chunk.end, result, metadata))
        return out

    def assess(self, sentence: Annotation, chunk: Annotation) -> str:
        """The class of one chunk within one sentence (a convenience for tests and tools)."""
        return self.annotate([[sentence], [chunk]])[0].result


class _Sentence:
    """One sentence's tokens, trigger matches and scopes."""

    def __init__(self, sentence: Annotation, lexicon: _Lexicon, window: int) -> None:
        self.begin = sentence.begin
        found = list(TOKEN_RE.finditer(sentence.result))
        self.spans = [(m.start(), m.end()) for m in found]
        words = [m.group().lower() for m in found]
        self.ends = [e for _, e in self.spans]
        # counts[i]: word tokens (not punctuation) before token i.
        self.counts = [0]
        for w in words:
            self.counts.append(self.counts[-1] + (w[0].isalnum()))
        matches = lexicon.matches(words)
        term_starts = {m.start for m in matches if any(r.category == TERMINATE for r in m.rules)}
        term_stops = {m.stop for m in matches if any(r.category == TERMINATE for r in m.rules)}
        n = len(words)
        self.scopes: list[_Scope] = []
        for m in matches:
            for rule in m.rules:
                if rule.category in (PSEUDO, TERMINATE):
                    continue
                size = rule.window or window
                fwd_stop = back_start = m.start
                fwd_start, back_stop = m.stop, m.start
                if rule.direction in ("forward", "both"):
                    k = m.stop
                    while k < n and k not in term_starts and self.counts[k + 1] - self.counts[m.stop] <= size:
                        k += 1
                    fwd_stop = k
                else:
                    fwd_stop = fwd_start
                if rule.direction in ("backward", "both"):
                    k = m.start
                    while k > 0 and k not in term_stops and self.counts[m.start] - self.counts[k - 1] <= size:
                        k -= 1
                    back_start = k
                self.scopes.append(_Scope(m, rule, fwd_start, fwd_stop, back_start, back_stop))

    def status(self, begin: int, end: int) -> tuple[str, _Scope] | None:
        """``(class, deciding scope)`` for the chunk at absolute offsets ``begin..end``
        (inclusive), or ``None`` when no trigger reaches it."""
        if not self.spans:
            return None
        local_begin, local_end = begin - self.begin, end - self.begin
        first = bisect.bisect_right(self.ends, local_begin)  # first token ending after begin
        last = max(first, bisect.bisect_right([s for s, _ in self.spans], local_end) - 1)
        best: tuple[int, int, _Scope] | None = None
        for scope in self.scopes:
            m = scope.match
            if m.start <= last and first < m.stop:
                # The trigger overlaps the chunk. Inside a chunk a negation noun or prefix
                # names the problem ("absence of appetite", "non-productive cough"), while
                # "[no signs of endocarditis]" is still negated.
                if scope.rule.category == ABSENT and m.start >= first and (
                    scope.rule.tokens[0] in NAMING_NEGATIONS
                ):
                    continue
                distance = 0
            elif scope.fwd_start <= first < scope.fwd_stop:
                distance = self.counts[first] - self.counts[m.stop]
            elif scope.back_start <= last < scope.back_stop:
                distance = self.counts[m.start] - self.counts[last + 1]
            else:
                continue
            key = (CLASS_PRIORITY.index(scope.rule.category), distance, scope)
            if best is None or key[:2] < best[:2]:
                best = key
        return None if best is None else (best[2].rule.category, best[2])


def _rule(row: LexiconRule | Sequence, where: str) -> LexiconRule:
    if isinstance(row, LexiconRule):
        return row
    row = list(row)
    if len(row) not in (2, 3, 4):
        raise ConfigurationError(f"{where}: a rule is [phrase, category, direction, window]")
    return make_rule(*row, where=where)
