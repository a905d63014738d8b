"""NerConverter on hand-made tags: IOB1, IOB2, BIOES, stray I-, filters, confidence."""

import pytest

from clinical_ner import Annotation, ConfigurationError, NerConverter

TEXT = "No chest pain or fever today"


def inputs(tags, confidences=None, text=TEXT):
    words = text.split(" ")
    tokens, ner = [], []
    pos = 0
    for i, word in enumerate(words):
        begin = text.index(word, pos)
        end = begin + len(word) - 1
        pos = end + 1
        tokens.append(Annotation("token", begin, end, word, {"sentence": "0"}))
        meta = {"word": word, "sentence": "0"}
        if confidences is not None:
            meta["confidence"] = str(confidences[i])
        ner.append(Annotation("named_entity", begin, end, tags[i], meta))
    sentence = Annotation("document", 0, len(text) - 1, text, {"sentence": "0"})
    return [[sentence], tokens, ner]


def chunks(tags, converter=None, confidences=None):
    converter = converter or NerConverter()
    return [(c.result, c.metadata["entity"]) for c in converter.annotate(inputs(tags, confidences))]


def test_iob2():
    assert chunks(["O", "B-PROBLEM", "I-PROBLEM", "O", "B-PROBLEM", "O"]) == [
        ("chest pain", "PROBLEM"),
        ("fever", "PROBLEM"),
    ]


def test_iob1_and_stray_inside_opens_chunk():
    assert chunks(["O", "I-PROBLEM", "I-PROBLEM", "O", "I-PROBLEM", "O"]) == [
        ("chest pain", "PROBLEM"),
        ("fever", "PROBLEM"),
    ]
    # IOB1 uses B- only between two adjacent chunks of one type
    assert chunks(["O", "I-PROBLEM", "B-PROBLEM", "O", "O", "O"]) == [
        ("chest", "PROBLEM"),
        ("pain", "PROBLEM"),
    ]


def test_type_change_inside_starts_new_chunk():
    assert chunks(["O", "B-TEST", "I-PROBLEM", "O", "O", "O"]) == [
        ("chest", "TEST"),
        ("pain", "PROBLEM"),
    ]


def test_bioes():
    assert chunks(["O", "B-PROBLEM", "E-PROBLEM", "O", "S-PROBLEM", "S-TEST"]) == [
        ("chest pain", "PROBLEM"),
        ("fever", "PROBLEM"),
        ("today", "TEST"),
    ]
    # after E- the chunk is closed: an I- starts a new one
    assert chunks(["B-PROBLEM", "E-PROBLEM", "I-PROBLEM", "O", "O", "O"]) == [
        ("No chest", "PROBLEM"),
        ("pain", "PROBLEM"),
    ]


def test_offsets_and_metadata():
    (chunk,) = NerConverter().annotate(
        inputs(["O", "B-PROBLEM", "I-PROBLEM", "O", "O", "O"], [1, 0.8, 0.6, 1, 1, 1])
    )
    assert (chunk.begin, chunk.end) == (3, 12)
    assert TEXT[chunk.begin : chunk.end + 1] == chunk.result
    assert chunk.annotatorType == "chunk"
    assert chunk.metadata == {
        "entity": "PROBLEM", "sentence": "0", "chunk": "0", "confidence": "0.7000",
    }


def test_white_and_black_lists():
    tags = ["O", "B-PROBLEM", "I-PROBLEM", "O", "B-TEST", "O"]
    assert chunks(tags, NerConverter().setWhiteList(["TEST"])) == [("fever", "TEST")]
    assert chunks(tags, NerConverter().setBlackList(["TEST"])) == [("chest pain", "PROBLEM")]


def test_threshold_drops_low_confidence_chunks():
    tags = ["O", "B-PROBLEM", "I-PROBLEM", "O", "B-TEST", "O"]
    conf = [1, 0.9, 0.9, 1, 0.4, 1]
    assert chunks(tags, NerConverter().setThreshold(0.5), conf) == [("chest pain", "PROBLEM")]
    with pytest.raises(ConfigurationError):
        NerConverter().setThreshold(2)


def test_mismatched_lengths_is_a_clear_error():
    sentence, tokens, ner = inputs(["O"] * 6)
    with pytest.raises(ConfigurationError, match="same token column"):
        NerConverter().annotate([sentence, tokens, ner[:-1]])
