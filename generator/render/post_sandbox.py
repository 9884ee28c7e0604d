"""The Jinja sandbox that post sources render in: data, not code, and bounded in time and memory.

Jinja's own sandbox stops attribute tricks and caps ``range()``. This one also bounds what a post can make the
build do (the maxima are in generator/core/limits.py):

* every string, list or mapping an expression builds (``~``, ``+``, ``*``, ``%``, a filter, a method such as
  ``"x".center(n)`` or ``list.extend``) holds at most MAX_TEMPLATE_STRING characters or items, checked before
  the big ones are built;
* loop iterations, calls and output pieces count as steps, at most MAX_TEMPLATE_STEPS per post, and the text a
  post writes (macros and ``{% set %}`` blocks included) at most 16 x MAX_TEMPLATE_STRING characters;
* a post's rendering may use MAX_RENDER_SECONDS of CPU time, enforced by a CPU timer (``setitimer(ITIMER_PROF)``)
  that interrupts a long expression, not only checked between steps (the build's own table calls pause it);
* integers stay within MAX_INT_BITS bits: ``*`` and ``**`` are sized before they compute, so twenty chained
  ``x*x`` are refused at the first that would pass the bound instead of running for minutes;
* a format string's width and precision, including ones built from its arguments (``'{0:{1}{2}}'``), are checked
  before formatting;
* ``lipsum`` and anything non-deterministic (the ``random`` filter) are not available, ``range`` is bounded by
  the loop steps, and no attribute named ``path`` (the build machine's file paths: ``model(id).path``) or holding
  an absolute path is readable, so no filesystem path reaches a published page.

A post over a limit gets a GeneratorError, which render/pages.py locates at the post's line.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import threading
import time

import jinja2
import jinja2.sandbox
from jinja2 import nodes
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from generator.core import limits
from generator.core.errors import GeneratorError, shown

MAX_STRING = limits.MAX_TEMPLATE_STRING
MAX_OUTPUT = 16 * limits.MAX_TEMPLATE_STRING
_SIZED = (str, list, tuple, dict, set, frozenset)
# The largest integer a post may compute, in bits: 4096 bits is a 1,234-digit number, far beyond any count, byte
# size or product of them a post has reason for (10**15 parameters x 2**24 tokens x 2**16 sequences is ~106 bits),
# and small enough that multiplying two of them takes microseconds. Python itself refuses to print integers of more
# than 4,300 digits (sys.int_info.default_max_str_digits).
MAX_INT_BITS = 4096
# Attributes a post never reads: where the build machine keeps files (Model.path, Benchmark.path, a mapping's
# source path) and the bookkeeping behind error messages.
_HIDDEN_ATTRIBUTES = frozenset({"path", "source_path", "root", "key_lines", "item_lines", "posts_dir"})
# A width or precision in a format string ("%999999999d", "{:>999999999}").
_FORMAT_NUMBER = re.compile(r"\d{7,}")


def _too_large(size: int, what: str = "text") -> GeneratorError:
    return GeneratorError(f"this would build {what} of {size:,} characters or items, more than {MAX_STRING:,}",
                          fix="a post builds text from data: shorten the strings, lists and repeats")


def check_size(value, what: str = "text"):
    if isinstance(value, _SIZED) and len(value) > MAX_STRING:
        raise _too_large(len(value), what)
    return value


def _length(value) -> int:
    return len(value) if isinstance(value, _SIZED) else len(str(value)) if isinstance(value, (int, float)) else 64


def _check_numbers(values) -> None:
    """A count or width beyond MAX_STRING (``center(10**9)``, ``batch(10**9)``) would build that much."""
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_STRING:
            raise GeneratorError(f"{shown(value)} is too large a count or width for a post",
                                 fix=f"use counts up to {MAX_STRING:,}")


def _check_format(text) -> None:
    if isinstance(text, str) and _FORMAT_NUMBER.search(text):
        raise GeneratorError(f"a format width or precision in {shown(text)} is too large",
                             fix=f"use widths up to {MAX_STRING:,}")


def _expected_size(name: str, args: tuple, kwargs: dict) -> int:
    """An upper bound of the size ``name`` (a filter or str method) returns, for those that can multiply it."""
    value = args[0] if args else ""
    if name in ("join", "str.join"):
        # the filter: join(items, separator); the method: separator.join(items)
        if name == "join":
            items, separator = value, args[1] if len(args) > 1 else kwargs.get("d", "")
        else:
            items, separator = args[1] if len(args) > 1 else (), value
        items = items if isinstance(items, _SIZED) else ()
        return sum(_length(item) for item in items) + _length(separator) * len(items)
    if name == "replace" and len(args) >= 3 and isinstance(value, str):
        old, new = str(args[1]), str(args[2])
        return len(value) + max(0, len(new) - len(old)) * (value.count(old) if old else len(value) + 1)
    if name == "indent" and isinstance(value, str):
        width = args[1] if len(args) > 1 else kwargs.get("width", 4)
        width = width if isinstance(width, int) else len(str(width))
        return len(value) + width * (value.count("\n") + 1)
    if name == "expandtabs" and isinstance(value, str):
        size = args[1] if len(args) > 1 else kwargs.get("tabsize", 8)
        return len(value) + value.count("\t") * (size if isinstance(size, int) else 8)
    if name == "sum":
        # Adding up lists copies the running total at each item: the work grows with items x total size.
        items = value if isinstance(value, _SIZED) else []
        total = sum(len(item) for item in items if isinstance(item, _SIZED))
        return total * len(items) // 64 if total > 0 else 0
    return 0


def _materialized(value):
    """A lazy sequence (``items|select``) as a list, so that what joining or adding it builds can be sized first."""
    if isinstance(value, (_SIZED, jinja2.Undefined)) or not hasattr(value, "__iter__"):
        return value
    return check_size(list(value), "a list")


def _guarded_filter(name: str, function):
    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0  # context, eval context or env

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        if name in ("join", "sum") and len(args) > skip:
            args = args[:skip] + (_materialized(args[skip]),) + args[skip + 1:]
        own = args[skip:]
        _check_numbers(list(own[1:]) + list(kwargs.values()))
        if name == "format" and own:
            _check_format(own[0])
        if _expected_size(name, own, kwargs) > MAX_STRING:
            raise _too_large(_expected_size(name, own, kwargs))
        return check_size(function(*args, **kwargs))

    return guarded


# Filters a post does not get: wordwrap takes seconds on a long line; random would make the build nondeterministic.
_LEFT_OUT = ("wordwrap", "random")
_MAX_RANGE = jinja2.sandbox.MAX_RANGE  # 100,000: what Jinja's sandbox allows a range()
# Globals a post does not get: lipsum (random text, and seconds of CPU for a large n).
_LEFT_OUT_GLOBALS = ("lipsum",)


def _integer_too_large(bits: int) -> GeneratorError:
    return GeneratorError(f"this would compute an integer of about {bits:,} bits, more than {MAX_INT_BITS:,}",
                          fix="use numbers from data, or smaller exponents and products")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_number(value):
    if _is_int(value) and value.bit_length() > MAX_INT_BITS:
        raise _integer_too_large(value.bit_length())
    return value


def _check_spec(spec: str) -> None:
    """A resolved format spec (``>30000``): every width or precision in it at most MAX_STRING."""
    for number in re.findall(r"\d+", spec):
        if len(number) > 7 or int(number) > MAX_STRING:
            raise GeneratorError(f"a format width or precision of {shown(number)} is too large",
                                 fix=f"use widths up to {MAX_STRING:,}")


class _BoundedFormatter(jinja2.sandbox.SandboxedFormatter):
    """Jinja's sandboxed str.format, with each field's spec checked after its nested fields are filled in and
    before the field is formatted (``'{0:{1}{2}}'.format(1, '30000', '00000')`` is a width of 3,000,000,000)."""

    def format_field(self, value, format_spec):
        _check_spec(format_spec)
        check_number(value)
        return check_size(super().format_field(value, format_spec))


class _BoundedEscapeFormatter(_BoundedFormatter, jinja2.sandbox.SandboxedEscapeFormatter):
    pass


class _CpuTimeUp(GeneratorError):
    pass


# The sandbox whose post is rendering now, if any. SIGPROF is process-wide and may be delivered late (Python runs
# handlers between bytecodes, after C code returns), so the handler acts only for a render that is still on and
# past its deadline; a stray signal anywhere else (a test runner's own loop, a later step of the build) is ignored.
_RENDERING: "PostSandbox | None" = None


def _in_timed_call(frame) -> bool:
    while frame is not None:
        if frame.f_code is _TIMED_CODE:
            return True
        frame = frame.f_back
    return False


def _cpu_time_up(signum, frame):
    global _RENDERING
    sandbox = _RENDERING
    if sandbox is None:
        return
    if not _in_timed_call(frame):
        # The signal interrupted code outside a post's expressions (the build between two renders, a test runner):
        # whatever left the timer armed, it is stopped here and nothing is raised.
        _RENDERING = None
        signal.setitimer(signal.ITIMER_PROF, 0)
        return
    left = sandbox.deadline - time.process_time()
    if left > 0.001:  # the timer was paused for a table call, or fired a tick early: wait out the rest
        signal.setitimer(signal.ITIMER_PROF, left)
        return
    # Raise once per render and disarm first: a second signal could land in the render's own clean-up (end_render)
    # and leave the timer behind. Where Python cannot raise (a gc callback) the step guard below still stops the
    # render, its deadline being past.
    _RENDERING = None
    raise _CpuTimeUp(f"the post takes more than {limits.MAX_RENDER_SECONDS:g} s of CPU time to render",
                     fix="render fewer or smaller tables; loop over data, not over large ranges")


class _Guards(NodeTransformer):
    """Route loops, output and ``~`` through the environment's guards (see PostSandbox)."""

    @staticmethod
    def _guard(name: str, node: nodes.Node) -> nodes.Call:
        return nodes.Call(nodes.EnvironmentAttribute(name), [node], [], None, None, lineno=node.lineno)

    def visit_For(self, node: nodes.For):
        node = self.generic_visit(node)
        node.iter = self._guard("guarded_loop", node.iter)
        return node

    def visit_Output(self, node: nodes.Output):
        node = self.generic_visit(node)
        # The post's own text (TemplateData) is left as it is: its size is the source's, and wrapping it would make
        # Jinja treat it as a printed value, which the post environment escapes (finalize).
        node.nodes = [child if isinstance(child, nodes.TemplateData) else self._guard("guarded_output", child)
                      for child in node.nodes]
        return node

    def visit_Concat(self, node: nodes.Concat):
        node = self.generic_visit(node)
        return self._guard("guarded_concat", nodes.List(node.nodes, lineno=node.lineno))


class PostSandbox(jinja2.sandbox.SandboxedEnvironment):
    """Post sources are data, not code: sandboxed, and bounded (see the module's docstring)."""

    intercepted_binops = frozenset(["**", "*", "+", "%"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: _guarded_filter(name, f) for name, f in self.filters.items()
                        if name not in _LEFT_OUT}
        for name in _LEFT_OUT_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = self.guarded_range
        self._timer = None
        # A budget without the CPU timer: the timer runs only between start_render and end_render (armed here it
        # would fire in the middle of a build that renders no post at all).
        self.steps = 0
        self.output = 0
        self.deadline = time.process_time() + limits.MAX_RENDER_SECONDS

    def start_render(self) -> None:
        """A fresh budget: call before rendering each post (and :meth:`end_render` after it)."""
        self.steps = 0
        self.output = 0
        self.deadline = time.process_time() + limits.MAX_RENDER_SECONDS
        self._arm_timer(limits.MAX_RENDER_SECONDS)

    def timed(self, render, *args):
        """``render(*args)``: the post's own code, the only place the CPU timer raises (its handler looks for this
        call on the interrupted stack)."""
        return render(*args)

    def end_render(self) -> None:
        """Stop the CPU timer and put back whatever SIGPROF handler was there. The timer is stopped whatever this
        environment believes, so no path (a pause and resume around a table call, a nested render) can leave it
        running into the rest of the build."""
        global _RENDERING
        _RENDERING = None  # whichever sandbox armed it: the timer below is stopped whatever this one believes
        if self._timer is not None:
            signal.setitimer(signal.ITIMER_PROF, 0)
            # The default action of SIGPROF ends the process: where nothing else handled it, the (now inert)
            # handler stays, so a signal already in flight cannot kill the build or a test worker.
            if self._timer not in (signal.SIG_DFL, None):
                signal.signal(signal.SIGPROF, self._timer)
            self._timer = None
        elif hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGPROF) is _cpu_time_up:
            signal.setitimer(signal.ITIMER_PROF, 0)

    def _arm_timer(self, seconds: float) -> None:
        """A CPU timer (SIGPROF after ``seconds`` of this process's CPU time) where signals can be used: the main
        thread of a platform with setitimer. Elsewhere the step checks below still bound the time."""
        self.end_render()
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return
        try:
            self._timer = signal.signal(signal.SIGPROF, _cpu_time_up)
        except (ValueError, OSError):
            return
        global _RENDERING
        _RENDERING = self
        signal.setitimer(signal.ITIMER_PROF, seconds)

    def guarded_range(self, *args):
        """``range`` with whole-number, bounded arguments, at most Jinja's own sandbox maximum long (a loop over it
        is stopped by the step count anyway)."""
        for value in args:
            if not _is_int(value):
                raise GeneratorError(f"range() takes whole numbers, not {shown(value)}", fix="use whole numbers")
            check_number(value)
        result = range(*args)
        if len(result) > _MAX_RANGE:
            raise GeneratorError(f"range() of {len(result):,} numbers, more than a post may make ({_MAX_RANGE:,})",
                                 fix="loop over data, not over large ranges")
        return result

    def is_safe_attribute(self, obj, attr, value) -> bool:
        if attr in _HIDDEN_ATTRIBUTES or isinstance(value, str) and len(value) < 4096 and \
                (os.path.isabs(value) and os.path.exists(value)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def _parse(self, source, name, filename):
        return _Guards().visit(super()._parse(source, name, filename))

    def step(self) -> None:
        self.steps += 1
        if self.steps > limits.MAX_TEMPLATE_STEPS:
            raise GeneratorError(f"the post takes more than {limits.MAX_TEMPLATE_STEPS:,} loop steps and calls",
                                 fix="loop over data, not over large ranges")
        if self.steps % 16 == 0 and time.process_time() > self.deadline:
            raise GeneratorError(f"the post takes more than {limits.MAX_RENDER_SECONDS:g} s to render",
                                 fix="render fewer or smaller tables; loop over data, not over large ranges")

    def guarded_loop(self, iterable):
        for item in iterable:
            self.step()
            yield item

    def guarded_output(self, value):
        self.step()
        self.output += len(value) if isinstance(value, str) else 0
        if self.output > MAX_OUTPUT:
            raise GeneratorError(f"the post writes more than {MAX_OUTPUT:,} characters",
                                 fix="a post is a page: write less, or split it")
        return value

    def guarded_concat(self, values):
        pieces = []
        size = 0
        for value in values:
            piece = str(value)
            size += len(piece)
            if size > MAX_STRING:
                raise _too_large(size)
            pieces.append(piece)
        return "".join(pieces)

    def wrap_str_format(self, value):
        """``"{:>9}".format(...)``: Jinja's sandboxed formatter, with every field's resolved spec checked before it
        formats (see _BoundedFormatter); sized like ``%``."""
        if super().wrap_str_format(value) is None:
            return None
        template = value.__self__
        _check_format(template)
        formatter = _BoundedEscapeFormatter(self, escape=template.escape) if isinstance(template, Markup) \
            else _BoundedFormatter(self)
        is_format_map = value.__name__ == "format_map"

        def guarded(*args, **kwargs):
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            _check_numbers(list(args) + list(kwargs.values()))
            for argument in list(args) + list(kwargs.values()):
                _check_format(argument)
            return check_size(type(template)(formatter.vformat(template, args, kwargs)))

        return functools.update_wrapper(guarded, value)

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64 or \
                    isinstance(left, (int, float)) and abs(left) > 2 ** 64:
                raise GeneratorError(f"{shown(left)} ** {shown(right)} is too large to compute",
                                     fix="use numbers from data, or smaller exponents")
            if _is_int(left) and _is_int(right) and right > 0 and left.bit_length() * right > MAX_INT_BITS:
                raise _integer_too_large(left.bit_length() * right)
        elif operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, _SIZED) and isinstance(count, int) and len(sized) * count > MAX_STRING:
                    raise _too_large(len(sized) * count)
            if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise _integer_too_large(left.bit_length() + right.bit_length())
        elif operator == "+" and isinstance(left, _SIZED) and isinstance(right, _SIZED):
            if len(left) + len(right) > MAX_STRING:
                raise _too_large(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
            _check_numbers(right if isinstance(right, (tuple, list)) else [right])
        return check_number(check_size(super().call_binop(context, operator, left, right)))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        __self.step()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, _SIZED):
            # A method of a string, list or mapping: "x".center(n), "-".join(items), items.extend(items).
            name = getattr(__obj, "__name__", "")
            name = "str.join" if name == "join" else name
            if name == "str.join" and args:
                args = (_materialized(args[0]),) + args[1:]
            _check_numbers(list(args) + list(kwargs.values()))
            if name in ("format", "format_map"):
                _check_format(owner)
            if _expected_size(name, (owner,) + args, kwargs) > MAX_STRING:
                raise _too_large(_expected_size(name, (owner,) + args, kwargs))
        trusted = getattr(__obj, "trusted", False)
        started = time.process_time()
        paused = signal.setitimer(signal.ITIMER_PROF, 0)[0] if trusted and _RENDERING is __self else 0
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            if paused and _RENDERING is __self:
                signal.setitimer(signal.ITIMER_PROF, paused)
        if trusted:
            # The build's own table calls are bounded by their arguments; their time is not the author's.
            __self.deadline += time.process_time() - started
        if isinstance(owner, _SIZED):
            check_size(owner, "a list or mapping")
        return result if trusted else check_number(check_size(result))


_TIMED_CODE = PostSandbox.timed.__code__
