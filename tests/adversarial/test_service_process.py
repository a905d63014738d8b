"""The service as a real process: a slow request does not stop /healthz, and SIGTERM
ends the process within 10 s (the service's stated shutdown bound)."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

pytest.importorskip("uvicorn", reason="the service tests need the 'server' extra")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(toy_model_dir):
    model = toy_model_dir
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "clinical_ner.cli", "serve", "--model", str(model),
         "--port", str(port), "--timeout", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the service did not become ready")
    yield process, base
    if process.poll() is None:
        process.kill()
        process.wait()


def post(base: str, body: dict, timeout: float = 120) -> int:
    request = urllib.request.Request(f"{base}/v1/annotate", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def test_healthz_answers_while_a_big_request_is_annotated(server):
    _, base = server
    # ~900 KB of header look-alikes and sentence ends: seconds of text work.
    slow = threading.Thread(target=post, args=(base, {"text": "A: b. " * 150_000}))
    slow.start()
    time.sleep(0.5)
    started = time.monotonic()
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        assert response.status == 200
    assert time.monotonic() - started < 5
    slow.join(timeout=120)


def post_ignoring_errors(base: str, body: dict, timeout: float) -> None:
    # 503 shutting_down, or the connection closed by the shutdown
    with contextlib.suppress(OSError):
        post(base, body, timeout)


def test_sigterm_ends_the_service_within_ten_seconds(server):
    process, base = server
    threading.Thread(target=post_ignoring_errors,
                     args=(base, {"text": "chest pain. " * 50_000}, 30), daemon=True).start()
    time.sleep(0.3)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    assert time.monotonic() - started < 10
    assert b"Traceback" not in process.stderr.read()
