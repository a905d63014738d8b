"""The linear terminator and wrapped-line rules decide exactly as the straightforward
(quadratic) rules they replaced, on random texts made of the characters that matter."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_ner import SentenceDetector

# The earlier rules, kept here as the reference: a lookahead that retried a run of
# terminators from each of its characters, and a copy of the text before each newline.
_OLD_TERMINAL = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")


def old_wrapped(text: str, newline: int, next_start: int) -> bool:
    before = text[:newline].rstrip()
    if not before or before.endswith(":"):
        return False
    pos = next_start
    while pos < len(text) and text[pos] in " \t\r\f\v":
        pos += 1
    return pos < len(text) and text[pos].islower()


class OldRules(SentenceDetector):
    def _terminal_cuts(self, text, cuts, list_periods):
        from clinical_ner.annotators import abbreviations
        from clinical_ner.annotators.sentence_detector import _next_word_is_upper, _word_before

        for match in _OLD_TERMINAL.finditer(text):
            if match.start() in list_periods:
                continue
            if text[match.start()] == ".":
                word = _word_before(text, match.start())
                if word in self._non_terminal:
                    continue
                if word in abbreviations.MAY_END and not _next_word_is_upper(text, match.end()):
                    continue
            cuts.add(match.end())

    def _newline_cuts(self, text, cuts):
        for match in re.finditer(r"\n[^\S\n]*\n\s*", text):
            cuts.add(match.end())
        for match in re.finditer(r"\n", text):
            if not old_wrapped(text, match.start(), match.end()):
                cuts.add(match.end())


TEXTS = st.lists(st.sampled_from([".", "!", "?", '"', ")", "]", " ", "\n", "\t", "\r", ":",
                                  "a", "B", "dr", "mg", "1", "2", "p.o", "No", "fever"]),
                 max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_new_rules_cut_where_the_old_ones_did(text):
    assert SentenceDetector().sentence_bounds(text) == OldRules().sentence_bounds(text)
