"""A text's entities and confidences do not depend on which other texts share its batch in
float32 (bfloat16 rounding depends on batch shapes: `precision="auto"` may choose it, see
tests/nn/test_precision.py)."""

from __future__ import annotations

import random

from clinical_ner import LightPipeline, clinical_pipeline

from ..helpers.notes import PIECES


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
