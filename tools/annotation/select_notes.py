"""Choose the MTSamples notes to annotate and write their raw text for the annotators.

usage: python tools/annotation/select_notes.py MTSAMPLES_CSV OUT_DIR [--round 2 --exclude JSONL]

Deduplicates on the transcription (the first note id of each distinct text is kept),
drops reserved notes and every note whose transcription equals a reserved one's, keeps
notes of 600 to 6,000 characters (so that one annotator can read each whole note), and
draws a fixed number per specialty with a fixed seed. Writes OUT_DIR/raw/<note_id>.txt
(the transcription, byte for byte; never committed) and OUT_DIR/selection.json (ids and
specialty per id). The text stays outside the repository: MTSamples may not be
redistributed.

Round 2 draws further notes with its own quotas and seed, skipping every note (and every
transcription) already in the standoff file given with ``--exclude``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
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
#: The second round: more of the note types users feed the model most.
QUOTAS_ROUND2 = {
    "Discharge Summary": 12,
    "Consult - History and Phy.": 13,
    "SOAP / Chart / Progress Notes": 12,
    "Emergency Room Reports": 8,
    "General Medicine": 8,
    "Radiology": 3,
    "Surgery": 3,
    "Neurology": 3,
    "Cardiovascular / Pulmonary": 3,
    "Orthopedic": 2,
    "Pediatrics - Neonatal": 2,
    "Psychiatry / Psychology": 1,
}
SEED_ROUND2 = 20261203
MIN_CHARS, MAX_CHARS = 600, 6000


def reserved_ids(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def main(csv_path: str, out_dir: str, round_: int = 1, exclude: str | None = None) -> None:
    csv.field_size_limit(10**8)
    quotas, seed = (QUOTAS, SEED) if round_ == 1 else (QUOTAS_ROUND2, SEED_ROUND2)
    done_ids: set[str] = set()
    if exclude:
        with open(exclude, encoding="utf-8") as handle:
            done_ids = {json.loads(line)["note_id"] for line in handle if line.strip()}
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    reserved = reserved_ids(Path(csv_path).with_name("RESERVED.txt"))
    reserved_texts = {r["transcription"] for r in rows if r["note_id"] in reserved}
    done_texts = {r["transcription"] for r in rows if r["note_id"] in done_ids}
    # One sample is often listed under several specialties: the first note id of a text
    # stands for it, and it may be drawn for any of its specialties, once.
    first: dict[str, dict] = {}
    specialties: dict[str, set[str]] = {}
    for row in rows:
        text = row["transcription"]
        first.setdefault(text, row)
        specialties.setdefault(text, set()).add(row["medical_specialty"].strip())
    eligible = sorted(
        (text for text in first
         if text not in reserved_texts and text not in done_texts and MIN_CHARS <= len(text) <= MAX_CHARS),
        key=lambda text: int(first[text]["note_id"]),
    )
    rng = random.Random(seed)
    chosen, taken = [], set()
    for specialty, quota in quotas.items():
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_path")
    parser.add_argument("out_dir")
    parser.add_argument("--round", type=int, choices=(1, 2), default=1, dest="round_")
    parser.add_argument("--exclude", help="standoff JSONL of notes already annotated")
    main(**vars(parser.parse_args()))
