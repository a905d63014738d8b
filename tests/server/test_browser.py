"""The demo page in headless Chromium: `clinical-ner serve` on loopback, paste a note, click
Annotate, check the highlighted spans, their labels and assertion statuses (an absent entity
struck through, its status on hover), save a screenshot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..helpers.toy import EXPECTED, NOTE

NEGATED = "No rash after aspirin .\nPatient reports chest pain ."

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CLINICAL_NER_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The note as the page shows it, without the label badges inside the entity spans.
SHOWN_TEXT = ("el => Array.from(el.childNodes).map(n => n.nodeType === 3 ? n.textContent "
              ": n.firstChild.textContent).join('')")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(toy_model_dir, tmp_path_factory):
    """`clinical-ner serve` in a subprocess on a free loopback port; yields (url, log path)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "clinical_ner.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--model", str(toy_model_dir)],
            stdout=handle, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the service did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium); CI installs it")
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="the browser test needs playwright (pip)")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            chromium_sandbox=False, accept_downloads=True, viewport={"width": 1100, "height": 900},
        )
        yield context
        context.close()


def test_demo_page_highlights_the_note(server, browser, tmp_path):
    url, log = server
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith(("data:", "blob:"))
            else outside.append(r.url))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto(url + "/")
    page.fill("#note", NOTE)
    page.click("#annotate")
    page.wait_for_selector("#result .cner-entity")
    spans = page.eval_on_selector_all(
        "#result .cner-entity",
        "els => els.map(e => [e.firstChild.textContent, e.dataset.label, +e.dataset.begin, "
        "+e.dataset.end, e.title, getComputedStyle(e).backgroundColor])",
    )
    found = {(text, label) for text, label, *_ in spans}
    assert found >= EXPECTED
    for text, label, begin, end, title, color in spans:
        assert NOTE[begin : end + 1] == text
        # the hover names the label, the section (this note has no header: unknown), the
        # confidence
        assert title.startswith(f"{label}, section unknown, confidence ")
        assert color != "rgba(0, 0, 0, 0)"
    # the whole note is shown, unchanged, around the spans (labels are extra text)
    assert page.eval_on_selector("#result", SHOWN_TEXT) == NOTE
    legend = page.eval_on_selector_all("#legend .cner-key", "els => els.map(e => e.textContent)")
    assert set(legend) == {"PROBLEM", "TEST", "TREATMENT"}
    rows = page.eval_on_selector_all("#entities tbody tr", "rows => rows.length")
    assert rows == len(spans)
    assert page.is_enabled("#download")
    page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
    assert (tmp_path / "demo.png").stat().st_size > 10_000

    # the JSON download
    with page.expect_download() as info:
        page.click("#download")
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    assert '"entities"' in downloaded and '"chest pain"' in downloaded
    assert '"assertion": "present"' in downloaded

    # a negated problem: struck through and dimmed, its status on hover and in the table
    page.fill("#note", NEGATED)
    page.click("#annotate")
    expect(page.locator('#result .cner-entity[data-assertion="absent"]')).to_have_count(1)
    spans = page.eval_on_selector_all(
        "#result .cner-entity",
        "els => els.map(e => [e.firstChild.textContent, e.dataset.assertion, e.title, "
        "+e.dataset.begin, getComputedStyle(e).textDecorationLine, "
        "+getComputedStyle(e).opacity])",
    )
    shown = {text: rest for text, *rest in spans}
    status, title, begin, decoration, opacity = shown["rash"]
    assert status == "absent" and title.startswith("PROBLEM, absent, section unknown, confidence ")
    assert "line-through" in decoration and opacity < 1
    assert NEGATED[begin : begin + 4] == "rash"
    status, title, _, decoration, opacity = shown["aspirin"]
    assert status == "present" and title.startswith("TREATMENT, section unknown, confidence ")
    assert "line-through" not in decoration and opacity == 1
    legend = page.eval_on_selector_all("#legend .cner-key", "els => els.map(e => e.textContent)")
    assert "absent" in legend
    table = page.eval_on_selector_all("#entities tbody tr", "rows => rows.map(r => r.innerText)")
    assert any("rash" in row and "absent" in row for row in table)
    page.screenshot(path=str(tmp_path / "demo-absent.png"), full_page=True)

    # an example note with markup: shown as text, never run
    page.select_option("#example", index=4)
    page.click("#annotate")
    # (the page's CSP forbids eval, so wait with a selector, not wait_for_function)
    expect(page.locator("#result")).to_contain_text("alert('x')")
    assert page.eval_on_selector("#result", SHOWN_TEXT) == page.input_value("#note")
    assert "<script>" in page.input_value("#note")
    assert page.query_selector("#result script") is None
    assert dialogs == []

    assert outside == [], f"the page loaded assets from elsewhere: {outside}"
    assert not [e for e in console_errors if "Content Security Policy" in e]
    page.close()
    # the service's log has request lines, never the note
    text = log.read_text()
    assert "POST /v1/annotate 200" in text and "chest pain" not in text and "alert" not in text


def test_docs_page_renders_offline(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith("data:")
            else outside.append(r.url))
    page.goto(url + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent)")
    assert "/v1/annotate" in "".join(paths)
    page.screenshot(path=str(tmp_path / "docs.png"))
    assert outside == []
    page.close()
