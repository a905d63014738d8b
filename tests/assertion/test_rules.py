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


# ----- rules added for issue 8 (motivated by MACCROBAT train/dev sentences, paraphrased) ---


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        # negation distributes over a list longer than the window
        ("There was no history of decreased urine output, dialysis, effort intolerance, "
         "chest pain or palpitation, dyspnoea and weight loss.",
         ["decreased urine output", "effort intolerance", "chest pain", "palpitation",
          "dyspnoea", "weight loss"], ["absent"] * 6),
        ("She presented no signs of neurological disease, such as headache, vomiting, "
         "sensory disturbances, altered consciousness, or seizures.",
         ["neurological disease", "headache", "vomiting", "sensory disturbances",
          "altered consciousness", "seizures"], ["absent"] * 6),
        # backward: every item before "were ruled out"
        ("Patent foramen ovale (PFO), atrial septal defect (ASD) and anomalous venous "
         "connections were ruled out.",
         ["Patent foramen ovale", "PFO", "atrial septal defect", "ASD",
          "anomalous venous connections"], ["absent"] * 5),
        ("The CT showed the infiltration, hydrothorax, and pericardial effusion were absorbed.",
         ["infiltration", "hydrothorax", "pericardial effusion"], ["absent"] * 3),
        # an abbreviation in brackets takes its chunk's status
        ("She never had pelvic inflammatory disease (PID).",
         ["pelvic inflammatory disease", "(PID)"], ["absent", "absent"]),
        # a verb or pronoun between two chunks starts a new clause, not a list item
        ("He had not displayed any seizures and had demonstrated good performance status.",
         ["seizures", "good performance status"], ["absent", "present"]),
        ("She ceased to vomit, and she was able to consume liquids.",
         ["vomit", "able to consume liquids"], ["absent", "present"]),
        # a condition stays with the problem it follows
        ("She developed fatigue and shortness of breath on exertion over months.",
         ["fatigue", "shortness of breath"], ["present", "conditional"]),
        # a one-word prefix negation does not pass along a list
        ("Non-smoking, or smoking fewer than 10 cigarettes a day.",
         ["smoking", "smoking"], ["absent", "present"]),
    ],
)
def test_lists_share_negation(statuses, text, phrases, expected):
    assert statuses(text, phrases) == expected


def test_list_and_scope_end_at_a_line_break(statuses):
    text = "No fever, chills\nCough and wheeze"
    assert statuses(text, ["fever", "chills", "Cough", "wheeze"]) == [
        "absent", "absent", "present", "present"]


def test_list_metadata_names_the_trigger():
    text = "There was no history of effort intolerance, chest pain, palpitation or syncope."
    chunks = [chunk(text, p) for p in ("effort intolerance", "chest pain", "palpitation", "syncope")]
    out = ContextualAssertion().annotate([[sentence(text)], chunks])
    assert [a.result for a in out] == ["absent"] * 4
    assert out[3].metadata["trigger"] == "no history of"
    assert out[3].metadata["via_list"] == "true" and "via_list" not in out[0].metadata


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        # a hedge inside a negation's scope is negated
        ("Histology showed no signs suggesting myocarditis, eosinophilic granulomas, or "
         "cardiomyopathy.", ["myocarditis", "eosinophilic granulomas", "cardiomyopathy"],
         ["absent"] * 3),
        ("She had never experienced signs suggestive of sexually transmitted diseases or "
         "pelvic inflammatory disease.",
         ["sexually transmitted diseases", "pelvic inflammatory disease"], ["absent"] * 2),
        ("Biopsy findings were suggestive of lymphoma.", ["lymphoma"], ["possible"]),
    ],
)
def test_negated_hedges(statuses, text, phrases, expected):
    assert statuses(text, phrases) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        # a trigger hidden in a pseudo-trigger still reaches a chunk inside it
        ("She was placed on NIPPV without improvement.", "improvement", "absent"),
        ("He did not tolerate a decrease of PEEP.", "tolerate", "absent"),
        # ... but not a chunk after it
        ("There was no improvement in the rash despite antibiotics.", "rash", "present"),
        ("He could not tolerate the associated gastrointestinal disturbances.",
         "gastrointestinal disturbances", "present"),
        ("Colonic polyps that were not removed.", "Colonic polyps", "present"),
        ("Uncontrolled illness including, but not limited to, active infection.",
         "active infection", "present"),
        ("Patients will be excluded if they have chronic lung disease.",
         "chronic lung disease", "present"),
    ],
)
def test_pseudo_triggers_added(status, text, phrase, expected):
    assert status(text, phrase) == expected


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        # a trigger that is part of a chunk's name triggers nothing
        ("He had abdominal pain, combined with absence of appetite and vomiting once.",
         ["abdominal pain", "absence of appetite", "vomiting"], ["present"] * 3),
        ("She had sensory deficits of both legs, which could not move, hyperalgesia of "
         "the hands.", ["sensory deficits", "could not move", "hyperalgesia"], ["present"] * 3),
    ],
)
def test_triggers_inside_chunk_names(statuses, text, phrases, expected):
    assert statuses(text, phrases) == expected


def test_terminator_inside_a_chunk_does_not_end_the_scope(status):
    text = "Laryngoscopy failed to identify an apparent source of bleeding."
    assert status(text, "source of bleeding") == "absent"
    assert status("No fever, source of the infection unknown.", "the infection") == "present"


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("No history suggesting connective tissue disease was found, nor did he have a "
         "history of hypotension.", "hypotension", "absent"),
        ("There was no clinical or laboratory evidence of Epstein-Barr virus, "
         "cytomegalovirus, or HIV infection.", "HIV infection", "absent"),
        ("Epistaxis was cured after symptomatic treatment.", "Epistaxis", "absent"),
        ("The hematoma was completely absorbed.", "hematoma", "absent"),
        ("The leaflets were free of disease and that the mitral regurgitation arose at A2.",
         "mitral regurgitation", "present"),
    ],
)
def test_negation_added(status, text, phrase, expected):
    assert status(text, phrase) == expected


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("At 13 she was suspected of having Jervell and Lange-Nielsen syndrome.",
         "Jervell and Lange-Nielsen syndrome"),
        ("The nodules were supposed to be hepatic metastases.", "hepatic metastases"),
        ("A biphasic component could not be entirely ruled out.", "A biphasic component"),
        ("Investigations for underlying thrombophilia were performed.", "thrombophilia"),
        ("PET/CT was performed to confirm whether an occult tumor exists.", "an occult tumor"),
    ],
)
def test_uncertainty_added(status, text, phrase):
    assert status(text, phrase) == "possible"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        # a cause or aggravation is not a condition
        ("She was admitted with adrenal crisis triggered by pneumonia.", "adrenal crisis"),
        ("She was admitted with adrenal crisis triggered by pneumonia.", "pneumonia"),
        ("Her pain was aggravated by chewing.", "pain"),
        # pain that is worse under a condition is there without it
        ("Chest pain, worse on exertion.", "Chest pain"),
        ("Dyspnea, worse when lying flat, since Monday.", "Dyspnea"),
        # a condition looks back only: the next list item is not conditional
        ("Worsening dyspnea on exertion, paroxysmal nocturnal dyspnea, and leg edema.",
         "leg edema"),
    ],
)
def test_conditional_is_narrow(status, text, phrase):
    assert status(text, phrase) == "present"


def test_negated_terminator_is_a_trigger(status):
    # "consistent with" ends a scope ("no fever, findings consistent with pneumonia"), so
    # "not consistent with" needs its own rule
    assert status("The biopsy was not consistent with lymphoma.", "lymphoma") == "absent"
    assert status("No fever; findings consistent with pneumonia.", "pneumonia") == "present"
