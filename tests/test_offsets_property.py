"""The offset invariant: ``text[begin:end+1] == result`` for every document, sentence,
token and chunk annotation, whatever the input text.

Hypothesis draws arbitrary unicode (every category, surrogates excluded since Python str
from a UTF-8 file cannot hold them) mixed with clinical fragments and the characters that
usually break offsets: CRLF, tabs, non-breaking spaces, emoji, combining marks, controls.
"""

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinical_ner import Annotation, DocumentAssembler, LightPipeline, NerConverter, text_pipeline

FRAGMENTS = [
    "Pt c/o chest pain x3 days. ", "BP 120/80. ", "Dr. ", "b.i.d. ", "p.o.", "3.5 mg", "0.9%",
    "HISTORY OF PRESENT ILLNESS:\n", "1. Aspirin 81 mg 2. Lisinopril", "\r\n", "\n\n", "\t",
    "\u00a0", "\u2028", "😀", "👩‍⚕️", "e\u0301", "\x00", "\x1b", "\ufeff", " ", ".", "(", "/",
    "non-small-cell", "12/03/2019", "10:30", "?", "!", ":", "-", "\u200b", "\U0001f1fa\U0001f1f8",
]

texts = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=40).map("".join),
)

SETTINGS = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
LIGHT = LightPipeline(text_pipeline())


def check(text: str, annotations: list[Annotation]) -> None:
    for a in annotations:
        assert 0 <= a.begin <= a.end < len(text), (a.begin, a.end, len(text))
        assert text[a.begin : a.end + 1] == a.result


def check_ordered(annotations: list[Annotation]) -> None:
    for prev, nxt in itertools.pairwise(annotations):
        assert prev.end < nxt.begin


@SETTINGS
@given(texts)
def test_documents(text):
    for mode in ("disabled", "shrink"):
        check(text, DocumentAssembler().setCleanupMode(mode).assemble(text))


@SETTINGS
@given(texts)
def test_sentences(text):
    (row,) = LIGHT.fullAnnotate(text)
    check(text, row["sentence"])
    check_ordered(row["sentence"])
    assert all(not s.result[0].isspace() and not s.result[-1].isspace() for s in row["sentence"])


@SETTINGS
@given(texts)
def test_tokens(text):
    (row,) = LIGHT.fullAnnotate(text)
    check(text, row["token"])
    check_ordered(row["token"])
    # every non-space character is in exactly one token: nothing is lost
    covered = sum(len(t.result) for t in row["token"])
    assert covered == sum(1 for c in text if not c.isspace())


@SETTINGS
@given(texts, st.integers(min_value=0, max_value=2**32 - 1))
def test_chunks(text, seed):
    (row,) = LIGHT.fullAnnotate(text)
    rng = random.Random(seed)
    labels = ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST", "E-TEST", "S-TREATMENT"]
    tags = [
        Annotation("named_entity", t.begin, t.end, rng.choice(labels), dict(t.metadata))
        for t in row["token"]
    ]
    chunks = NerConverter().annotate([row["sentence"], row["token"], tags])
    check(text, chunks)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\r\n\r\n",
        "BP 120/80\r\nHR 72\r\n",
        "chest\u00a0pain",
        "pain 😀 and 👩‍⚕️ noted.",
        "cafe\u0301 au lait spots",
        "fever\x00\x1b cough",
        "\ufeffHISTORY:\tnone",
        "line\u2028separator",
        "x" * 5000,
        ". . . ! ?",
    ],
)
def test_named_regressions(text):
    (row,) = LIGHT.fullAnnotate(text)
    for col in ("document", "sentence", "token"):
        check(text, row[col])
