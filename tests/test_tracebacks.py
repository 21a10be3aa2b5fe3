"""The traceback cache returns ``logging.Formatter.formatException``'s text, byte for byte."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jsonlog import JsonFormatter
from jsonlog.tracebacks import TracebackCache, traceback_key

STDLIB = logging.Formatter()


def _raise(message: str) -> None:
    raise ValueError(message)


def _capture(func: Callable[[], object]) -> Any:
    try:
        func()
    except BaseException:
        return sys.exc_info()
    raise AssertionError("did not raise")


def _same_place(message: str = "bad input") -> Any:
    return _capture(lambda: _raise(message))


def _chained_cause() -> None:
    try:
        _raise("inner")
    except ValueError as error:
        raise KeyError("outer") from error


def _chained_context() -> None:
    try:
        _raise("inner")
    except ValueError:
        raise KeyError("outer")  # noqa: B904 - the implicit context is the point


def _suppressed() -> None:
    try:
        _raise("inner")
    except ValueError:
        raise KeyError("outer") from None


def _noted() -> None:
    error = ValueError("with notes")
    error.add_note("first note")
    error.add_note("second note")
    raise error


def _group() -> None:
    inner = ExceptionGroup("inner", [TypeError("t"), ValueError("v")])
    raise ExceptionGroup("outer", [inner, KeyError("k")])


def _recurse(depth: int = 0) -> int:
    return _recurse(depth + 1)


def _syntax() -> None:
    compile("def broken(:\n", "<broken>", "exec")


class _BadStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str")


def _bad_str() -> None:
    raise _BadStr


class _Falsy(Exception):
    def __bool__(self) -> bool:
        return False


def _falsy() -> None:
    try:
        _raise("inner")
    except ValueError as error:
        raise _Falsy("outer") from error


def _odd_notes() -> None:
    error = ValueError("odd notes")
    error.__notes__ = ["text", 42]
    raise error


def _cycle() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__context__, second.__context__ = second, first
    raise first


SHAPES: dict[str, Callable[[], object]] = {
    "cause": _chained_cause,
    "context": _chained_context,
    "suppressed": _suppressed,
    "notes": _noted,
    "group": _group,
    "recursion": _recurse,
    "syntax-error": _syntax,
    "bad-str": _bad_str,
    "falsy": _falsy,
    "cycle": _cycle,
    "odd-notes": _odd_notes,
}


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the stdlib's renderings (print_exception calls) from now on."""
    import traceback  # noqa: PLC0415

    count = [0]
    original = traceback.print_exception

    def spy(*args: Any, **kwargs: Any) -> None:
        count[0] += 1
        original(*args, **kwargs)

    monkeypatch.setattr(traceback, "print_exception", spy)
    return count


class TestFormatException:
    def test_repeated_exception_is_rendered_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The same exception raised again is served from the cache, byte-identical."""
        formatter = JsonFormatter()
        expected = STDLIB.formatException(_same_place())
        renders = _count_renders(monkeypatch)
        texts = [formatter.formatException(_same_place()) for _ in range(3)]
        assert texts == [expected] * 3
        assert renders == [1]

    def test_different_messages_at_one_place(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A new message from the same code reuses the stack; each text is the stdlib's."""
        formatter = JsonFormatter()
        expected = {m: STDLIB.formatException(_same_place(m)) for m in ("first", "second", "third")}
        renders = _count_renders(monkeypatch)
        for message in ("first", "second", "third", "first"):
            assert formatter.formatException(_same_place(message)) == expected[message]
        assert renders == [2]  # the stack is split out once it comes back

    def test_new_notes_reuse_the_stack(self) -> None:
        """Notes added to a lone exception show up, as with the stdlib."""
        formatter = JsonFormatter()
        formatter.formatException(_same_place())
        ei = _same_place()
        ei[1].add_note("a note")
        assert formatter.formatException(ei) == STDLIB.formatException(ei)

    @pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
    def test_shapes_are_byte_identical(self, shape: str) -> None:
        """Chains, notes, groups, recursion, odd exceptions: cold and warm text is the stdlib's."""
        formatter = JsonFormatter()
        for _ in range(2):
            ei = _capture(SHAPES[shape])
            assert formatter.formatException(ei) == STDLIB.formatException(ei)

    @pytest.mark.parametrize("shape", ["syntax-error", "bad-str", "falsy", "odd-notes"])
    def test_unkeyed_shapes(self, shape: str) -> None:
        """Shapes whose text depends on more than the key are never cached."""
        assert traceback_key(_capture(SHAPES[shape])) is None

    def test_cycle_key_is_stable(self) -> None:
        """A context cycle is keyed as the stdlib walks it, the same way each time."""
        assert traceback_key(_capture(_cycle)) == traceback_key(_capture(_cycle))

    def test_equal_code_from_other_files(self) -> None:
        """Code compiled from the same source under two file names is two tracebacks."""
        formatter = JsonFormatter()
        source = "def fail():\n    raise ValueError('same')\n"
        for filename in ("<first>", "<second>"):
            namespace: dict[str, Any] = {}
            exec(compile(source, filename, "exec"), namespace)
            ei = _capture(namespace["fail"])
            assert formatter.formatException(ei) == STDLIB.formatException(ei)
            assert filename in formatter.formatException(ei)

    def test_array_format_uses_cached_text(self) -> None:
        """``exc_info_as_array`` splits the same text into lines."""
        formatter = JsonFormatter(exc_info_as_array=True)
        ei = _same_place()
        assert formatter.formatException(ei) == STDLIB.formatException(ei).splitlines()
        assert formatter.formatException(ei) == STDLIB.formatException(ei).splitlines()

    def test_tracebacklimit_is_part_of_the_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Changing sys.tracebacklimit changes the text, as it does for the stdlib."""
        formatter = JsonFormatter()
        ei = _capture(_chained_cause)
        formatter.formatException(ei)
        monkeypatch.setattr(sys, "tracebacklimit", 1, raising=False)
        assert formatter.formatException(ei) == STDLIB.formatException(ei)

    def test_not_an_exception(self) -> None:
        """exc_info without an exception (or malformed) is rendered by the stdlib, uncached."""
        assert traceback_key((None, None, None)) is None
        assert traceback_key(None) is None
        assert traceback_key((ValueError, ValueError("x"), "not a traceback")) is None
        formatter = JsonFormatter()
        assert formatter.formatException((None, None, None)) == STDLIB.formatException(
            (None, None, None)
        )


@pytest.fixture
def module_file(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path / "jsonlog_edited_module.py"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("jsonlog_edited_module", None)


class TestEditedSource:
    def test_edited_file_is_read_again(self, module_file: Path) -> None:
        """After the source file changes, the text shows the new line, as the stdlib's does."""
        module_file.write_text("def fail():\n    raise ValueError('x')  # old\n")
        module = importlib.import_module("jsonlog_edited_module")
        formatter = JsonFormatter()
        first = formatter.formatException(_capture(module.fail))
        assert "# old" in first
        module_file.write_text("def fail():\n    raise ValueError('x')  # new line\n")
        stat = module_file.stat()
        os.utime(module_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        ei = _capture(module.fail)
        assert formatter.formatException(ei) == STDLIB.formatException(ei)
        assert "# new line" in formatter.formatException(ei)


class TestTracebackCache:
    def test_bounded_lru(self) -> None:
        """The cache keeps at most ``maxsize`` texts, dropping the least recently used."""
        rendered: list[str] = []

        def render(ei: Any) -> str:
            rendered.append(str(ei[1]))
            return STDLIB.formatException(ei)

        cache = TracebackCache(render, maxsize=2)
        for message in ("a", "b", "a", "c", "a", "b"):
            cache.text(_same_place(message))
        assert len(cache) == 2
        assert rendered == ["a", "b", "c", "b"]

    def test_bypass_after_a_run_of_misses(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """After a run of misses the cache renders directly for a while, then tries again."""
        from jsonlog import tracebacks  # noqa: PLC0415

        monkeypatch.setattr(tracebacks, "_MISSES_BEFORE_BYPASS", 3)
        monkeypatch.setattr(tracebacks, "_BYPASS_RECORDS", 2)
        rendered: list[str] = []

        def render(ei: Any) -> str:
            rendered.append(str(ei[1]))
            return STDLIB.formatException(ei)

        cache = TracebackCache(render)
        for message in ("a", "b", "c", "a", "a", "a", "a"):
            assert cache.text(_same_place(message)) == STDLIB.formatException(_same_place(message))
        # a, b, c miss; the next two "a" bypass the cache; then "a" is a hit again.
        assert rendered == ["a", "b", "c", "a", "a"]

    def test_threads_share_it(self) -> None:
        """Threads formatting the same exception all get the stdlib's text."""
        import threading  # noqa: PLC0415

        formatter = JsonFormatter()
        expected = STDLIB.formatException(_same_place())
        results: list[str] = []

        def work() -> None:
            for _ in range(50):
                results.append(formatter.formatException(_same_place()))
                time.sleep(0)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [expected] * 200
