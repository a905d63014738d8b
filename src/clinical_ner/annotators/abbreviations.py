"""Clinical abbreviations shared by the SentenceDetector and the Tokenizer.

Two kinds matter to sentence splitting:

- ``NON_TERMINAL``: a period after these never ends a sentence ("Dr. Smith", "e.g. aspirin",
  "approx. 3 cm", "vs. 5").
- ``MAY_END``: units, dosing shorthand and clinical shorthand ("81 mg.", "p.o.", "b.i.d.",
  "pt.", "ca."). They are usually mid-sentence ("aspirin 81 mg p.o. daily", "Pt. is
  afebrile") but can end one ("... 1 tab p.o. Follow up in 2 weeks."), so a period after
  them ends a sentence only when the next word starts with an upper-case letter.

All entries are lower case without their final period; matching is case-insensitive.
"""

from __future__ import annotations

NON_TERMINAL: frozenset[str] = frozenset(
    {
        "dr", "mr", "mrs", "ms", "prof", "sr", "jr", "st", "vs", "v", "e.g", "i.e", "eg",
        "ie", "approx", "appr", "fig", "figs", "ref", "cf", "incl", "esp", "resp", "c.f", "al",
        "viz",
    }
)

MAY_END: frozenset[str] = frozenset(
    {
        "pt", "pts", "hx", "dx", "ca", "sx", "tx", "fx",
        "mg", "mcg", "ug", "g", "gm", "kg", "ml", "cc", "l", "mmol", "meq", "iu", "u",
        "tab", "tabs", "cap", "caps", "p.o", "po", "p.r", "i.v", "iv", "i.m", "im", "s.c",
        "sc", "s.l", "sl", "q.d", "qd", "b.i.d", "bid", "t.i.d", "tid", "q.i.d", "qid",
        "q.h.s", "qhs", "q.o.d", "qod", "p.r.n", "prn", "a.m", "p.m", "h.s", "hr", "hrs",
        "min", "mins", "sec", "wk", "wks", "mo", "mos", "yr", "yrs", "etc", "q", "h", "d",
    }
)

#: Strings the Tokenizer keeps as one token (matched case-insensitively). Dotted forms
#: such as "b.i.d." are also caught by the Tokenizer's generic dotted-abbreviation rule.
TOKEN_EXCEPTIONS: tuple[str, ...] = (
    "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Jr.", "Sr.", "vs.", "approx.", "mg.", "etc.",
    "Fig.", "e.g.", "i.e.", "b.i.d.", "t.i.d.", "q.i.d.", "q.d.", "p.o.", "p.r.n.",
    "q.h.s.", "a.m.", "p.m.", "c/o", "s/p", "w/o", "h/o", "r/o", "f/u", "y/o", "n/v",
    "d/c", "b/l", "w/",
)
