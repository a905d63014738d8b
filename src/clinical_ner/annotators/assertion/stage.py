"""ContextualAssertion: is each problem present, absent, possible, conditional,
hypothetical, or about someone else?

The stage runs the ConText engine (:mod:`clinical_ner.annotators.assertion.context`, where
the algorithm is described) on every sentence that holds an assessed chunk.

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
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.assertion.context import (
    DEFAULT_WINDOW,
    CompiledLexicon,
    Decision,
    SentenceContext,
)
from clinical_ner.annotators.assertion_lexicon import PRESENT, LexiconRule, load_lexicon, make_rule
from clinical_ner.annotators.base import Param, Transformer
from clinical_ner.errors import ConfigurationError


@functools.lru_cache(maxsize=1)
def _bundled_rules() -> tuple[LexiconRule, ...]:
    return tuple(load_lexicon())


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
        self._compiled: CompiledLexicon | None = None

    def _lexicon(self) -> CompiledLexicon:
        compiled = getattr(self, "_compiled", None)
        if compiled is None:
            compiled = self._compiled = CompiledLexicon(self.getLexicon())
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
        decided: dict[int, Decision] = {}
        for w, indices in members.items():
            if any(assessed[i] for i in indices):
                sentence = SentenceContext(ordered[w], lexicon, window)
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


def _rule(row: LexiconRule | Sequence, where: str) -> LexiconRule:
    if isinstance(row, LexiconRule):
        return row
    row = list(row)
    if len(row) not in (2, 3, 4):
        raise ConfigurationError(f"{where}: a rule is [phrase, category, direction, window]")
    return make_rule(*row, where=where)  # type: ignore[misc]  # 2-4 fields, checked above
