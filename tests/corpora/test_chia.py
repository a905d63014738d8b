import pytest

from clinical_ner.corpora.brat import parse_ann
from clinical_ner.corpora.chia import map_chia, procedure_label


@pytest.mark.parametrize(
    ("mention", "label"),
    [
        ("MRI", "TEST"),
        ("12-lead ECG", "TEST"),
        ("liver biopsy", "TEST"),
        ("physical examination", "TEST"),
        ("colonoscopy", "TEST"),
        ("coronary angiography", "TEST"),
        ("pregnancy test", "TEST"),
        ("surgery", "TREATMENT"),
        ("chemotherapy", "TREATMENT"),
        ("cholecystectomy", "TREATMENT"),
        ("CT-guided ablation", "TREATMENT"),  # the last keyword (the head) decides
        ("induction of labor", "TREATMENT"),  # "lab" must not match "labor"
        ("exercise program", "TREATMENT"),  # "-gram" must not match "program"
        ("hospitalization", "TREATMENT"),
        ("something unheard of", "TREATMENT"),  # default
    ],
)
def test_procedure_rule(mention, label):
    assert procedure_label(mention) == label


# CRLF text, as most Chia files are.
TEXT = "History of breast or ovarian cancer\r\nPrior MRI or surgery; HbA1c > 7%; insulin pump\r\n"


def off(sub):
    b = TEXT.index(sub)
    return f"{b} {b + len(sub)}"


def test_map_chia_labels_discontinuous_and_repair():
    b1 = TEXT.index("breast")
    c1 = TEXT.index("cancer")
    pump = TEXT.index("insulin pump")
    ann = "\n".join(
        [
            f"T1\tCondition {b1} {b1 + 6};{c1} {c1 + 6}\tbreast cancer",
            f"T2\tCondition {off('ovarian cancer')}\tovarian cancer",
            f"T3\tProcedure {off('MRI')}\tMRI",
            f"T4\tProcedure {off('surgery')}\tsurgery",
            f"T5\tMeasurement {off('HbA1c')}\tHbA1c",
            f"T6\tValue {off('> 7%')}\t> 7%",
            # the end swallows the "\r", as in a few Chia lines: trimmed by the repair rule
            f"T7\tDevice {pump} {pump + len('insulin pump') + 1}\tinsulin pump",
            "R1\tHas_value Arg1:T5 Arg2:T6\t",
        ]
    )
    doc = map_chia(parse_ann("NCT0_inc", TEXT, ann))
    assert [(s.label, s.text) for s in doc.spans] == [
        ("PROBLEM", "breast or ovarian cancer"),
        ("TEST", "MRI"),
        ("TREATMENT", "surgery"),
        ("TEST", "HbA1c"),
        ("TREATMENT", "insulin pump"),
    ]
    assert doc.spans[0].fragments is not None
    assert doc.dropped == {"overlap:PROBLEM": 1}
    assert doc.repairs == {"repaired_whitespace": 1}
    assert doc.known_labels == frozenset({"PROBLEM", "TEST", "TREATMENT"})
    # offsets counted by hand in TEXT (end inclusive; the pump's "\r" trimmed)
    assert [(s.begin, s.end) for s in doc.spans] == [(11, 34), (43, 45), (50, 56), (59, 63),
                                                     (71, 82)]


def test_real_chia(real_corpus):
    docs = real_corpus("chia")
    assert len(docs) == 1800
    crlf = [d for d in docs if "\r\n" in d.text]
    assert len(crlf) > 1000  # most files are CRLF and were read without translation
    counts = {}
    for d in docs:
        for s in d.spans:
            counts[s.label] = counts.get(s.label, 0) + 1
    assert counts["PROBLEM"] > 9000
    assert counts["TEST"] > 3000
    assert counts["TREATMENT"] > 5000
