from clinical_ner.corpora import GoldSpan, flatten_spans, resolve_discontinuous
from clinical_ner.corpora.document import make_span

TEXT = "left ventricular hypertrophy and breast or ovarian cancer"


def span(begin, end, label="PROBLEM", **kw):
    return make_span(TEXT, begin, end, label, **kw)


def test_longest_wins_then_earliest_then_source_order():
    whole = span(0, 27)  # "left ventricular hypertrophy"
    nested = span(17, 27)  # "hypertrophy"
    crossing = span(5, 38, "TEST")  # longer, and crosses both
    kept, dropped = flatten_spans([nested, whole, crossing])
    assert [(s.begin, s.end, s.label) for s in kept] == [(5, 38, "TEST")]
    kept, dropped = flatten_spans([nested, whole])
    assert [(s.begin, s.end, s.label) for s in kept] == [(0, 27, "PROBLEM")]
    assert dropped == {"overlap:PROBLEM": 1}
    kept, dropped = flatten_spans([nested, whole, crossing])
    assert dropped == {"overlap:PROBLEM": 2}

    a, b = span(0, 3), span(2, 5, "TEST")  # same length: the earlier begin wins
    kept, dropped = flatten_spans([b, a])
    assert kept == [a]
    assert dropped == {"overlap:TEST": 1}

    c, d = span(0, 3, "TEST"), span(0, 3, "TREATMENT")  # same offsets: source order wins
    kept, _ = flatten_spans([d, c])
    assert kept == [d]


def test_duplicates_are_counted_separately_and_output_is_sorted():
    a, b = span(33, 38), span(0, 3)
    kept, dropped = flatten_spans([a, span(33, 38), b])
    assert kept == [b, a]
    assert dropped == {"duplicate:PROBLEM": 1}


def test_discontinuous_becomes_covering_span_when_the_gap_is_small():
    # "breast ... cancer" inside "breast or ovarian cancer"
    frag = GoldSpan(33, 56, "PROBLEM", "breast or ovarian cancer", fragments=((33, 38), (51, 56)))
    kept, dropped = resolve_discontinuous([frag], TEXT)
    assert [(s.begin, s.end, s.label) for s in kept] == [(33, 56, "PROBLEM")]
    assert TEXT[33:57] == "breast or ovarian cancer"  # the offsets above, counted by hand
    assert not dropped
    kept, dropped = resolve_discontinuous([frag], TEXT, max_gap=5)
    assert kept == []
    assert dropped == {"discontinuous:PROBLEM": 1}


def test_discontinuous_across_a_line_break_is_dropped():
    text = "chest\r\npain"
    frag = GoldSpan(0, 10, "PROBLEM", text, fragments=((0, 4), (7, 10)))
    kept, dropped = resolve_discontinuous([frag], text)
    assert kept == []
    assert dropped == {"discontinuous:PROBLEM": 1}
