"""The command line with closed, undecodable and abandoned pipes: a clear error and exit 2,
or a quiet stop, never a traceback."""

from __future__ import annotations

import subprocess
import sys

COMMAND = [sys.executable, "-m", "clinical_ner.cli", "annotate", "--model", "none"]


def run(args, stdin, **kwargs):
    return subprocess.run([*COMMAND, *args], stdin=stdin, capture_output=True, timeout=120, **kwargs)


def test_a_closed_stdin_is_a_clear_error():
    result = subprocess.run(COMMAND, capture_output=True, timeout=120, stdin=None,
                            close_fds=True, pass_fds=(), preexec_fn=lambda: __import__("os").close(0))
    assert result.returncode == 2
    assert b"standard input is closed" in result.stderr and b"Traceback" not in result.stderr


def test_stdin_that_is_not_utf8_is_a_clear_error():
    result = subprocess.run(COMMAND, input=b"caf\xe9 chest pain", capture_output=True, timeout=120)
    assert result.returncode == 2
    assert b"not UTF-8" in result.stderr and b"Traceback" not in result.stderr
    assert result.stdout == b""


def test_a_reader_that_goes_away_ends_quietly():
    lines = b"Chest pain and fever.\n" * 20000
    producer = subprocess.Popen([*COMMAND, "--lines"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    producer.stdin.write(lines)
    producer.stdin.close()
    producer.stdout.readline()
    producer.stdout.close()  # like `| head -1`
    producer.wait(timeout=120)
    stderr = producer.stderr.read()
    assert producer.returncode in (0, 1) and b"Traceback" not in stderr
    assert b"BrokenPipeError" not in stderr
