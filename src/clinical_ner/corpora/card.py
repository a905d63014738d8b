"""The corpus card: a readable summary (``CARD.md``) and its data (``card.json``) of a
corpus build: documents, sentences, tokens and mentions per corpus, split and label, what
flattening dropped, and how many mentions fall off token boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clinical_ner.labels import ENTITY_TYPES as LABELS

SPLITS = ("train", "dev", "test")
MAIN_CORPORA = ("maccrobat", "chia", "mtsamples")


def card_data(stats: dict[str, Any]) -> dict[str, Any]:
    """The card's numbers, from the build's ``stats.json``."""
    corpora = {}
    for name, info in stats["corpora"].items():
        splits = info["splits"]
        corpora[name] = {
            "splits": {
                split: {
                    "documents": splits[split]["documents"],
                    "sentences": splits[split]["sentences"],
                    "tokens": splits[split]["tokens"],
                    "mentions": {label: splits[split]["entities"].get(label, 0) for label in LABELS},
                    "mentions_off_token_boundaries": splits[split].get("alignment", {}).get("boundary_inside_token", 0),
                }
                for split in SPLITS
                if split in splits
            },
            "dropped_by_flattening": info.get("dropped", {}),
            "repairs": info.get("repairs", {}),
        }
    main_total = {label: 0 for label in LABELS}
    off = spans = 0
    for name in MAIN_CORPORA:
        for split in corpora.get(name, {}).get("splits", {}).values():
            for label in LABELS:
                main_total[label] += split["mentions"][label]
        for split in stats["corpora"].get(name, {}).get("splits", {}).values():
            off += split.get("alignment", {}).get("boundary_inside_token", 0)
            spans += split.get("alignment", {}).get("spans", 0)
    return {
        "seed": stats.get("seed"),
        "corpora": corpora,
        "main": {
            "corpora": [n for n in MAIN_CORPORA if n in corpora],
            "mentions": main_total,
            "mentions_off_token_boundaries": off,
            "share_off_token_boundaries": off / spans if spans else 0.0,
            "splits": stats["main"],
        },
        "missing": stats.get("missing", []),
    }


def render_card(card: dict[str, Any]) -> str:
    """``CARD.md`` text."""
    lines = [
        "# Corpus card",
        "",
        "Built by `clinical-ner corpus build` (split by document, seed "
        f"{card['seed']}; the main training corpus is "
        f"{' + '.join(n for n in card['main']['corpora'] if n in card['corpora'])}).",
        "",
        "## Mentions in the main corpus (all splits)",
        "",
        "| PROBLEM | TEST | TREATMENT | off token boundaries |",
        "|---:|---:|---:|---:|",
        "| {PROBLEM} | {TEST} | {TREATMENT} | ".format(**card["main"]["mentions"])
        + f"{card['main']['mentions_off_token_boundaries']} "
        f"({card['main']['share_off_token_boundaries']:.2%}) |",
        "",
        "## Per corpus and split",
        "",
        "| corpus | split | documents | sentences | tokens | PROBLEM | TEST | TREATMENT | off boundaries |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, info in card["corpora"].items():
        for split, s in info["splits"].items():
            m = s["mentions"]
            lines.append(
                f"| {name} | {split} | {s['documents']} | {s['sentences']} | {s['tokens']} | "
                f"{m['PROBLEM']} | {m['TEST']} | {m['TREATMENT']} | {s['mentions_off_token_boundaries']} |"
            )
    lines += ["", "## Dropped by flattening (overlaps, duplicates, discontinuous spans)", ""]
    for name, info in card["corpora"].items():
        dropped = ", ".join(f"{k}: {v}" for k, v in sorted(info["dropped_by_flattening"].items()))
        lines.append(f"- {name}: {dropped or 'nothing'}")
    if card["missing"]:
        lines += ["", f"Corpora not found: {', '.join(card['missing'])}"]
    return "\n".join(lines) + "\n"


def write_card(out_dir: str | Path) -> dict[str, Any]:
    """Write ``CARD.md`` and ``card.json`` beside the build's ``stats.json``."""
    out_dir = Path(out_dir)
    card = card_data(json.loads((out_dir / "stats.json").read_text(encoding="utf-8")))
    (out_dir / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (out_dir / "CARD.md").write_text(render_card(card), encoding="utf-8")
    return card
