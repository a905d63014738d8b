from clinical_ner.corpora.brat import parse_ann
from clinical_ner.corpora.maccrobat import HEAD_LABELS, map_maccrobat

TEXT = (
    "A grade 2/6 holosystolic tricuspid regurgitation murmur was heard. "
    "Contrast echocardiography using saline showed severe pain, (left) edema."
)


def offsets(sub, start=0):
    b = TEXT.index(sub, start)
    return f"{b} {b + len(sub)}"


ANN = "\n".join(
    [
        f"T1\tSign_symptom {offsets('regurgitation murmur')}\tregurgitation murmur",
        "E1\tSign_symptom:T1 ",
        f"T2\tBiological_structure {offsets('tricuspid')}\ttricuspid",
        f"T3\tDetailed_description {offsets('holosystolic')}\tholosystolic",
        f"T4\tLab_value {offsets('grade 2/6')}\tgrade 2/6",
        "R1\tMODIFY Arg1:T2 Arg2:E1\t",
        "R2\tMODIFY Arg1:T3 Arg2:E1\t",
        "R3\tMODIFY Arg1:T4 Arg2:E1\t",
        f"T5\tDiagnostic_procedure {offsets('echocardiography')}\techocardiography",
        f"T6\tDetailed_description {offsets('Contrast')}\tContrast",
        f"T7\tDetailed_description {offsets('using saline')}\tusing saline",
        "R4\tMODIFY Arg1:T6 Arg2:T5\t",
        "R5\tMODIFY Arg1:T7 Arg2:T5\t",  # after the head: never absorbed
        f"T8\tSign_symptom {offsets('pain')}\tpain",
        f"T9\tSeverity {offsets('severe')}\tsevere",
        "R6\tMODIFY Arg1:T9 Arg2:T8\t",
        f"T10\tSign_symptom {offsets('edema')}\tedema",
        "E2\tSign_symptom:T10 ",
        "A1\tPOLARITY E2 NEG",
        f"T11\tBiological_structure {offsets('left')}\tleft",
        "R7\tMODIFY Arg1:T11 Arg2:E2\t",  # separated by ") ": not contiguous
        f"T12\tAge {offsets('grade')}\tgrade",  # not a head type: ignored
    ]
)


def test_widening_over_contiguous_pre_modifiers_only():
    doc = map_maccrobat(parse_ann("syn", TEXT, ANN))
    got = [(s.label, s.text) for s in doc.spans]
    assert got == [
        ("PROBLEM", "grade 2/6 holosystolic tricuspid regurgitation murmur"),
        ("TEST", "Contrast echocardiography"),
        ("PROBLEM", "severe pain"),
        ("PROBLEM", "edema"),
    ]
    # offsets counted by hand in TEXT (end inclusive)
    assert [(s.begin, s.end) for s in doc.spans] == [(2, 54), (67, 91), (113, 123), (133, 137)]
    murmur = doc.spans[0]
    assert murmur.id == "T1"
    assert murmur.source_label == "Sign_symptom"
    assert doc.spans[3].attributes == {"POLARITY": "NEG"}
    assert doc.repairs == {"widened": 3}
    assert ("MODIFY", "T11", "T10") in [(r.type, r.arg1, r.arg2) for r in doc.relations]


def test_without_widening_heads_stay_minimal():
    doc = map_maccrobat(parse_ann("syn", TEXT, ANN), widen=False)
    assert [s.text for s in doc.spans] == [
        "regurgitation murmur",
        "echocardiography",
        "pain",
        "edema",
    ]


def test_modifier_of_modifier_is_absorbed_and_nested_heads_flatten():
    text = "right ventricular inlet dilatation and heart failure"
    ann = "\n".join(
        [
            "T1\tSign_symptom 24 34\tdilatation",
            "T2\tBiological_structure 18 23\tinlet",
            "T3\tBiological_structure 0 17\tright ventricular",
            "R1\tMODIFY Arg1:T2 Arg2:T1\t",
            "R2\tMODIFY Arg1:T3 Arg2:T2\t",
            "T4\tDisease_disorder 39 52\theart failure",
            "T5\tSign_symptom 45 52\tfailure",
        ]
    )
    doc = map_maccrobat(parse_ann("syn", text, ann))
    assert [(s.text, s.id) for s in doc.spans] == [
        ("right ventricular inlet dilatation", "T1"),
        ("heart failure", "T4"),
    ]
    assert doc.dropped == {"overlap:PROBLEM": 1}


def test_real_maccrobat_examples(real_corpus):
    docs = {d.id: d for d in real_corpus("maccrobat")}
    assert len(docs) == 160
    doc = docs["15939911"]
    spans = {(s.text, s.label) for s in doc.spans}
    # Heads widened as i2b2 marks noun phrases (see the module docstring).
    assert ("grade 2/6 holosystolic tricuspid regurgitation murmur", "PROBLEM") in spans
    assert ("Transthoracic echocardiography", "TEST") in spans
    assert ("right-sided accessory pathway", "PROBLEM") in spans
    assert ("radiofrequency ablation", "TREATMENT") in spans
    murmur = next(s for s in doc.spans if s.text.endswith("regurgitation murmur"))
    assert (murmur.begin, murmur.end) == (228, 280)
    for d in docs.values():
        assert {s.label for s in d.spans} <= set(HEAD_LABELS.values())


def test_real_maccrobat_head_counts_survive_flattening(corpus_folder):
    folder = corpus_folder("maccrobat")
    from clinical_ner.corpora import read_maccrobat, total_dropped, total_label_counts

    docs = read_maccrobat(folder)
    counts = total_label_counts(docs)
    dropped = total_dropped(docs)
    # 3,736 PROBLEM, 3,661 TEST and 1,775 TREATMENT heads in the raw files; flattening
    # may only drop the few that overlap another head.
    raw = {"PROBLEM": 3736, "TEST": 3661, "TREATMENT": 1775}
    for label, n in raw.items():
        lost = sum(v for k, v in dropped.items() if k.endswith(f":{label}"))
        assert counts[label] + lost == n
        assert lost < 0.02 * n
