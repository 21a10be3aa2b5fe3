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
  object, the instruction offset (``tb_lasti``, which fixes the line and the
  caret columns) and ``tb_lineno``;
- per source file, the ``(size, mtime)`` that ``linecache`` holds after
  ``linecache.checkcache`` (what the stdlib calls before reading source
  lines; a file it dropped is read again first), so an edited file shows
  its new lines just as it would with the stdlib.

Shapes it does not key are rendered every time: a ``SyntaxError`` (its text
depends on more attributes), notes that are not a list of strings, a
``str()`` that raises, an exception class defining ``__bool__`` or
``__len__``, a chain of more than 100 exceptions.
"""

from __future__ import annotations

import linecache
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from types import TracebackType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["TracebackCache"]

_MAX_EXCEPTIONS = 100
"""Chains longer than this are rendered every time (the key would cost too much)."""


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
        self._maxsize = maxsize
        self._entries: OrderedDict[object, str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def text(self, ei: Any) -> str:
        """Return ``render(ei)``, from the cache when the same shape was rendered before."""
        key = traceback_key(ei)
        if key is None:
            return self._render(ei)
        with self._lock:
            text = self._entries.get(key)
            if text is not None:
                self._entries.move_to_end(key)
                return text
        text = self._render(ei)
        with self._lock:
            self._entries[key] = text
            if len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        return text


def traceback_key(ei: Any) -> object | None:
    """Return what the stdlib's traceback text of ``ei`` depends on, or None if not keyed.

    The walk over causes, contexts and groups is ``traceback.TracebackException``'s
    own (as ``print_exception`` runs it: ``compact=True``), so the key says
    exactly which exceptions the text shows and where.
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
    parts: list[object] = [getattr(sys, "tracebacklimit", None), *map(tuple, walk.nodes)]
    for filename in walk.files:
        linecache.checkcache(filename)
        if filename not in linecache.cache:
            linecache.getlines(filename)  # what rendering would read; now the key sees it
        entry = linecache.cache.get(filename)
        parts.append((filename, entry[:2] if entry is not None and len(entry) == 4 else None))
    return tuple(parts)


class _Walk:
    """One key's worth of nodes: one per exception the text shows."""

    def __init__(self) -> None:
        self.nodes: list[list[object]] = []
        self.files: dict[str, None] = {}
        self.seen: set[int] = set()

    def add(self, exc: BaseException, tb: TracebackType | None) -> int:
        cls = type(exc)
        if (
            len(self.nodes) >= _MAX_EXCEPTIONS
            or isinstance(exc, SyntaxError)
            # The stdlib walk tests ``if e``: a falsy exception changes the text.
            or hasattr(cls, "__bool__")
            or hasattr(cls, "__len__")
        ):
            raise _UncacheableError
        self.seen.add(id(exc))
        try:
            message = str(exc)
        except Exception:
            raise _UncacheableError from None
        notes = getattr(exc, "__notes__", None)
        if notes is not None:
            if not isinstance(notes, list | tuple) or not all(type(n) is str for n in notes):
                raise _UncacheableError
            notes = tuple(notes)
        frames = []
        while tb is not None:
            code = tb.tb_frame.f_code
            frames.append((code, tb.tb_lasti, tb.tb_lineno))
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
