"""Run one piece of the build on the other core.

The seed's workbook and header image need openpyxl and matplotlib, whose imports take longer than the rest
of a build; a forked child does that work while the parent renders everything else. Where fork is missing,
or the child fails, the work runs in this process, so any error surfaces here as it always would.
"""

from __future__ import annotations

import os
import pickle
import signal
from typing import Callable


class Done:
    """Work already done (the same interface as a child's)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self) -> None:
        pass


class _Child:
    def __init__(self, pid: int, read_end: int, work: Callable[[], dict]):
        self.pid, self.read_end, self.work = pid, read_end, work
        self.running = True

    def result(self) -> dict:
        pipe = os.fdopen(self.read_end, "rb")
        # The file object owns the descriptor from here: it closes it, even when the read is interrupted, and
        # cancel() must not close the number again (by then it may be another file's: issue 19 item 5).
        self.read_end = None
        with pipe:
            payload = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.running = False
        if status == 0 and payload:
            return pickle.loads(payload)
        return self.work()  # the child failed: here, so its error (bad input: exit 2) surfaces as it always would

    def cancel(self) -> None:
        """The build failed elsewhere: stop the child and collect it, so nothing is left behind. Safe at any
        point, also after result() (which may have raised) and twice."""
        if self.read_end is not None:
            read_end, self.read_end = self.read_end, None
            os.close(read_end)
        if not self.running:
            return  # already collected by result()
        self.running = False
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # collected already (a SIGCHLD handler of the embedding program)


def in_background(work: Callable[[], dict]):
    """Start ``work`` now; ``.result()`` waits for it, ``.cancel()`` abandons it."""
    if not hasattr(os, "fork"):
        return Done(work())
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, hand the bytes over, leave without running the parent's cleanup
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return _Child(pid, read_end, work)
