"""SectionDetector: header forms, look-alikes, names, offsets, the lexicon, and how the
section column reaches the sentence detector, the NER tags, the chunks and assertion."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_ner import (
    ContextualAssertion,
    DocumentAssembler,
    LightPipeline,
    NerConverter,
    Pipeline,
    SectionDetector,
    SentenceDetector,
)
from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.section_lexicon import (
    SectionLexiconError,
    bundled_entries,
    canonical_names,
    normalize_header,
)
from clinical_ner.errors import ConfigurationError


def headers(text, detector=None):
    """(header text, name, subsection) of every section with a header."""
    detector = detector or SectionDetector()
    return [
        (s.metadata["header"], s.metadata["name"], s.metadata.get("subsection"))
        for s in detector.sections(text)
        if s.metadata["header"]
    ]


def names(text):
    return [s.metadata["name"] for s in SectionDetector().sections(text)]


def test_mtsamples_form_where_newlines_became_commas():
    text = ("CHIEF COMPLAINT:, Chest pain.,HISTORY OF PRESENT ILLNESS:, A 54-year-old man.,"
            "PHYSICAL EXAMINATION: ,VITAL SIGNS: ,Blood pressure 130/80.,HEENT: Normal.,"
            "LUNGS: Clear.,ASSESSMENT AND PLAN:,1.  COPD: continue inhalers.,2.  Diabetes.")
    assert headers(text) == [
        ("CHIEF COMPLAINT:", "chief_complaint", None),
        ("HISTORY OF PRESENT ILLNESS:", "history_of_present_illness", None),
        ("PHYSICAL EXAMINATION:", "physical_exam", None),
        ("VITAL SIGNS:", "vital_signs", None),
        # a sub-header after the vitals belongs to the examination
        ("HEENT:", "physical_exam", "heent"),
        ("LUNGS:", "physical_exam", "lungs"),
        ("ASSESSMENT AND PLAN:", "assessment_and_plan", None),
    ]


def test_newline_forms_title_case_abbreviations_numbers_and_inline_headers():
    text = ("HPI: 54 yo M with chest pain.\nPMH:\nCHF\nPHYSICAL EXAMINATION\nGeneral: well.\n"
            "Hospital Course:\nUneventful.\n1. HISTORY: none\nII. PLAN: rest\n"
            "He is stable. PLAN: Continue current therapy.\nAssessment and Plan\nHome.")
    assert headers(text) == [
        ("HPI:", "history_of_present_illness", None),
        ("PMH:", "past_medical_history", None),
        ("PHYSICAL EXAMINATION", "physical_exam", None),
        ("General:", "physical_exam", "general"),
        ("Hospital Course:", "hospital_course", None),
        ("1. HISTORY:", "history", None),
        ("II. PLAN:", "plan", None),
        ("PLAN:", "plan", None),
        ("Assessment and Plan", "assessment_and_plan", None),
    ]


@pytest.mark.parametrize("text", [
    "BP: 120/80\nHR: 72\nTemp: 98.6\nWBC: 12.1\nHIV: negative\nINR: 2.3",
    "He was started on LASIX and COUMADIN: doses below.",
    "History of CHF and COPD: both stable.",
    "1. COPD: continue inhalers.\n2. Hypertension: well controlled.\n- Diabetes: on metformin.",
    "The plan was discussed. Seen at 10:30 by Dr. Smith: agreed. Ratio 1:1000.",
    "the history: unclear",
    "P: 80 R: 16",
])
def test_look_alikes_are_not_headers(text):
    assert headers(text) == []


def test_an_unknown_all_caps_header_is_other_and_combined_headers_take_the_first_name():
    text = ("ADDENDUM: late entry.\nSOCIAL HISTORY, FAMILY HISTORY, AND PAST MEDICAL HISTORY:, "
            "Reviewed.\nNOTE: short")
    assert headers(text) == [
        ("ADDENDUM:", "other", None),
        ("SOCIAL HISTORY, FAMILY HISTORY, AND PAST MEDICAL HISTORY:", "social_history", None),
    ]
    assert headers("ADDENDUM: late entry.", SectionDetector().setDetectUnknownHeaders(False)) == []


def test_sections_cover_the_text_with_exact_offsets_and_unknown_first():
    text = "Seen today.\n\nCHIEF COMPLAINT:  Cough.  \nPLAN:\n  Rest.  "
    sections = SectionDetector().sections(text)
    assert [s.metadata["name"] for s in sections] == ["unknown", "chief_complaint", "plan"]
    for s in sections:
        assert text[s.begin : s.end + 1] == s.result == s.result.strip()
        assert s.annotatorType == AnnotatorType.SECTION
    assert sections[0].metadata == {"name": "unknown", "header": "", "header_begin": "-1",
                                     "header_end": "-1"}
    first = sections[1].metadata
    assert text[int(first["header_begin"]) : int(first["header_end"]) + 1] == "CHIEF COMPLAINT:"
    assert sections[1].result == "CHIEF COMPLAINT:  Cough."


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "HPI:", "PLAN:", ",", ".", " ", "\n", "Chest pain", "BP: 120/80", "1. ", "LUNGS:",
    "PHYSICAL EXAMINATION", "é😀", "\r\n", ":", "ADDENDUM:", "the plan:",
]), max_size=30), st.integers(0, 5))
def test_offsets_hold_and_sections_never_overlap(pieces, base):
    text = "".join(pieces)
    sections = SectionDetector().sections(text, base)
    last = -1
    for s in sections:
        assert text[s.begin - base : s.end - base + 1] == s.result
        assert s.begin > last
        last = s.end
        hb, he = int(s.metadata["header_begin"]), int(s.metadata["header_end"])
        if hb >= 0:
            assert s.begin == hb <= he <= s.end
            assert text[hb - base : he - base + 1] == s.metadata["header"]


def test_the_lexicon_has_the_sections_users_need():
    required = {
        "chief_complaint", "history_of_present_illness", "past_medical_history",
        "past_surgical_history", "medications", "allergies", "family_history",
        "social_history", "review_of_systems", "physical_exam", "vital_signs", "labs",
        "imaging", "procedures", "hospital_course", "assessment", "plan",
        "assessment_and_plan", "diagnoses", "preoperative_diagnosis",
        "postoperative_diagnosis", "indications", "findings", "impression", "complications",
        "discharge_medications", "discharge_instructions", "follow_up",
    }
    assert required <= set(canonical_names())
    assert len([e for e in bundled_entries() if e.kind == "section"]) >= 150
    assert normalize_header(" Assessment & Plan: ") == "assessment and plan"
    assert normalize_header("PRE-OPERATIVE  DIAGNOSIS") == "pre operative diagnosis"


def test_users_extend_and_replace_the_lexicon(tmp_path):
    text = "Interval Events: fever.\nPlan: rest"
    assert headers(text) == [("Plan:", "plan", None)]
    extended = SectionDetector().addSections({"Interval Events": "hospital_course"})
    assert headers(text, extended) == [("Interval Events:", "hospital_course", None),
                                       ("Plan:", "plan", None)]
    lexicon = tmp_path / "sections.tsv"
    lexicon.write_text("# mine\ninterval events\tevents\n", encoding="utf-8")
    mine = SectionDetector().setLexicon(str(lexicon))
    lexicon.unlink()  # read when set: kept in the parameters
    assert headers(text, mine) == [("Interval Events:", "events", None)]  # no bundled 'plan'
    assert headers("Plan: rest", SectionDetector().addSections([["plan", "-", "not_header"]])) == []


def test_bad_lexicons_fail_with_the_line_that_is_wrong(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("plan\tPlan Section\n", encoding="utf-8")
    with pytest.raises(SectionLexiconError, match=r"line 1: section name 'Plan Section'"):
        SectionDetector().setLexicon(str(bad))
    bad.write_text("plan\tplan\tkind\textra\n", encoding="utf-8")
    with pytest.raises(SectionLexiconError, match="line 1: expected 2 or 3"):
        SectionDetector().setLexicon(str(bad))
    with pytest.raises(SectionLexiconError, match="cannot read the section lexicon"):
        SectionDetector().setLexicon(str(tmp_path / "missing.tsv"))
    with pytest.raises(ConfigurationError, match="addSections takes"):
        SectionDetector().addSections(["plan"])
    assert issubclass(SectionLexiconError, ConfigurationError)


def text_light(*stages):
    return LightPipeline(Pipeline([DocumentAssembler(), SectionDetector(), *stages]).fit())


def test_the_sentence_detector_never_joins_a_header_and_its_body():
    text = "Chief complaint: chest pain.,Hpi: he has chest pain"
    plain = LightPipeline(Pipeline([DocumentAssembler(), SentenceDetector()]).fit())
    assert plain.annotate(text)["sentence"] == [text]
    light = text_light(SentenceDetector().setInputCols(["document", "section"]))
    assert light.annotate(text)["sentence"] == ["Chief complaint:", "chest pain.,", "Hpi:",
                                                "he has chest pain"]


def tag(begin, text, label):
    return Annotation(AnnotatorType.NAMED_ENTITY, begin, begin + len(text) - 1, label,
                      {"word": text, "sentence": "0", "confidence": "0.9000"})


def test_the_converter_names_each_chunk_section_and_drops_chunks_on_headers():
    text = "PHYSICAL EXAMINATION: chest pain. FAMILY HISTORY: diabetes"
    doc = Annotation(AnnotatorType.DOCUMENT, 0, len(text) - 1, text, {"sentence": "0"})
    sections = SectionDetector().annotate([[doc]])
    words = [(0, "PHYSICAL", "B-TEST"), (9, "EXAMINATION", "I-TEST"), (20, ":", "O"),
             (22, "chest", "B-PROBLEM"), (28, "pain", "I-PROBLEM"), (32, ".", "O"),
             (34, "FAMILY", "O"), (41, "HISTORY", "O"), (48, ":", "O"),
             (50, "diabetes", "B-PROBLEM")]
    tokens = [Annotation(AnnotatorType.TOKEN, b, b + len(w) - 1, w, {"sentence": "0"})
              for b, w, _ in words]
    tags = [tag(b, w, t) for b, w, t in words]
    converter = NerConverter().setInputCols(["sentence", "token", "ner", "section"])
    chunks = converter.annotate([[doc], tokens, tags, sections])
    assert [(c.result, c.metadata["section"]) for c in chunks] == [
        ("chest pain", "physical_exam"), ("diabetes", "family_history")]
    without = NerConverter().annotate([[doc], tokens, tags])
    assert [c.result for c in without] == ["PHYSICAL EXAMINATION", "chest pain", "diabetes"]
    assert "section" not in without[0].metadata

    # "family history" is itself a trigger here; the section rule covers chunks no trigger
    # reaches (next test).
    assertion = ContextualAssertion().annotate([[doc], chunks])
    assert [a.result for a in assertion] == ["present", "associated_with_someone_else"]


def test_section_rules_yield_to_triggers_and_cover_discharge_instructions():
    text = ("FAMILY HISTORY: No diabetes.\nCancer.\n"
            "DISCHARGE INSTRUCTIONS: Worsening pain.")
    light = text_light(
        SentenceDetector().setInputCols(["document", "section"]),
    )
    row = light.fullAnnotate(text)[0]
    doc_sentences = row["sentence"]
    sections = row["section"]

    def chunk(word, section):
        begin = text.index(word)
        return Annotation(AnnotatorType.CHUNK, begin, begin + len(word) - 1, word,
                          {"entity": "PROBLEM", "section": section})

    chunks = [chunk("diabetes", "family_history"), chunk("Cancer", "family_history"),
              chunk("Worsening pain", "discharge_instructions")]
    statuses = ContextualAssertion().annotate([doc_sentences, chunks])
    assert [(a.result, a.metadata.get("section_rule")) for a in statuses] == [
        ("absent", None), ("associated_with_someone_else", "family_history"),
        ("hypothetical", "discharge_instructions")]
    assert [a.metadata["section"] for a in statuses] == [
        "family_history", "family_history", "discharge_instructions"]
    assert [s.metadata["name"] for s in sections] == ["family_history", "discharge_instructions"]


def test_input_columns_are_checked_when_set():
    with pytest.raises(ConfigurationError, match=r"NerConverter reads 3 or 4 columns"):
        NerConverter().setInputCols(["sentence", "ner"])
    with pytest.raises(ConfigurationError, match=r"SectionDetector reads 1 columns"):
        SectionDetector().setInputCols(["document", "section"])
    SentenceDetector().setInputCols(["document", "section"])  # the optional column
