"""Helpers of the assertion tests: one sentence, chunks found by their text."""

from __future__ import annotations

import pytest

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.assertion import ContextualAssertion


def sentence(text: str) -> Annotation:
    return Annotation(AnnotatorType.DOCUMENT, 0, len(text) - 1, text, {"sentence": "0"})


def chunk(text: str, phrase: str, label: str = "PROBLEM", occurrence: int = 0) -> Annotation:
    begin = -1
    for _ in range(occurrence + 1):
        begin = text.index(phrase, begin + 1)
    return Annotation(AnnotatorType.CHUNK, begin, begin + len(phrase) - 1, phrase,
                      {"entity": label, "sentence": "0"})


@pytest.fixture
def status():
    """``status(text, phrase, stage=None, label="PROBLEM")``: the class of one chunk."""

    def run(text: str, phrase: str, stage: ContextualAssertion | None = None,
            label: str = "PROBLEM") -> str:
        stage = stage or ContextualAssertion()
        return stage.annotate([[sentence(text)], [chunk(text, phrase, label)]])[0].result

    return run


@pytest.fixture
def statuses():
    """``statuses(text, phrases, stage=None)``: the classes of several PROBLEM chunks of
    one sentence, assessed together (so list rules can link them)."""

    def run(text: str, phrases: list[str], stage: ContextualAssertion | None = None) -> list[str]:
        stage = stage or ContextualAssertion()
        chunks, seen = [], {}
        for phrase in phrases:
            chunks.append(chunk(text, phrase, occurrence=seen.get(phrase, 0)))
            seen[phrase] = seen.get(phrase, 0) + 1
        return [a.result for a in stage.annotate([[sentence(text)], chunks])]

    return run
