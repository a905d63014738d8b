"""A text's entities and confidences do not depend on which other texts share its batch in
float32 (bfloat16 rounding depends on batch shapes: `precision="auto"` may choose it, see
tests/nn/test_precision.py)."""

from __future__ import annotations

import random

from clinical_ner import LightPipeline, clinical_pipeline

PIECES = [
    "CHIEF COMPLAINT: Chest pain.", "HISTORY: The patient is a 67-year-old man with CHF.",
    "He denies fever, chills or shortness of breath.", "Started aspirin 81 mg daily.",
    "MEDICATIONS: Lasix, Coumadin and metoprolol.", "CT of the abdomen showed a 2 cm mass.",
    "Blood pressure 150/90, pulse 110.", "PLAN: Continue IV antibiotics and check a CBC.",
    "Mother had breast cancer.", "No murmurs, rubs or gallops.", "Hemoglobin was 9.8.",
    "He was intubated for respiratory failure and transfused two units of blood.",
]


def chunks(row):
    return [(c.begin, c.end, c.metadata["entity"], c.metadata["confidence"])
            for c in row["ner_chunk"]]


def test_a_note_alone_and_in_a_batch_of_64_gets_the_same_entities_and_confidences():
    rng = random.Random(3)
    notes = [" ".join(rng.choices(PIECES, k=rng.randint(1, 12))) for _ in range(64)]
    light = LightPipeline(clinical_pipeline(precision="float32"), batch_size=64)
    together = light.fullAnnotate(notes)
    for note, row in zip(notes, together, strict=True):
        assert chunks(light.fullAnnotate(note)[0]) == chunks(row)
