"""Pause Python's cyclic garbage collector while a batch of notes is annotated.

Annotating a batch allocates several small objects per token (annotations, their metadata
dicts, vector views) that live until the batch is returned. Every few hundred allocations
the cyclic collector runs, and its older generations re-scan everything alive, the loaded
model and the growing batch included, so on the 1,000-note MTSamples workload it took a
quarter of the pipeline's time. None of those objects form reference cycles (they are freed
by reference counting), so pausing the collector for the batch loses nothing. Young cyclic
garbage made meanwhile (by user code in other threads) is collected when a batch ends.

The pause is shared by threads: the collector is disabled when the first batch starts and
restored when the last one in flight ends, and only if it was enabled before. Batches
that overlap without a break (``LightPipeline(workers=2)`` on a stream) collect the
youngest generation every few batches instead.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False
_overlapped_exits = 0
# While batches overlap, every this many batch ends runs a youngest-generation pass. Each
# pass scans every young object, the batches in flight included, so not after every batch.
OVERLAPPED_COLLECT_EVERY = 16


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (re-entrant and thread-safe)."""
    global _holders, _was_enabled, _overlapped_exits
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            last = _holders == 0
            if last and _was_enabled:
                gc.enable()
            collect = False
            if not last:
                _overlapped_exits += 1
                collect = _overlapped_exits % OVERLAPPED_COLLECT_EVERY == 0
        if collect:
            # Overlapping batches can keep the collector paused for a whole stream; a
            # periodic youngest-generation pass keeps any cyclic garbage bounded.
            gc.collect(0)
