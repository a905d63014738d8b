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
