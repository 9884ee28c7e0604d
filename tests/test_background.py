"""generator/core/background.py: the forked worker and its fallback (issue 19 item 5).

When the worker fails and the fallback in this process raises too, the fallback's error is what surfaces (bad
input: exit 2), and cancel() afterwards closes nothing and leaves no process behind. cancel() never closes the
pipe's descriptor a second time: once result() has handed it to a file object, the number may belong to another
file by the time cancel() runs (an interrupted read: Ctrl-C during a build)."""

from __future__ import annotations

import os

import pytest

from conftest import run_cli
from generator.core import background
from generator.core.background import in_background
from generator.core.errors import GeneratorError


def _all_children() -> set:
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as handle:
        return set(handle.read().split())


@pytest.fixture(autouse=True)
def _earlier_children():
    """Children this test process had before the test (the session's Chromium driver, where a browser test ran
    earlier in it) are not the test's."""
    global _BEFORE
    _BEFORE = _all_children()


_BEFORE: set = set()


def _children() -> list:
    """The children the test left behind."""
    return sorted(_all_children() - _BEFORE)


def _bad_input():
    raise GeneratorError("a bad seed", "content/site.yaml", 3, "fix the seed")


def test_worker_and_fallback_both_fail_the_fallbacks_error_surfaces_and_cancel_is_harmless():
    job = in_background(_bad_input)
    with pytest.raises(GeneratorError, match="a bad seed"):
        job.result()
    other = os.open(os.devnull, os.O_RDONLY)  # likely the number the pipe had
    try:
        job.cancel()
        job.cancel()
        os.fstat(other)  # still open: cancel() closed nothing of anyone else's
    finally:
        os.close(other)
    assert _children() == []


def test_an_interrupted_read_then_cancel_closes_no_other_file_and_collects_the_child(monkeypatch):
    real_fdopen = os.fdopen

    class Interrupted:
        def __init__(self, fd, mode):
            self.file = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def read(self):
            raise KeyboardInterrupt  # what Ctrl-C raises while the parent waits for the child's bytes

    job = in_background(lambda: {"done": True})
    monkeypatch.setattr(background.os, "fdopen", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        job.result()
    monkeypatch.undo()
    other = os.open(os.devnull, os.O_RDONLY)  # takes the pipe's freed number
    try:
        job.cancel()  # before the fix: os.close() of that number (another file's), or EBADF: exit 3
        os.fstat(other)
    finally:
        os.close(other)
    assert _children() == []


def test_cancel_before_result_stops_the_child():
    job = in_background(lambda: {"done": True})
    job.cancel()
    job.cancel()
    assert _children() == []


def test_a_seed_that_fails_in_the_worker_and_in_the_fallback_is_exit_2_not_3(no_render_cache, project, monkeypatch):
    # No render cache: with the workbook and image cached, no worker would be started (site.cached_seed_artifacts).
    monkeypatch.setattr("generator.site.plan.seed_artifacts", lambda *args: _bad_input())
    result = run_cli("build")
    assert (result.code, result.err) == (2, "error: content/site.yaml:3: a bad seed; fix the seed\n")
    assert _children() == []
