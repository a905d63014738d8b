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
   it, and "cannot be ruled out" (possible) hides "ruled out" (absent). The hidden trigger
   still reaches a chunk INSIDE the pseudo-trigger ("without [improvement]");
3. each trigger's scope runs forward and/or backward from it (its ``direction``) until
   the sentence or a line ends, a terminator ("but", "however", "except", "which", ";",
   ...) is reached, or the scope holds ``window`` word tokens (the rule's own, else the
   stage's ``scopeWindow``; punctuation does not count). A hedge inside a negation's
   forward scope is negated with it ("no signs suggesting myocarditis": absent);
4. a chunk is in a trigger's scope when its first token lies in a forward scope, its last
   token in a backward scope, or the trigger overlaps the chunk ("[possibility of a
   sarcoma]", "[no signs of endocarditis]"), except a trigger that is part of a chunk's
   name, which then triggers nothing at all: a negation noun or prefix the chunk starts
   with (:data:`NAMING_NEGATIONS`: "[absence of appetite] and vomiting", "[non-productive
   cough]") or a forward trigger after the chunk's first word ("[could not move]"). A
   terminator the chunk starts with does not end the scope for that chunk ("failed to
   identify an apparent [source of bleeding]");
5. when several triggers reach a chunk, the class that wins is the first of
   :data:`CLASS_PRIORITY` (experiencer, then negation: "mother had no cancer" is about
   the mother; "no suspicious nodules" is absent), then the nearest trigger;
6. a chunk no trigger reaches takes the class of its neighbour in a LIST ("no fever,
   chills, night sweats or weight loss"; "A, B and C were ruled out"), so long lists
   are not cut by the window: two chunks are linked when only list words lie between
   them (:meth:`_Sentence.linked`: a comma, "and", "or", "nor", "/", with articles and
   brackets, at most :data:`LIST_FILLERS` other words, no verb or pronoun, no lexicon
   phrase, no line break). Only negation and experiencer pass along lists
   (:data:`LIST_CLASSES`), forward decisions to the next item and backward ones to the
   previous item, and only from triggers whose window is at least
   :data:`LIST_MIN_WINDOW` words. Every chunk of the sentence, assessed or not, can be a
   list item.

Chunks whose entity label is not in ``entityLabels`` (default ``["PROBLEM"]``, as in
i2b2 2010) and chunks in no trigger's scope are ``present``.

Output: one ``assertion`` annotation per chunk, with the chunk's ``begin``/``end``, the
class as ``result``, and metadata ``chunk`` (the chunk's index), ``entity``,
``chunk_text``, ``sentence``, and when a trigger decided it ``trigger``, ``trigger_begin``,
``trigger_end`` (character offsets in the original text, end inclusive) and
``trigger_direction``, and ``via_list`` ``"true"`` when the class came from a list
neighbour; ``assessed`` is ``"false"`` for chunks the label filter skipped. A chunk with a
``section`` (from the SectionDetector, through the NerConverter) keeps it in the metadata,
and when no trigger reaches it its section's rule decides (``section_rule`` names the
section): problems under ``family_history`` are about someone else and under
``discharge_instructions`` hypothetical, by the lexicon's ``section`` rules.

The lexicon (format in :mod:`clinical_ner.annotators.assertion_lexicon`) is a data file
bundled in the package; ``setLexicon(path)`` replaces it, ``addTriggers`` extends it. Both
store the rules as parameters, so a saved pipeline and Spark workers need no file.
"""

from __future__ import annotations

import bisect
import dataclasses
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
    SECTION_RULE,
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
#: train+dev split among 5, 6, 8, 10, 12, 15, 20, 40; still best among 5, 6, 8, 10 with
#: the list rules below, which carry negation further than any window).
DEFAULT_WINDOW = 6
#: Tokens that join the items of a list ("fever, chills, and/or night sweats").
LIST_JOINERS = frozenset({",", "and", "or", "nor", "/", "&"})
#: Tokens between list items that count neither as joiners nor as other words: brackets
#: and articles ("no varices, gastropathy, or other [GI lesions]", "neither [plaque
#: rupture] or the presence of [thrombus]").
LIST_NEUTRAL = frozenset({"(", ")", "a", "an", "the", "any", "other"})
#: Classes that pass along a list. Negation distributes over a list ("no fever, chills,
#: night sweats or weight loss") and so does a relative ("her mother had asthma and
#: eczema"); a condition belongs to the one problem it follows ("fatigue and dyspnea on
#: exertion"), and hedges and plans passed along lists were mostly wrong on the MACCROBAT
#: train+dev and Chia documents ("suspected X, including A, B").
LIST_CLASSES = frozenset({ABSENT, SOMEONE_ELSE})
#: Smallest scope (words) of a trigger whose decision passes along a list.
LIST_MIN_WINDOW = 3
#: Largest number of other words between two list items that still link them ("no
#: history of [decreased urine output], dialysis, [effort intolerance]"; on MACCROBAT
#: train+dev, absent F1 0.932 with 0 or 1, 0.940 with 2, 0.941 with 3).
LIST_FILLERS = 2
#: Words that start a new clause between two chunks, so the chunks are not one list
#: ("had not displayed any seizures and had demonstrated ..."); words ending in "-ed"
#: count too (finite verbs and participles: "and showed", "and was treated").
CLAUSE_WORDS = frozenset({
    "he", "she", "they", "it", "we", "i", "you", "there", "this", "that", "these", "those",
    "who", "which", "whose", "when", "where", "while", "after", "before", "then",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does",
    "did", "will", "would", "can", "could", "may", "might", "should", "must", "shall",
})


@functools.lru_cache(maxsize=1)
def _bundled_rules() -> tuple[LexiconRule, ...]:
    return tuple(load_lexicon())


@dataclass(frozen=True, slots=True)
class _Match:
    """A lexicon phrase found at word tokens ``[start, stop)`` of a sentence. A trigger
    found inside a pseudo-trigger has ``within`` set to the pseudo-trigger's
    ``(start, stop)``: it reaches only chunks inside that phrase ("without
    [improvement]", "did not [tolerate]")."""

    start: int
    stop: int
    rules: tuple[LexiconRule, ...]
    within: tuple[int, int] | None = None


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
    #: the class given: the rule's, or ``absent`` for a hedge inside a negation's scope
    category: str = ""
    #: the negation trigger that makes a hedge a negation ("no signs suggesting ...")
    negated_by: _Match | None = None


def _is_trigger(rule: LexiconRule) -> bool:
    return rule.category not in (PSEUDO, TERMINATE)


class _Lexicon:
    """Rules compiled for matching: first token -> (phrase tokens, rules), longest first."""

    def __init__(self, rules: Iterable[LexiconRule]) -> None:
        by_phrase: dict[tuple[str, ...], list[LexiconRule]] = {}
        #: section name -> the class of its chunks that no trigger reaches
        self.section_defaults: dict[str, str] = {}
        for rule in rules:
            if rule.direction == SECTION_RULE:
                self.section_defaults[rule.phrase.strip().lower()] = rule.category
                continue
            by_phrase.setdefault(rule.tokens, []).append(rule)
        self.index: dict[str, list[tuple[tuple[str, ...], tuple[LexiconRule, ...]]]] = {}
        for tokens, group in by_phrase.items():
            self.index.setdefault(tokens[0], []).append((tokens, tuple(group)))
        for entries in self.index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def _longest_trigger(self, words: Sequence[str], i: int,
                         stop: int) -> tuple[int, tuple[LexiconRule, ...]] | None:
        """``(end, trigger rules)`` of the longest trigger phrase at ``words[i]`` that
        ends by ``stop``, or ``None``."""
        for tokens, rules in self.index.get(words[i], ()):
            end = i + len(tokens)
            if end <= stop and tuple(words[i:end]) == tokens:
                triggers = tuple(r for r in rules if _is_trigger(r))
                if triggers:
                    return end, triggers
        return None

    def matches(self, words: Sequence[str]) -> list[_Match]:
        """Longest-first, left-to-right, non-overlapping phrase matches in ``words``,
        then the triggers hidden inside each pseudo-trigger (``within`` set)."""
        found: list[_Match] = []
        i, n = 0, len(words)
        index = self.index
        while i < n:
            for tokens, rules in index.get(words[i], ()):
                stop = i + len(tokens)
                if stop <= n and tuple(words[i:stop]) == tokens:
                    found.append(_Match(i, stop, rules))
                    i = stop
                    break
            else:
                i += 1
        inner: list[_Match] = []
        for m in found:
            if not any(r.category == PSEUDO for r in m.rules):
                continue
            j = m.start
            while j < m.stop:
                hit = self._longest_trigger(words, j, m.stop)
                if hit is None or (j == m.start and hit[0] == m.stop):
                    j += 1
                    continue
                inner.append(_Match(j, hit[0], hit[1], (m.start, m.stop)))
                j = hit[0]
        return found + inner


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
    #: Spark NLP healthcare's form, ``setInputCols(["sentence", "token", "ner_chunk"])``;
    #: the token column is accepted and not read (ConText finds its own word tokens).
    ALTERNATIVE_INPUT_TYPES = (
        (AnnotatorType.DOCUMENT, AnnotatorType.TOKEN, AnnotatorType.CHUNK),
    )
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
        self._compiled: _Lexicon | None = None

    def _lexicon(self) -> _Lexicon:
        compiled = getattr(self, "_compiled", None)
        if compiled is None:
            compiled = self._compiled = _Lexicon(self.getLexicon())
        return compiled

    # ----- annotation -------------------------------------------------------------------
    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        # [sentence, chunk] or the healthcare form [sentence, token, chunk]
        sentences, chunks = inputs[0], inputs[-1]
        labels = set(self.getOrDefault("entityLabels"))
        window = int(self.getOrDefault("scopeWindow"))
        lexicon = self._lexicon()
        ordered = sorted(sentences, key=lambda s: s.begin)
        starts = [s.begin for s in ordered]
        where = [bisect.bisect_right(starts, c.begin) - 1 for c in chunks]
        assessed = [not labels or c.metadata.get("entity", "") in labels for c in chunks]
        # Every chunk of a sentence takes part in list propagation (a TREATMENT chunk is
        # still an item of "no fever, antibiotics, or cough"); only sentences with an
        # assessed chunk are analysed.
        members: dict[int, list[int]] = {}
        for index, w in enumerate(where):
            if w >= 0:
                members.setdefault(w, []).append(index)
        decided: dict[int, _Decision] = {}
        for w, indices in members.items():
            if any(assessed[i] for i in indices):
                sentence = _Sentence(ordered[w], lexicon, window)
                decided.update(sentence.statuses([(i, chunks[i].begin, chunks[i].end) for i in indices]))
        out = []
        for index, chunk in enumerate(chunks):
            metadata = {
                "chunk": chunk.metadata.get("chunk", str(index)),
                "entity": chunk.metadata.get("entity", ""),
                "chunk_text": chunk.result,
            }
            w = where[index]
            if w >= 0:
                metadata["sentence"] = ordered[w].metadata.get("sentence", str(w))
            result = PRESENT
            decision = decided.get(index)
            section = chunk.metadata.get("section", "")
            if section:
                metadata["section"] = section
            if not assessed[index]:
                metadata["assessed"] = "false"
            elif decision is None and section in lexicon.section_defaults:
                result = lexicon.section_defaults[section]
                metadata["section_rule"] = section
            elif decision is not None:
                result, scope = decision.category, decision.scope
                first, last = decision.trigger_span
                sentence_annotation = ordered[w]
                base = sentence_annotation.begin
                metadata.update(
                    trigger=sentence_annotation.result[first:last],
                    trigger_begin=str(base + first),
                    trigger_end=str(base + last - 1),
                    trigger_direction=scope.rule.direction,
                )
                if decision.via_list:
                    metadata["via_list"] = "true"
            out.append(Annotation(AnnotatorType.ASSERTION, chunk.begin, chunk.end, result, metadata))
        return out

    def assess(self, sentence: Annotation, chunk: Annotation) -> str:
        """The class of one chunk within one sentence (a convenience for tests and tools)."""
        return self.annotate([[sentence], [chunk]])[0].result


@dataclass(frozen=True, slots=True)
class _Decision:
    """Why a chunk got its class: the deciding ``scope``, which way the trigger reached
    it (``"forward"``: the trigger is before the chunk or overlaps it with a forward
    scope; ``"backward"``: after it or overlapping with a backward scope), its character
    span in the sentence (``[start, stop)``), and whether it came through a list."""

    category: str
    scope: _Scope
    way: str
    trigger_span: tuple[int, int]
    via_list: bool = False


class _Sentence:
    """One sentence's tokens, trigger matches and scopes."""

    def __init__(self, sentence: Annotation, lexicon: _Lexicon, window: int) -> None:
        self.begin = sentence.begin
        self.window = window
        found = list(TOKEN_RE.finditer(sentence.result))
        self.spans = [(m.start(), m.end()) for m in found]
        # breaks[i]: a line break lies between token i - 1 and token i. A line ends every
        # scope and every list: list items and form fields often stand one per line.
        text = sentence.result
        self.breaks = [False] * len(self.spans)
        if "\n" in text or "\r" in text:
            for i in range(1, len(self.spans)):
                gap = text[self.spans[i - 1][1] : self.spans[i][0]]
                self.breaks[i] = "\n" in gap or "\r" in gap
        self.words = words = [m.group().lower() for m in found]
        self.starts = [s for s, _ in self.spans]
        self.ends = [e for _, e in self.spans]
        # counts[i]: word tokens (not punctuation) before token i.
        self.counts = [0]
        for w in words:
            self.counts.append(self.counts[-1] + (w[0].isalnum()))
        matches = lexicon.matches(words)
        # in_match[i]: token i belongs to a lexicon phrase (trigger, pseudo or terminator).
        self.in_match = [False] * len(words)
        for m in matches:
            if m.within is None:
                for k in range(m.start, m.stop):
                    self.in_match[k] = True
        terminators = [m for m in matches if any(r.category == TERMINATE for r in m.rules)]
        # first token -> stop of each terminator (a dict doubles as the set of starts)
        self.term_starts = term_starts = {m.start: m.stop for m in terminators}
        term_stops = {m.stop for m in terminators}
        n = len(words)
        self.scopes: list[_Scope] = []
        for m in matches:
            low, high = m.within or (0, n)
            for rule in m.rules:
                if not _is_trigger(rule):
                    continue
                size = rule.window or window
                fwd_start = fwd_stop = m.stop
                back_start = back_stop = m.start
                if rule.direction in ("forward", "both"):
                    k = m.stop
                    while (k < high and k not in term_starts and not self.breaks[k]
                           and self.counts[k + 1] - self.counts[m.stop] <= size):
                        k += 1
                    fwd_stop = k
                if rule.direction in ("backward", "both"):
                    k = m.start
                    while (k > low and k not in term_stops and not self.breaks[k]
                           and self.counts[m.start] - self.counts[k - 1] <= size):
                        k -= 1
                    back_start = k
                self.scopes.append(_Scope(m, rule, fwd_start, fwd_stop, back_start, back_stop, rule.category))
        # A hedge inside a negation's forward scope is negated with it: "no signs
        # suggesting myocarditis", "never experienced signs suggestive of PID".
        negations = [sc for sc in self.scopes if sc.category == ABSENT and sc.match.within is None]
        for index, scope in enumerate(self.scopes):
            if scope.category != POSSIBLE:
                continue
            for neg in negations:
                if neg.fwd_start <= scope.match.start < neg.fwd_stop:
                    self.scopes[index] = dataclasses.replace(scope, category=ABSENT, negated_by=neg.match)
                    break

    def tokens_of(self, begin: int, end: int) -> tuple[int, int]:
        """``(first, last)`` token indices of absolute offsets ``begin..end`` (inclusive)."""
        local_begin, local_end = begin - self.begin, end - self.begin
        first = bisect.bisect_right(self.ends, local_begin)  # first token ending after begin
        last = max(first, bisect.bisect_right(self.starts, local_end) - 1)
        return first, last

    @staticmethod
    def names(scope: _Scope, first: int, last: int) -> bool:
        """True when ``scope``'s trigger is part of the name of the chunk on tokens
        ``first..last``: a forward trigger after the chunk's first word ("[could not
        move]") or a negation noun or prefix the chunk starts with ("[absence of
        appetite]", "[non-productive cough]"); "[no signs of endocarditis]" is negated."""
        m = scope.match
        if not (m.start <= last and first < m.stop and m.start >= first):
            return False
        if m.start > first and scope.rule.direction == "forward":
            return True
        return scope.rule.category == ABSENT and scope.rule.tokens[0] in NAMING_NEGATIONS

    def status(self, first: int, last: int, disabled: frozenset[int] = frozenset()) -> _Decision | None:
        """The decision for the chunk on tokens ``first..last``, or ``None`` when no
        trigger reaches it; scopes whose index is in ``disabled`` are skipped."""
        best: tuple[int, int, _Scope, str] | None = None
        for index, scope in enumerate(self.scopes):
            if index in disabled:
                continue
            m = scope.match
            if m.within is not None and not (m.within[0] <= first and last < m.within[1]):
                continue  # a trigger inside a pseudo-trigger reaches only chunks inside it
            if m.start <= last and first < m.stop:
                if self.names(scope, first, last):
                    continue
                distance = 0
                way = "backward" if scope.rule.direction == "backward" else "forward"
            elif scope.fwd_start <= first < scope.fwd_stop or (
                # a terminator the chunk starts with is part of its name: "failed to
                # identify an apparent [source of bleeding]"
                first == scope.fwd_stop and self.term_starts.get(first, last + 2) <= last + 1
            ):
                distance = self.counts[first] - self.counts[m.stop]
                way = "forward"
            elif scope.back_start <= last < scope.back_stop:
                distance = self.counts[m.start] - self.counts[last + 1]
                way = "backward"
            else:
                continue
            key = (CLASS_PRIORITY.index(scope.category), distance)
            if best is None or key < best[:2]:
                best = (*key, scope, way)
        if best is None:
            return None
        scope, way = best[2], best[3]
        m = scope.negated_by or scope.match
        span = (self.spans[m.start][0], self.spans[m.stop - 1][1])
        return _Decision(scope.category, scope, way, span)

    def linked(self, left_last: int, right_first: int) -> bool:
        """True when the tokens between two chunks only join list items: at least one
        of :data:`LIST_JOINERS` (brackets are neutral), at most :data:`LIST_FILLERS`
        other words, no clause word, no line break, and no lexicon phrase (a trigger or
        terminator in between starts a new context). A bracket right after a chunk
        links it to the abbreviation inside ("pelvic inflammatory disease [(PID)]")."""
        if right_first <= left_last or right_first >= len(self.words):
            return False
        if any(self.breaks[left_last + 1 : right_first + 1]):
            return False
        if right_first == left_last + 1:
            return self.words[right_first] == "("
        if right_first == left_last + 2 and self.words[left_last + 1] == "(":
            return True
        joined = False
        fillers = 0
        for k in range(left_last + 1, right_first):
            if self.in_match[k]:
                return False
            word = self.words[k]
            if word in LIST_JOINERS:
                joined = True
            elif word in LIST_NEUTRAL:
                continue
            elif word in CLAUSE_WORDS or (len(word) > 4 and word.endswith("ed")):
                return False
            else:
                fillers += 1
                if fillers > LIST_FILLERS:
                    return False
        return joined

    def passes_on(self, decision: _Decision) -> bool:
        """True when ``decision`` may pass along a list: its class is in
        :data:`LIST_CLASSES` and its trigger reaches further than
        :data:`LIST_MIN_WINDOW` words (a prefix such as "non-" or "-free" binds one
        word: "non-smoking, or smoking no more than 10 cigarettes")."""
        rule = decision.scope.rule
        return decision.category in LIST_CLASSES and (rule.window or self.window) >= LIST_MIN_WINDOW

    def statuses(self, chunks: Sequence[tuple[int, int, int]]) -> dict[int, _Decision]:
        """Decisions for ``(key, begin, end)`` chunks of this sentence, by key.

        A chunk no trigger reaches takes the decision of its neighbour in a list
        ("no fever, chills, night sweats or weight loss"): forward decisions pass to the
        next list item, backward ones ("A, B and C were ruled out") to the previous one.
        """
        if not self.spans:
            return {}
        items = sorted(((*self.tokens_of(b, e), key) for key, b, e in chunks))
        # A trigger that is part of a chunk's name is no trigger for any chunk: "she had
        # [absence of appetite] and [vomiting]" leaves the vomiting present.
        disabled = frozenset(
            index for index, scope in enumerate(self.scopes)
            if any(self.names(scope, first, last) for first, last, _ in items)
        )
        own = [self.status(first, last, disabled) for first, last, _ in items]
        final = list(own)
        for j in range(1, len(items)):
            prev = final[j - 1]
            if (final[j] is None and prev is not None and prev.way == "forward"
                    and self.passes_on(prev) and self.linked(items[j - 1][1], items[j][0])):
                final[j] = _Decision(prev.category, prev.scope, prev.way, prev.trigger_span, True)
        for j in range(len(items) - 2, -1, -1):
            nxt = final[j + 1]
            if (final[j] is None and nxt is not None and nxt.way == "backward"
                    and self.passes_on(nxt) and self.linked(items[j][1], items[j + 1][0])):
                final[j] = _Decision(nxt.category, nxt.scope, nxt.way, nxt.trigger_span, True)
        return {key: d for (_, _, key), d in zip(items, final, strict=True) if d is not None}


def _rule(row: LexiconRule | Sequence, where: str) -> LexiconRule:
    if isinstance(row, LexiconRule):
        return row
    row = list(row)
    if len(row) not in (2, 3, 4):
        raise ConfigurationError(f"{where}: a rule is [phrase, category, direction, window]")
    return make_rule(*row, where=where)  # type: ignore[misc]  # 2-4 fields, checked above
