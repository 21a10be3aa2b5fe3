"""Render a traceback once per distinct exception shape, then reuse the text.

The same error tends to recur on every request: the same code raising the
same message. ``logging.Formatter.formatException`` renders it from scratch
each time (source lines, carets), which costs far more than the rest of the
record. :class:`TracebackCache` keys the rendered text on everything the
stdlib's text depends on, so a hit is byte-identical to a fresh rendering:

- ``sys.tracebacklimit``;
- for every exception reached through ``__cause__``, ``__context__`` and
  exception groups, in the stdlib's order: its type, ``str(value)``, its
  ``__notes__``, ``__suppress_context__``, and per traceback entry the code
  object (by identity: equal code objects can come from different files),
  the instruction offset (``tb_lasti``, which fixes the line and the caret
  columns) and ``tb_lineno``;
- and, checked on every hit, per source file the ``(size, mtime)`` that
  ``linecache`` holds after ``linecache.checkcache`` (what the stdlib calls
  before reading source lines; a file it dropped is read again first), so
  an edited file shows its new lines just as it would with the stdlib.

For a lone exception (no cause, context or group in its text) the stack part
is also kept on its own, keyed without the message and notes: the same code
failing with a new message costs only ``traceback.format_exception_only``.

Tracebacks that never recur (code generated on the fly, say) would pay for a
key on every record: after 32 misses in a row the cache renders directly for
the next 2,016 records, then tries again, so such a workload costs what the
stdlib costs.

Shapes it does not key are rendered every time: a ``SyntaxError`` (its text
depends on more attributes), notes that are not a list of strings, a
``str()`` that raises, an exception class defining ``__bool__`` or
``__len__``, a chain of more than 100 exceptions.
"""

from __future__ import annotations

import linecache
import logging
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from types import CodeType, TracebackType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["TracebackCache"]

_MAX_EXCEPTIONS = 100
"""Chains longer than this are rendered every time (the key would cost too much)."""


_Entry = tuple[str, tuple[object, ...], tuple[CodeType, ...]]
"""Cached text, the source state it was rendered with, and the code objects
whose ``id`` the key holds (kept alive so no other code can take their id)."""


_Found = tuple[object, tuple[str, ...], object, tuple[CodeType, ...]]
_MISSES_BEFORE_BYPASS = 32
_BYPASS_RECORDS = 2016

_SEEN: _Entry = ("", (), ())
"""Marks a stack seen once, not yet worth splitting out of its text."""


class _UncacheableError(Exception):
    """Raised while building a key for a shape the cache does not key."""


class TracebackCache:
    """A bounded LRU of rendered traceback text, safe to share between threads.

    Args:
        render: the function producing the text from ``exc_info``, called on
            a miss (``logging.Formatter.formatException``).
        maxsize: distinct tracebacks kept; the least recently used goes first.
    """

    def __init__(self, render: Callable[[Any], str], maxsize: int = 256) -> None:
        self._render = render
        # The stdlib's text of a lone exception is its stack, then the lines
        # of format_exception_only: the stack can be reused across messages.
        self._splits = getattr(render, "__func__", None) is logging.Formatter.formatException
        self._maxsize = maxsize
        self._entries: OrderedDict[object, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._misses = 0
        self._bypass = 0

    def __len__(self) -> int:
        return len(self._entries)

    def text(self, ei: Any) -> str:
        """Return ``render(ei)``, from the cache when the same shape was rendered before."""
        if self._bypass > 0:
            self._bypass -= 1
            return self._render(ei)
        found = traceback_key(ei)
        if found is None:
            return self._render(ei)
        text = self._cached(ei, found)
        if text is not None:
            self._misses = 0
            return text
        # Tracebacks that never recur (generated code, say) would pay for a
        # key on every record: after a run of misses, render directly for a
        # while, then try the cache again. (Unlocked counters: a lost update
        # between threads only shifts the window.)
        self._misses += 1
        if self._misses >= _MISSES_BEFORE_BYPASS:
            self._misses = 0
            self._bypass = _BYPASS_RECORDS
        return self._miss(ei, found)

    def _cached(self, ei: Any, found: _Found) -> str | None:
        key, files, stack_key, codes = found
        entry = self._get(key)
        state = None
        # A hit is only good while the source files are as they were: check
        # them as the stdlib's rendering would (checkcache, then read again).
        if entry is not None:
            state = _source_state(files, check=True)
            if entry[1] == state:
                return entry[0]
        if stack_key is not None and self._splits:
            stack = self._get(stack_key)
            if stack is not None and stack is not _SEEN:
                if state is None:
                    state = _source_state(files, check=True)
                if stack[1] == state:
                    text = _join(stack[0], _exception_only(ei[1]))
                    self._put(key, (text, state, codes))
                    return text
        return None

    def _miss(self, ei: Any, found: _Found) -> str:
        key, files, stack_key, codes = found
        text = self._render(ei)
        # Rendering has just checked and read every file: no need to again.
        state = _source_state(files, check=False)
        self._put(key, (text, state, codes))
        if stack_key is not None and self._splits:
            stack = self._peek(stack_key)
            if stack is None:
                # First sight of this stack: only note it. Splitting the text
                # pays off once the stack comes back with another message.
                self._put(stack_key, _SEEN)
            else:
                only = _exception_only(ei[1])
                whole = text + "\n"
                if whole.endswith(only) and _join(whole[: -len(only)], only) == text:
                    self._put(stack_key, (whole[: -len(only)], state, codes))
        return text

    def _peek(self, key: object) -> _Entry | None:
        with self._lock:
            return self._entries.get(key)

    def _get(self, key: object) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _put(self, key: object, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            if len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)


def _exception_only(value: BaseException) -> str:
    return "".join(traceback.format_exception_only(value))


def _join(stack: str, exception_only: str) -> str:
    # logging.Formatter.formatException drops the one trailing newline.
    text = stack + exception_only
    return text[:-1] if text[-1:] == "\n" else text


def traceback_key(ei: Any) -> _Found | None:
    """Return the key of ``ei``'s traceback, its source files and its stack's key, or None.

    The walk over causes, contexts and groups is ``traceback.TracebackException``'s
    own (as ``print_exception`` runs it: ``compact=True``), so the key says
    exactly which exceptions the text shows and where. The stack's key (for
    a lone exception: no cause, context or group shown) leaves out the
    message and notes, which only the last lines of the text hold.
    """
    try:
        value, tb = ei[1], ei[2]
    except (TypeError, IndexError):
        return None
    if not isinstance(value, BaseException) or not (tb is None or isinstance(tb, TracebackType)):
        return None
    walk = _Walk()
    try:
        walk.run(value, tb)
    except _UncacheableError:
        return None
    limit = getattr(sys, "tracebacklimit", None)
    key = (limit, *map(tuple, walk.nodes))
    node = walk.nodes[0]
    lone = len(walk.nodes) == 1 and node[4:] == [None, None, ()]
    stack_key = ("stack", limit, node[3]) if lone else None
    return key, tuple(walk.files), stack_key, tuple(walk.codes)


def _source_state(files: tuple[str, ...], *, check: bool) -> tuple[object, ...]:
    """Return ``(size, mtime)`` of each file as ``linecache`` holds it (None if it has none)."""
    state: list[object] = []
    for filename in files:
        if check:
            linecache.checkcache(filename)
            if filename not in linecache.cache:
                linecache.getlines(filename)  # what rendering would read
        entry = linecache.cache.get(filename)
        state.append(entry[:2] if entry is not None and len(entry) == 4 else None)
    return tuple(state)


_PLAIN_CLASSES: dict[type, bool] = {}
"""Exception classes already checked by :func:`_is_plain`."""
_MAX_CLASSES = 1024


def _is_plain(cls: type) -> bool:
    """Tell whether the key describes the stdlib's text of ``cls``'s exceptions.

    Not a ``SyntaxError`` (its text reads more attributes); no ``__bool__``
    or ``__len__`` (the stdlib walk tests ``if e``, so a falsy exception
    changes the text); no class-level ``__notes__``.
    """
    return not issubclass(cls, SyntaxError) and not any(
        name in vars(klass) for klass in cls.__mro__ for name in _SPECIAL
    )


_SPECIAL = ("__bool__", "__len__", "__notes__")


class _Walk:
    """One key's worth of nodes: one per exception the text shows."""

    def __init__(self) -> None:
        self.nodes: list[list[object]] = []
        self.files: dict[str, None] = {}
        self.codes: list[CodeType] = []
        self.seen: set[int] = set()

    def add(self, exc: BaseException, tb: TracebackType | None) -> int:
        cls = type(exc)
        plain = _PLAIN_CLASSES.get(cls)
        if plain is None:
            plain = _is_plain(cls)
            if len(_PLAIN_CLASSES) < _MAX_CLASSES:
                _PLAIN_CLASSES[cls] = plain
        if not plain or len(self.nodes) >= _MAX_EXCEPTIONS:
            raise _UncacheableError
        self.seen.add(id(exc))
        try:
            message = str(exc)
        except Exception:
            raise _UncacheableError from None
        # The stdlib reads getattr(exc, "__notes__", None); with no class-level
        # __notes__ (see _is_plain), that is the instance's own attribute.
        notes = exc.__dict__.get("__notes__")
        if notes is not None:
            if not isinstance(notes, list | tuple) or not all(type(n) is str for n in notes):
                raise _UncacheableError
            notes = tuple(notes)
        frames = []
        while tb is not None:
            code = tb.tb_frame.f_code
            # By identity: equal code objects can come from different files.
            frames.append((id(code), tb.tb_lasti, tb.tb_lineno))
            self.codes.append(code)
            self.files[code.co_filename] = None
            tb = tb.tb_next
        self.nodes.append([cls, message, notes, tuple(frames)])
        return len(self.nodes) - 1

    def run(self, value: BaseException, tb: TracebackType | None) -> None:
        # Mirrors the queue in traceback.TracebackException.__init__ (3.11-3.13).
        queue: list[tuple[int, BaseException]] = [(self.add(value, tb), value)]
        while queue:
            index, exc = queue.pop()
            cause = exc.__cause__
            cause_index = None
            if cause is not None and id(cause) not in self.seen:
                cause_index = self.add(cause, cause.__traceback__)
            context = exc.__context__
            context_index = None
            need_context = cause_index is None and not exc.__suppress_context__
            if context is not None and need_context and id(context) not in self.seen:
                context_index = self.add(context, context.__traceback__)
            group: tuple[int, ...] = ()
            if isinstance(exc, BaseExceptionGroup):
                group = tuple(self.add(inner, inner.__traceback__) for inner in exc.exceptions)
            self.nodes[index] += [cause_index, context_index, group]
            if cause_index is not None:
                queue.append((cause_index, cause))  # type: ignore[arg-type]
            if context_index is not None:
                queue.append((context_index, context))  # type: ignore[arg-type]
            if group:
                queue.extend(zip(group, exc.exceptions, strict=True))  # type: ignore[attr-defined]
