"""Choose the MTSamples notes to annotate and write their raw text for the annotators.

usage: python tools/annotation/select_notes.py MTSAMPLES_CSV OUT_DIR

Deduplicates on the transcription (the first note id of each distinct text is kept),
drops reserved notes and every note whose transcription equals a reserved one's, keeps
notes of 600 to 6,000 characters (so that one annotator can read each whole note), and
draws a fixed number per specialty with a fixed seed. Writes OUT_DIR/raw/<note_id>.txt
(the transcription, byte for byte; never committed) and OUT_DIR/selection.json (ids and
specialty per id). The text stays outside the repository: MTSamples may not be
redistributed.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

#: Specialty (as MTSamples names it) -> notes to draw. Clinical notes first.
QUOTAS = {
    "Discharge Summary": 30,
    "Consult - History and Phy.": 36,
    "SOAP / Chart / Progress Notes": 30,
    "Emergency Room Reports": 22,
    "General Medicine": 24,
    "Radiology": 16,
    "Surgery": 18,
    "Neurology": 14,
    "Cardiovascular / Pulmonary": 18,
    "Orthopedic": 10,
    "Pediatrics - Neonatal": 10,
    "Psychiatry / Psychology": 8,
    "Gastroenterology": 10,
    "Office Notes": 6,
    "Hematology - Oncology": 6,
    "Urology": 5,
    "Nephrology": 5,
}
SEED = 20261202
MIN_CHARS, MAX_CHARS = 600, 6000


def reserved_ids(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def main(csv_path: str, out_dir: str) -> None:
    csv.field_size_limit(10**8)
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    reserved = reserved_ids(Path(csv_path).with_name("RESERVED.txt"))
    reserved_texts = {r["transcription"] for r in rows if r["note_id"] in reserved}
    # One sample is often listed under several specialties: the first note id of a text
    # stands for it, and it may be drawn for any of its specialties, once.
    first: dict[str, dict] = {}
    specialties: dict[str, set[str]] = {}
    for row in rows:
        text = row["transcription"]
        first.setdefault(text, row)
        specialties.setdefault(text, set()).add(row["medical_specialty"].strip())
    eligible = sorted(
        (text for text in first if text not in reserved_texts and MIN_CHARS <= len(text) <= MAX_CHARS),
        key=lambda text: int(first[text]["note_id"]),
    )
    rng = random.Random(SEED)
    chosen, taken = [], set()
    for specialty, quota in QUOTAS.items():
        candidates = [t for t in eligible if specialty in specialties[t] and t not in taken]
        for text in rng.sample(candidates, min(quota, len(candidates))):
            taken.add(text)
            chosen.append((specialty, first[text]))
    out = Path(out_dir)
    (out / "raw").mkdir(parents=True, exist_ok=True)
    for _, row in chosen:
        with open(out / "raw" / f"{row['note_id']}.txt", "w", encoding="utf-8", newline="") as f:
            f.write(row["transcription"])
    selection = {row["note_id"]: specialty for specialty, row in chosen}
    (out / "selection.json").write_text(json.dumps(selection, indent=1), encoding="utf-8")
    print(f"{len(chosen)} notes written to {out / 'raw'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
