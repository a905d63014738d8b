import gc
import threading

import pytest

from clinical_ner.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _restore_gc():
    was_enabled = gc.isenabled()
    yield
    (gc.enable if was_enabled else gc.disable)()


def test_paused_inside_and_restored_after():
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_stays_disabled_when_it_was_disabled_before():
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_restored_after_an_exception():
    gc.enable()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_overlapping_threads_restore_only_when_the_last_one_ends():
    gc.enable()
    first_in, second_done, release_first = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with gc_paused():
            first_in.set()
            release_first.wait(5)

    def second():
        first_in.wait(5)
        with gc_paused():
            pass
        seen["after_second"] = gc.isenabled()  # the first batch is still running
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    second_done.wait(5)
    release_first.set()
    for t in threads:
        t.join(5)
    assert seen["after_second"] is False
    assert gc.isenabled()
