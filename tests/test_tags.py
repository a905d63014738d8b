import itertools

from hypothesis import given
from hypothesis import strategies as st

from clinical_ner.tags import chunk_spans, to_iob2

TAGS = st.lists(st.sampled_from(["O", "B-P", "I-P", "E-P", "S-P", "B-T", "I-T", "junk"]), max_size=12)


def test_named_sequences():
    assert chunk_spans(["O", "I-P", "I-P", "B-P", "O", "S-T", "E-T"]) == [
        (1, 2, "P"), (3, 3, "P"), (5, 5, "T"), (6, 6, "T"),
    ]
    assert to_iob2(["I-P", "I-P", "O", "I-T", "B-T", "E-T"]) == [
        "B-P", "I-P", "O", "B-T", "B-T", "I-T",
    ]


@given(TAGS)
def test_iob2_keeps_the_chunks(tags):
    assert chunk_spans(to_iob2(tags)) == chunk_spans(tags)
    spans = chunk_spans(tags)
    assert all(0 <= a <= b < len(tags) for a, b, _ in spans)
    assert all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(spans))
