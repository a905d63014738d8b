"""Waiting for a service under test without fixed sleeps."""

from __future__ import annotations

import time


def wait_ready(client, timeout: float = 60.0) -> None:
    """Polls ``/readyz`` of a TestClient until it answers 200; fails after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"model not ready: {client.get('/readyz').json()}")


def hold_model_calls(monkeypatch, on_run=None):
    """Makes every model call of the service wait until the returned ``release`` event is
    set, and counts submissions on the returned ``submitted`` semaphore (one release per
    request that reached the batcher). ``on_run(texts)`` is called as each model call
    starts. Returns ``(release, submitted)``."""
    import threading

    from clinical_ner.server.app import ModelHolder
    from clinical_ner.server.batching import MicroBatcher

    release, submitted = threading.Event(), threading.Semaphore(0)
    original_run, original_submit = ModelHolder.run, MicroBatcher.submit

    def run(self, texts):
        if on_run is not None:
            on_run(texts)
        release.wait(10)
        return original_run(self, texts)

    async def submit(self, texts, convert):
        submitted.release()
        return await original_submit(self, texts, convert)

    monkeypatch.setattr(ModelHolder, "run", run)
    monkeypatch.setattr(MicroBatcher, "submit", submit)
    return release, submitted
