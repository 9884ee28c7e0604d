"""A reader that stops reading (`generator models | head -1`) is not an error of the generator: the command finishes,
prints nothing more, and exits with its own code; never "internal error (BrokenPipeError)" and exit 3."""

import os
import subprocess
import sys

from conftest import ROOT


def _with_closed_stdout(*argv):
    read_end, write_end = os.pipe()
    os.close(read_end)   # the reader is gone before the first line: every write meets EPIPE
    try:
        return subprocess.run([sys.executable, "-m", "generator", *argv], stdout=write_end, stderr=subprocess.PIPE,
                              cwd=ROOT, timeout=300, text=True)
    finally:
        os.close(write_end)


def test_a_listing_into_a_closed_pipe_exits_0_without_an_error():
    run = _with_closed_stdout("models")
    assert (run.returncode, run.stderr) == (0, "")


def test_an_estimate_into_a_closed_pipe_keeps_its_bad_input_code():
    # The reader's departure does not hide what the command found: bad input is still exit 2, said on stderr.
    run = _with_closed_stdout("estimate", "--config", "no-such-model-xyz", "--context", "1024")
    assert run.returncode == 2 and run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr


def test_a_json_estimate_into_a_closed_pipe_exits_0():
    run = _with_closed_stdout("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16",
                              "--context", "8192", "--json")
    assert (run.returncode, run.stderr) == (0, "")
