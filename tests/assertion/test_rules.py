"""ContextualAssertion: one test per rule family, with the sentences that motivated it."""

from __future__ import annotations

import pytest

from clinical_ner import ContextualAssertion
from clinical_ner.annotation import Annotation, AnnotatorType

from .conftest import chunk, sentence


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("The patient denies chest pain.", "chest pain"),
        ("No fever, chills, or night sweats.", "night sweats"),
        ("She was seen without acute distress.", "acute distress"),
        ("The CT was negative for pulmonary embolism.", "pulmonary embolism"),
        ("Myocarditis was ruled out by biopsy.", "Myocarditis"),
        ("Biopsy ruled out lymphoma.", "lymphoma"),
        ("There was no evidence of metastatic disease.", "metastatic disease"),
        ("His pleural effusion resolved after drainage.", "pleural effusion"),
        ("The murmur was not heard on follow-up.", "murmur"),
        ("He remained seizure free for six months.", "seizure"),
        ("Echo showed no signs of endocarditis.", "no signs of endocarditis"),
    ],
)
def test_negation(status, text, phrase):
    assert status(text, phrase) == "absent"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Findings are suspicious for lymphoma.", "lymphoma"),
        ("Possible pneumonia in the right lower lobe.", "pneumonia"),
        ("CT chest to r/o pulmonary embolism.", "pulmonary embolism"),
        ("Pulmonary embolism versus pneumonia.", "Pulmonary embolism"),
        ("Pulmonary embolism versus pneumonia.", "pneumonia"),
        ("Malignancy could not be excluded.", "Malignancy"),
        ("Sepsis cannot be ruled out.", "Sepsis"),
        ("The rash was likely a drug reaction.", "a drug reaction"),
        ("A needle biopsy revealed the possibility of a sarcoma.", "possibility of a sarcoma"),
    ],
)
def test_uncertainty(status, text, phrase):
    assert status(text, phrase) == "possible"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Return to the clinic if chest pain recurs.", "chest pain"),
        ("Should she develop a fever, call the office.", "a fever"),
        ("Oxycodone as needed for pain.", "pain"),
        ("Acyclovir was given to prevent herpes infection.", "herpes infection"),
    ],
)
def test_hypothetical(status, text, phrase):
    assert status(text, phrase) == "hypothetical"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("She reports chest pain with exertion.", "chest pain"),
        ("Dyspnea on exertion for two weeks.", "Dyspnea"),
        ("He gets short of breath when walking uphill.", "short of breath"),
        ("Wheezing when exposed to cats.", "Wheezing"),
    ],
)
def test_conditional(status, text, phrase):
    assert status(text, phrase) == "conditional"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Her mother had breast cancer.", "breast cancer"),
        ("Family history of colon cancer.", "colon cancer"),
        ("Diabetes runs in her father's side; his father has diabetes.", "diabetes"),
        ("There is a history of early stroke in her sister.", "early stroke"),
        ("His mother had no hypertension.", "hypertension"),  # experiencer wins over negation
    ],
)
def test_experiencer(status, text, phrase):
    assert status(text, phrase) == "associated_with_someone_else"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Chest pain but no fever.", "Chest pain"),  # backward scope of nothing
        ("No fever, but she has a productive cough.", "a productive cough"),
        ("Denies nausea; however, reports abdominal pain.", "abdominal pain"),
        ("No complaints except mild headache.", "mild headache"),
    ],
)
def test_scope_ends_at_terminators(status, text, phrase):
    assert status(text, phrase) == "present"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("No increase in the pleural effusion.", "the pleural effusion"),
        ("No change in the size of the mass.", "the mass"),
        ("Not only anemia but also thrombocytopenia.", "anemia"),
        ("Cultures grew gram negative rods causing bacteremia.", "bacteremia"),
        ("Her chest pain has not resolved.", "chest pain"),
        ("His dyspnea was not relieved by diuretics.", "dyspnea"),
        ("Decreased appetite and absence of appetite.", "absence of appetite"),
    ],
)
def test_pseudo_triggers_do_not_trigger(status, text, phrase):
    assert status(text, phrase) == "present"


def test_window_limits_scope(status):
    text = "No fever was reported by the patient at the visit today, and cough."
    assert status(text, "cough") == "present"
    assert status(text, "cough", ContextualAssertion().setScopeWindow(20)) == "absent"
    assert status("No fever.", "fever", ContextualAssertion().setScopeWindow(1)) == "absent"


def test_label_filter_and_metadata():
    text = "No aspirin was given for the headache and no chest pain."
    chunks = [chunk(text, "aspirin", "TREATMENT"), chunk(text, "chest pain")]
    out = ContextualAssertion().annotate([[sentence(text)], chunks])
    assert [a.result for a in out] == ["present", "absent"]
    assert out[0].metadata["assessed"] == "false"
    meta = out[1].metadata
    assert (out[1].begin, out[1].end) == (chunks[1].begin, chunks[1].end)
    assert out[1].annotatorType == AnnotatorType.ASSERTION
    assert meta["entity"] == "PROBLEM" and meta["chunk_text"] == "chest pain"
    assert text[int(meta["trigger_begin"]) : int(meta["trigger_end"]) + 1] == meta["trigger"] == "no"
    all_labels = ContextualAssertion().setEntityLabels([]).annotate([[sentence(text)], chunks])
    assert all_labels[0].result == "absent"


def test_offsets_are_original_text_offsets():
    text = "Seen today.\r\nPatient DENIES  chest pain."
    sentences = [Annotation(AnnotatorType.DOCUMENT, 0, 10, text[:11], {"sentence": "0"}),
                 Annotation(AnnotatorType.DOCUMENT, 13, len(text) - 1, text[13:], {"sentence": "1"})]
    c = Annotation(AnnotatorType.CHUNK, text.index("chest"), text.index("pain") + 3, "chest pain",
                   {"entity": "PROBLEM"})
    out = ContextualAssertion().annotate([sentences, [c]])[0]
    assert out.result == "absent"
    assert text[int(out.metadata["trigger_begin"]) : int(out.metadata["trigger_end"]) + 1] == "DENIES"
    assert out.metadata["sentence"] == "1"


def test_scope_ends_at_sentence_end():
    text = "No fever. Cough since Monday."
    sentences = [Annotation(AnnotatorType.DOCUMENT, 0, 8, text[:9], {"sentence": "0"}),
                 Annotation(AnnotatorType.DOCUMENT, 10, len(text) - 1, text[10:], {"sentence": "1"})]
    out = ContextualAssertion().annotate([sentences, [chunk(text, "fever"), chunk(text, "Cough")]])
    assert [a.result for a in out] == ["absent", "present"]
    assert "trigger" not in out[1].metadata
