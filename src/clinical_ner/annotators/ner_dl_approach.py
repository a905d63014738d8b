"""Old home of :class:`~clinical_ner.training.ner_dl_approach.NerDLApproach`, kept so that
``clinical_ner.annotators.ner_dl_approach`` imports written before the move keep working.

The estimator drives the training loop, which sits above the annotators
(docs/ARCHITECTURE.md), so this module must not import it statically. On first import it
puts the real module in its own place in ``sys.modules``: both names then give ONE module
object, so ``isinstance``, ``monkeypatch`` and its logger behave the same under either name.
tests/test_layers.py allows this one dynamic upward import by name.
"""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("clinical_ner.training.ner_dl_approach")
