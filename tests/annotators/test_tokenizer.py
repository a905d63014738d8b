"""Each Tokenizer rule, on short clinical examples written for the tests."""

import pytest

from clinical_ner import ConfigurationError, Tokenizer


def tokens(text, tokenizer=None):
    tokenizer = tokenizer or Tokenizer()
    return [text[b : e + 1] for b, e in tokenizer.token_bounds(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seen by Dr. Smith", ["Seen", "by", "Dr.", "Smith"]),
        ("aspirin p.o. b.i.d. and q.d.", ["aspirin", "p.o.", "b.i.d.", "and", "q.d."]),
        ("e.g. saline, i.e. NS", ["e.g.", "saline", ",", "i.e.", "NS"]),
        ("approx. 3 cm vs. 4 cm", ["approx.", "3", "cm", "vs.", "4", "cm"]),
        ("81 mg. daily", ["81", "mg.", "daily"]),
        ("Pt c/o pain s/p CABG", ["Pt", "c/o", "pain", "s/p", "CABG"]),
    ],
)
def test_abbreviations_and_exceptions(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5 mg", ["3.5", "mg"]),
        ("NS 0.9% bolus", ["NS", "0.9%", "bolus"]),
        ("1,000 mL", ["1,000", "mL"]),
        ("81mg daily", ["81", "mg", "daily"]),
        ("3.5mg", ["3.5", "mg"]),
        ("2nd dose", ["2nd", "dose"]),
    ],
)
def test_numbers_decimals_doses(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BP 120/80.", ["BP", "120/80", "."]),
        ("2/6 murmur", ["2/6", "murmur"]),
        ("120/80mmHg", ["120/80", "mmHg"]),
    ],
)
def test_vitals_and_ratios(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on 12/03/2019 at 10:30.", ["on", "12/03/2019", "at", "10:30", "."]),
        ("on 2019-03-12", ["on", "2019-03-12"]),
        ("10:30am", ["10:30", "am"]),
    ],
)
def test_dates_and_times(text, expected):
    assert tokens(text) == expected


def test_hyphenated_terms_and_apostrophes():
    assert tokens("65-year-old with non-small-cell ca, COVID-19, patient's") == [
        "65-year-old", "with", "non-small-cell", "ca", ",", "COVID-19", ",", "patient's",
    ]


def test_parentheses_and_slashes():
    assert tokens("(CXR) nausea/vomiting") == ["(", "CXR", ")", "nausea", "/", "vomiting"]


def test_numbered_list_markers():
    assert tokens("1. Aspirin 2) Lisinopril") == ["1", ".", "Aspirin", "2", ")", "Lisinopril"]


def test_emoji_and_combining_marks():
    assert tokens("pain 😀 café") == ["pain", "😀", "café"]


def test_custom_exceptions_case_sensitivity():
    tok = Tokenizer().setExceptions(["left ventricle"])
    assert tokens("Left Ventricle dilated", tok) == ["Left Ventricle", "dilated"]
    tok = tok.setCaseSensitiveExceptions(True)
    assert tokens("Left Ventricle dilated", tok) == ["Left", "Ventricle", "dilated"]


def test_split_chars():
    tok = Tokenizer().setSplitChars(["-"])
    assert tokens("non-small", tok) == ["non", "-", "small"]
    with pytest.raises(ConfigurationError):
        Tokenizer().setSplitChars(["ab"])


def test_infix_patterns_are_tried_first():
    tok = Tokenizer().setInfixPatterns([r"\d+x\d+"])
    assert tokens("a 3x4 cm mass", tok) == ["a", "3x4", "cm", "mass"]


def test_target_pattern_replaces_rules():
    tok = Tokenizer().setTargetPattern(r"\S+")
    assert tokens("BP 120/80. (CXR)", tok) == ["BP", "120/80.", "(CXR)"]
    with pytest.raises(ConfigurationError, match="not a valid regex"):
        Tokenizer().setTargetPattern("[")


def test_min_and_max_length_drop_tokens():
    tok = Tokenizer().setMinLength(2).setMaxLength(5)
    assert tokens("a bb cccccc dd", tok) == ["bb", "dd"]
