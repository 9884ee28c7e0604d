"""The post sandbox's CPU timer (SIGPROF) acts only on a render that is on and past its budget.

SIGPROF's default action ends the process, and Python runs a handler late (between bytecodes), so a signal
that outlives a render must be harmless: in one CI run a stray one ended a test worker in the middle of an
unrelated test.
"""

from __future__ import annotations

import os
import signal
import time

import jinja2
import pytest

from generator.core import limits
from generator.core.errors import GeneratorError
from generator.render.post_sandbox import PostSandbox

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no CPU timers on this platform")


def _sandbox():
    return PostSandbox(undefined=jinja2.StrictUndefined)


def _spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_signal_after_a_render_is_ignored():
    sandbox = _sandbox()
    sandbox.start_render()
    assert sandbox.from_string("{{ 1 + 1 }}").render() == "2"
    sandbox.end_render()
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    os.kill(os.getpid(), signal.SIGPROF)  # would end the process under SIGPROF's default action
    _spin(0.05)  # the handler runs here, between bytecodes, and must not raise


def test_a_signal_before_the_deadline_does_not_end_the_render():
    sandbox = _sandbox()
    sandbox.start_render()
    try:
        def early_tick():
            os.kill(os.getpid(), signal.SIGPROF)
            _spin(0.05)
            return sandbox.from_string("{{ 'ok' }}").render()
        assert sandbox.timed(early_tick) == "ok"
        assert signal.getitimer(signal.ITIMER_PROF)[0] > 0  # still bounded: the early tick re-armed the timer
    finally:
        sandbox.end_render()


def test_a_render_past_its_budget_is_stopped(monkeypatch):
    monkeypatch.setattr(limits, "MAX_RENDER_SECONDS", 0.2)
    sandbox = _sandbox()
    sandbox.start_render()
    try:
        with pytest.raises(GeneratorError, match="CPU time"):
            sandbox.timed(_spin, 5)
    finally:
        sandbox.end_render()
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_a_post_that_runs_out_of_time_leaves_no_timer_behind(monkeypatch):
    """The whole path a build takes (render._render_located): the error is the post's, located; afterwards the
    process runs on with no timer armed and no signal that raises."""
    from generator.render.pages import _render_located, post_environment
    monkeypatch.setattr(limits, "MAX_RENDER_SECONDS", 0.1)
    source = "{% for i in range(40000) %}{% set y = ('x' * 100000) | reverse | join %}{% endfor %}"
    for _ in range(5):
        with pytest.raises(GeneratorError) as caught:
            _render_located(source + "\n", "content/posts/2024-01-01-x.md", 1, post_environment(), {})
        assert caught.value.path == "content/posts/2024-01-01-x.md"
        assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
        os.kill(os.getpid(), signal.SIGPROF)
        _spin(0.2)


def test_a_timer_left_armed_outside_a_render_raises_nothing():
    """Whatever path leaves a render marked as on, the signal raises only inside the post's own code."""
    sandbox = _sandbox()
    sandbox.start_render()
    sandbox.deadline = 0.0  # as if the budget were spent: inside a render this raises at once
    try:
        os.kill(os.getpid(), signal.SIGPROF)
        _spin(0.05)  # not the post's code: ignored, and the timer stopped
        assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    finally:
        sandbox.end_render()
