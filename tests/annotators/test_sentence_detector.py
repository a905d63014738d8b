"""Each SentenceDetector rule, on short clinical examples written for the tests."""

import pytest

from clinical_ner import ConfigurationError, SentenceDetector


def sentences(text, detector=None):
    detector = detector or SentenceDetector()
    return [text[b : e + 1] for b, e in detector.sentence_bounds(text)]


def test_terminal_punctuation_splits():
    assert sentences("Pt c/o chest pain x3 days. BP 120/80. Started aspirin 81 mg p.o. daily.") == [
        "Pt c/o chest pain x3 days.",
        "BP 120/80.",
        "Started aspirin 81 mg p.o. daily.",
    ]


def test_question_and_exclamation_split():
    assert sentences("Any pain? No! Denies fever.") == ["Any pain?", "No!", "Denies fever."]


@pytest.mark.parametrize(
    "text",
    [
        "Seen by Dr. Smith today.",
        "Give fluids e.g. normal saline.",
        "Lesion approx. 3 cm wide.",
        "Aspirin vs. placebo was discussed.",
        "Take 1 tab p.o. daily.",
        "Metformin 500 mg b.i.d. with meals.",
        "Pt. is afebrile.",
    ],
)
def test_abbreviations_do_not_split(text):
    assert sentences(text) == [text]


def test_may_end_abbreviation_splits_before_capital():
    assert sentences("Take 1 tab p.o. Follow up in 2 weeks.") == [
        "Take 1 tab p.o.",
        "Follow up in 2 weeks.",
    ]


def test_abbreviations_can_be_switched_off_and_extended():
    off = SentenceDetector().setUseAbbreviations(False)
    assert sentences("Seen by Dr. Smith today.", off) == ["Seen by Dr.", "Smith today."]
    extra = SentenceDetector().setAbbreviations(["Cath."])
    assert sentences("Cath. Lab was busy.", extra) == ["Cath. Lab was busy."]


def test_decimals_and_percent_do_not_split():
    assert sentences("K 3.5 and NS 0.9% given.") == ["K 3.5 and NS 0.9% given."]


def test_heading_on_its_own_line():
    text = "HISTORY OF PRESENT ILLNESS:\nThe patient is a 65-year-old man."
    assert sentences(text) == ["HISTORY OF PRESENT ILLNESS:", "The patient is a 65-year-old man."]


def test_inline_heading_is_split_when_enabled():
    text = "ASSESSMENT: Chest pain, likely musculoskeletal."
    assert sentences(text) == ["ASSESSMENT:", "Chest pain, likely musculoskeletal."]
    off = SentenceDetector().setDetectHeadings(False)
    assert sentences(text, off) == [text]


def test_short_colon_labels_are_not_headings():
    assert sentences("BP: 120/80 today.") == ["BP: 120/80 today."]


def test_newline_separated_vitals_are_sentences():
    assert sentences("Vitals:\nBP 120/80\nHR 72\nTemp 98.6") == [
        "Vitals:",
        "BP 120/80",
        "HR 72",
        "Temp 98.6",
    ]


def test_wrapped_line_continues_sentence():
    text = "The patient was admitted for\nchest pain and shortness of breath."
    assert sentences(text) == [text]


def test_newline_modes():
    text = "admitted for\nchest pain"
    assert sentences(text, SentenceDetector().setNewlineBoundaries("always")) == [
        "admitted for",
        "chest pain",
    ]
    assert sentences("BP 120/80\nHR 72", SentenceDetector().setNewlineBoundaries("never")) == [
        "BP 120/80\nHR 72"
    ]
    # a blank line is a paragraph break in every mode
    assert sentences("BP 120/80\n\nHR 72", SentenceDetector().setNewlineBoundaries("never")) == [
        "BP 120/80",
        "HR 72",
    ]


def test_crlf_lines():
    assert sentences("BP 120/80\r\nHR 72\r\n") == ["BP 120/80", "HR 72"]


def test_inline_numbered_list():
    text = "MEDICATIONS: 1. Aspirin 81 mg 2. Lisinopril 10 mg 3. Metformin."
    assert sentences(text) == [
        "MEDICATIONS:",
        "1. Aspirin 81 mg",
        "2. Lisinopril 10 mg",
        "3. Metformin.",
    ]


def test_lone_number_is_not_a_list():
    assert sentences("The dose was 2. Then it was stopped.") == [
        "The dose was 2.",
        "Then it was stopped.",
    ]
    off = SentenceDetector().setDetectLists(False)
    assert sentences("1. Aspirin 2. Lisinopril", off) == ["1.", "Aspirin 2.", "Lisinopril"]


def test_custom_bounds_strategies():
    text = "chest pain;;fever;;cough"
    none = SentenceDetector().setCustomBounds([";;"])
    assert sentences(text, none) == ["chest pain", "fever", "cough"]
    append = SentenceDetector().setCustomBounds([";;"]).setCustomBoundsStrategy("append")
    assert sentences(text, append) == ["chest pain;;", "fever;;", "cough"]
    prepend = SentenceDetector().setCustomBounds([";;"]).setCustomBoundsStrategy("prepend")
    assert sentences(text, prepend) == ["chest pain", ";;fever", ";;cough"]


def test_custom_bounds_only_ignores_other_rules():
    detector = SentenceDetector().setCustomBounds(["\\|"]).setUseCustomBoundsOnly(True)
    assert sentences("No fever. No cough|Rash.", detector) == ["No fever. No cough", "Rash."]


def test_invalid_custom_bound_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="not a valid regex"):
        SentenceDetector().setCustomBounds(["("])


def test_max_length_cuts_at_whitespace():
    detector = SentenceDetector().setMaxLength(10)
    assert sentences("aaaa bbbb cccc dddd", detector) == ["aaaa bbbb", "cccc dddd"]
    assert sentences("x" * 25, detector) == ["x" * 10, "x" * 10, "x" * 5]


def test_min_length_drops_short_sentences():
    detector = SentenceDetector().setMinLength(5)
    assert sentences("Ok. No chest pain.", detector) == ["No chest pain."]


def test_empty_and_whitespace():
    assert sentences("") == []
    assert sentences(" \n\t ") == []
