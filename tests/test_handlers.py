"""Tests for jsonlog.handlers: per-process files, the shared file and the bytes stream."""

from __future__ import annotations

import calendar
import datetime
import errno
import io
import json
import logging
import logging.config
import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jsonlog import handlers
from jsonlog.handlers import (
    DEFAULT_PATTERN,
    BytesStreamHandler,
    PerProcessFileHandler,
    PerProcessTimedRotatingFileHandler,
    SharedFileHandler,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
LOGGER_NAME = "jsonlog.tests.handlers"


class TinyJsonFormatter(logging.Formatter):
    """Format a record as a JSON object with the fields these tests count by."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "message": record.getMessage(),
                "pid": record.process,
                "processName": record.processName,
            }
        )


class BytesFormatter(logging.Formatter):
    """Offer format_bytes, as jsonlog.JsonFormatter does, with a different output from format."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"via": "format", "message": record.getMessage()})

    def format_bytes(self, record: logging.LogRecord) -> bytes:
        return json.dumps({"via": "format_bytes", "message": record.getMessage()}).encode()


def make_record(message: str = "hello") -> logging.LogRecord:
    """Return a record with ``message`` as it is, whatever characters it holds."""
    return logging.LogRecord(LOGGER_NAME, logging.INFO, __file__, 1, message, None, None)


def read_json_lines(path: str | Path) -> list[dict[str, Any]]:
    """Return every line of the file parsed as JSON."""
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]


def subprocess_env() -> dict[str, str]:
    """Return an environment in which a child process imports this checkout's jsonlog."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Put the root logger and the test logger back as they were."""
    root = logging.getLogger()
    logger = logging.getLogger(LOGGER_NAME)
    saved = (root.handlers[:], root.level, logger.handlers[:], logger.level, logger.propagate)
    yield
    for handler in (*root.handlers, *logger.handlers):
        if handler not in saved[0]:
            handler.close()
    root.handlers[:], root.level = saved[0], saved[1]
    logger.handlers[:], logger.level, logger.propagate = saved[2], saved[3], saved[4]
    logger.disabled = False


@pytest.fixture
def logger() -> logging.Logger:
    """Return a logger at INFO that does not propagate to the root logger."""
    log = logging.getLogger(LOGGER_NAME)
    log.setLevel(logging.INFO)
    log.propagate = False
    log.handlers.clear()
    return log


@pytest.fixture
def error_calls(monkeypatch: pytest.MonkeyPatch) -> list[logging.LogRecord]:
    """Record every handleError call of every handler instead of printing it."""
    calls: list[logging.LogRecord] = []
    monkeypatch.setattr(logging.Handler, "handleError", lambda _self, record: calls.append(record))
    return calls


@dataclass
class Kind:
    """One handler under test, how to read what it wrote, and how to make its writes fail."""

    handler: logging.Handler
    output: Callable[[], bytes]
    break_writes: Callable[[pytest.MonkeyPatch], None]


def failing_os_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make os.write fail as it does on a full disk."""

    def fail(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", fail)


def shared_kind(tmp_path: Path, **kwargs: Any) -> Kind:
    path = tmp_path / "shared.log"
    return Kind(SharedFileHandler(path, **kwargs), path.read_bytes, failing_os_write)


def per_process_kind(tmp_path: Path, **kwargs: Any) -> Kind:
    handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", **kwargs)
    return Kind(handler, Path(handler.baseFilename).read_bytes, failing_os_write)


def bytes_stream_kind(tmp_path: Path, **kwargs: Any) -> Kind:
    stream = io.BytesIO()

    def close_stream(_monkeypatch: pytest.MonkeyPatch) -> None:
        stream.close()

    return Kind(BytesStreamHandler(stream, **kwargs), stream.getvalue, close_stream)


KINDS = [
    pytest.param(shared_kind, id="SharedFileHandler"),
    pytest.param(per_process_kind, id="PerProcessTimedRotatingFileHandler"),
    pytest.param(bytes_stream_kind, id="BytesStreamHandler"),
]


@pytest.mark.parametrize("make_kind", KINDS)
class TestEveryHandler:
    def test_writes_format_output_and_newline(self, tmp_path: Path, make_kind: Any) -> None:
        """A plain formatter's output is written as one UTF-8 line."""
        kind = make_kind(tmp_path)
        kind.handler.setFormatter(TinyJsonFormatter())
        kind.handler.handle(make_record("héllo"))
        kind.handler.handle(make_record("again"))
        lines = kind.output().decode("utf-8").splitlines(keepends=True)
        assert [json.loads(line)["message"] for line in lines] == ["héllo", "again"]
        assert all(line.endswith("}\n") for line in lines)

    def test_prefers_format_bytes(self, tmp_path: Path, make_kind: Any) -> None:
        """A formatter's format_bytes is used instead of format when it has one."""
        kind = make_kind(tmp_path)
        kind.handler.setFormatter(BytesFormatter())
        kind.handler.handle(make_record())
        assert json.loads(kind.output()) == {"via": "format_bytes", "message": "hello"}

    def test_default_formatter(self, tmp_path: Path, make_kind: Any) -> None:
        """Without a formatter, the message is written as logging's default formatter has it."""
        kind = make_kind(tmp_path)
        kind.handler.handle(make_record("plain"))
        assert kind.output() == b"plain\n"

    def test_encoding_and_errors(self, tmp_path: Path, make_kind: Any) -> None:
        """The encoding applies to str output, and unencodable characters are escaped."""
        kind = make_kind(tmp_path, encoding="latin-1")
        kind.handler.handle(make_record("é\u20ac"))
        assert kind.output() == b"\xe9\\u20ac\n"

    def test_lone_surrogate_is_escaped_by_default(self, tmp_path: Path, make_kind: Any) -> None:
        """A lone surrogate does not cost the record: it is written backslash-escaped."""
        kind = make_kind(tmp_path)
        kind.handler.handle(make_record("bad \udce9 byte"))
        assert kind.output() == b"bad \\udce9 byte\n"

    def test_terminator(self, tmp_path: Path, make_kind: Any) -> None:
        """The handler's terminator attribute ends each record."""
        kind = make_kind(tmp_path)
        kind.handler.terminator = "\r\n"  # type: ignore[attr-defined]
        kind.handler.setFormatter(BytesFormatter())
        kind.handler.handle(make_record())
        assert kind.output().endswith(b"}\r\n")

    def test_write_error_goes_to_handle_error(
        self,
        tmp_path: Path,
        make_kind: Any,
        monkeypatch: pytest.MonkeyPatch,
        error_calls: list[logging.LogRecord],
    ) -> None:
        """A failing write calls handleError with the record and raises nothing."""
        kind = make_kind(tmp_path)
        record = make_record()
        with monkeypatch.context() as patch:
            kind.break_writes(patch)
            kind.handler.handle(record)
        assert error_calls == [record]

    def test_format_error_goes_to_handle_error(
        self, tmp_path: Path, make_kind: Any, error_calls: list[logging.LogRecord]
    ) -> None:
        """A record whose message cannot be formatted calls handleError, as stdlib handlers do."""
        kind = make_kind(tmp_path)
        record = logging.LogRecord(LOGGER_NAME, logging.INFO, __file__, 1, "%d", ("x",), None)
        kind.handler.handle(record)
        assert error_calls == [record]

    def test_recursion_error_propagates(self, tmp_path: Path, make_kind: Any) -> None:
        """RecursionError is not swallowed, as in logging.StreamHandler (bpo-36272)."""
        kind = make_kind(tmp_path)

        class Recursing(logging.Formatter):
            def format(self, record: logging.LogRecord) -> str:
                raise RecursionError

        kind.handler.setFormatter(Recursing())
        with pytest.raises(RecursionError):
            kind.handler.handle(make_record())

    def test_close_is_idempotent(self, tmp_path: Path, make_kind: Any) -> None:
        """close() can be called twice, and the handler leaves logging's handler registry."""
        kind = make_kind(tmp_path)
        kind.handler.set_name("jsonlog-test-close")
        assert "jsonlog-test-close" in logging._handlers  # type: ignore[attr-defined]
        kind.handler.close()
        kind.handler.close()
        assert "jsonlog-test-close" not in logging._handlers  # type: ignore[attr-defined]

    def test_threads_never_interleave(self, tmp_path: Path, make_kind: Any) -> None:
        """Records from many threads each arrive whole and exactly once."""
        kind = make_kind(tmp_path)
        kind.handler.setFormatter(TinyJsonFormatter())

        def log_many(thread: int) -> None:
            for seq in range(300):
                kind.handler.handle(make_record(f"{thread}:{seq}:" + "x" * (seq * 7)))

        threads = [threading.Thread(target=log_many, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        lines = kind.output().decode().splitlines()
        keys = Counter(":".join(json.loads(line)["message"].split(":")[:2]) for line in lines)
        assert keys == Counter(f"{t}:{s}" for t in range(6) for s in range(300))


class TestSharedFileHandler:
    def test_appends_to_existing_file(self, tmp_path: Path) -> None:
        """Existing content is kept and records are appended after it."""
        path = tmp_path / "shared.log"
        path.write_bytes(b"earlier\n")
        handler = SharedFileHandler(str(path))
        handler.handle(make_record("later"))
        handler.close()
        assert path.read_bytes() == b"earlier\nlater\n"

    def test_is_a_file_handler(self, tmp_path: Path) -> None:
        """It is a logging.FileHandler with an absolute baseFilename, like stdlib's."""
        handler = SharedFileHandler(tmp_path / "shared.log", delay=True)
        assert isinstance(handler, logging.FileHandler)
        assert handler.baseFilename == str(tmp_path / "shared.log")

    @pytest.mark.parametrize("mode", ["w", "ab", "r+"])
    def test_rejects_other_modes(self, tmp_path: Path, mode: str) -> None:
        """A mode other than 'a' is refused with a message naming the parameter."""
        with pytest.raises(ValueError, match=r"mode=.*accepted: 'a'"):
            SharedFileHandler(tmp_path / "shared.log", mode)

    def test_delay_opens_at_first_record(self, tmp_path: Path) -> None:
        """With delay=True, the file is created by the first record, not by the constructor."""
        path = tmp_path / "shared.log"
        handler = SharedFileHandler(path, delay=True)
        assert not path.exists()
        handler.handle(make_record())
        assert path.read_bytes() == b"hello\n"

    def test_record_after_close_reopens(self, tmp_path: Path) -> None:
        """A record arriving after close() is still written, as logging.FileHandler does."""
        path = tmp_path / "shared.log"
        handler = SharedFileHandler(path)
        handler.close()
        handler.handle(make_record("late"))
        handler.close()
        assert path.read_bytes() == b"late\n"

    def test_open_error_goes_to_handle_error(
        self, tmp_path: Path, error_calls: list[logging.LogRecord]
    ) -> None:
        """A file that cannot be opened calls handleError, not an exception."""
        handler = SharedFileHandler(tmp_path / "missing-dir" / "shared.log", delay=True)
        record = make_record()
        handler.handle(record)
        assert error_calls == [record]

    def test_one_write_per_record(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each record, newline included, is passed to a single os.write call."""
        handler = SharedFileHandler(tmp_path / "shared.log")
        handler.setFormatter(BytesFormatter())
        writes: list[bytes] = []
        real_write = os.write

        def spy(fd: int, data: bytes) -> int:
            writes.append(bytes(data))
            return real_write(fd, data)

        with monkeypatch.context() as patch:
            patch.setattr(os, "write", spy)
            handler.handle(make_record("x" * 100_000))
        assert len(writes) == 1
        assert writes[0].endswith(b"}\n")
        assert json.loads(writes[0])["message"] == "x" * 100_000

    def test_short_writes_are_completed(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A write(2) that takes only part of the record is followed by writes of the rest."""
        path = tmp_path / "shared.log"
        handler = SharedFileHandler(path)
        real_write = os.write

        def write_at_most_7(fd: int, data: bytes) -> int:
            return real_write(fd, data[:7])

        with monkeypatch.context() as patch:
            patch.setattr(os, "write", write_at_most_7)
            handler.handle(make_record("a record longer than seven bytes"))
        assert path.read_bytes() == b"a record longer than seven bytes\n"

    def test_write_of_nothing_goes_to_handle_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error_calls: list[logging.LogRecord]
    ) -> None:
        """A write(2) that makes no progress calls handleError instead of looping forever."""
        handler = SharedFileHandler(tmp_path / "shared.log")
        sizes = iter([3, 0])
        record = make_record()
        with monkeypatch.context() as patch:
            patch.setattr(os, "write", lambda fd, data: next(sizes))
            handler.handle(record)
        assert error_calls == [record]

    def test_close_ignores_an_already_closed_descriptor(self, tmp_path: Path) -> None:
        """close() does not raise when the descriptor was closed behind the handler's back."""
        path = tmp_path / "shared.log"
        handler = SharedFileHandler(path)
        handler.handle(make_record("before"))
        os.close(handler._fd)  # type: ignore[arg-type]
        handler.close()
        handler.handle(make_record("after"))
        assert path.read_bytes() == b"before\nafter\n"

    def test_pid_change_reopens(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """In a process with another pid, the handler opens the path again for its own writes."""
        path = tmp_path / "shared.log"
        handler = SharedFileHandler(path)
        handler.handle(make_record("parent"))
        path.rename(tmp_path / "moved.log")
        handler.handle(make_record("parent again"))
        monkeypatch.setattr(os, "getpid", lambda: 4_000_001)
        handler.handle(make_record("child"))
        assert (tmp_path / "moved.log").read_bytes() == b"parent\nparent again\n"
        assert path.read_bytes() == b"child\n"

    def test_many_processes_append_without_interleaving(self, tmp_path: Path) -> None:
        """4 processes x 5,000 records of up to 8 KB: every line parses, every record once."""
        path = tmp_path / "shared.log"
        script = textwrap.dedent(
            """
            import json, logging, random, sys
            from jsonlog.handlers import SharedFileHandler

            path, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            handler = SharedFileHandler(path)
            handler.setFormatter(logging.Formatter("%(message)s"))
            log = logging.getLogger("shared")
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            rng = random.Random(worker)
            sys.stdin.read()  # Start together: wait until the test closes stdin.
            for seq in range(count):
                pad = "x" * rng.randrange(8 * 1024)
                log.info(json.dumps({"worker": worker, "seq": seq, "pad": pad}))
            """
        )
        workers, count = 4, 5_000
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(path), str(worker), str(count)],
                stdin=subprocess.PIPE,
                env=subprocess_env(),
            )
            for worker in range(workers)
        ]
        for proc in procs:
            proc.stdin.close()  # type: ignore[union-attr]
        assert [proc.wait(timeout=60) for proc in procs] == [0] * workers
        records = read_json_lines(path)
        seen = Counter((record["worker"], record["seq"]) for record in records)
        assert len(records) == workers * count
        assert set(seen.values()) == {1}
        assert set(seen) == {(w, s) for w in range(workers) for s in range(count)}


class TestPerProcessFileName:
    def test_default_pattern(self, tmp_path: Path) -> None:
        """The file is {prefix}.{processName}-{pid}.log, and it is created at construction."""
        handler = PerProcessTimedRotatingFileHandler(str(tmp_path / "app"))
        expected = tmp_path / f"app.MainProcess-{os.getpid()}.log"
        assert DEFAULT_PATTERN == "{prefix}.{processName}-{pid}.log"
        assert handler.baseFilename == str(expected)
        assert expected.exists()

    def test_custom_pattern_with_format_spec(self, tmp_path: Path) -> None:
        """A pattern can put the pid in a directory and use format specs."""
        (tmp_path / "logs").mkdir()
        handler = PerProcessTimedRotatingFileHandler(
            tmp_path / "logs", pattern="{prefix}/worker-{pid:09d}.jsonl", delay=True
        )
        assert handler.baseFilename == str(tmp_path / "logs" / f"worker-{os.getpid():09d}.jsonl")

    def test_process_name_made_safe(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """processName comes from multiprocessing, with path separators replaced by '_'."""
        monkeypatch.setattr(multiprocessing.current_process(), "name", "web/1\\a")
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", delay=True)
        assert handler.baseFilename == str(tmp_path / f"app.web_1_a-{os.getpid()}.log")

    def test_without_multiprocessing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without multiprocessing imported, processName is MainProcess, as in LogRecord."""
        monkeypatch.setattr(multiprocessing.current_process(), "name", "NotUsed")
        monkeypatch.delitem(sys.modules, "multiprocessing")
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", delay=True)
        assert handler.baseFilename == str(tmp_path / f"app.MainProcess-{os.getpid()}.log")

    def test_relative_prefix_uses_cwd_at_construction(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A relative prefix stays relative to the directory the handler was created in."""
        (tmp_path / "elsewhere").mkdir()
        monkeypatch.chdir(tmp_path)
        handler = PerProcessTimedRotatingFileHandler("app", delay=True)
        monkeypatch.chdir(tmp_path / "elsewhere")
        handler.handle(make_record())
        assert (tmp_path / f"app.MainProcess-{os.getpid()}.log").read_bytes() == b"hello\n"

    def test_delay_creates_nothing_until_first_record(self, tmp_path: Path) -> None:
        """With delay=True, no file exists before the first record."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", delay=True)
        assert list(tmp_path.iterdir()) == []
        handler.handle(make_record())
        assert Path(handler.baseFilename).read_bytes() == b"hello\n"

    def test_short_alias(self) -> None:
        """PerProcessFileHandler is the same class under a shorter name."""
        assert PerProcessFileHandler is PerProcessTimedRotatingFileHandler

    def test_is_a_timed_rotating_file_handler(self, tmp_path: Path) -> None:
        """It is a TimedRotatingFileHandler, so code that looks for one finds it."""
        handler = PerProcessFileHandler(tmp_path / "app", delay=True)
        assert isinstance(handler, logging.handlers.TimedRotatingFileHandler)


class TestPerProcessValidation:
    @pytest.mark.parametrize(
        ("pattern", "named"),
        [
            pytest.param("{prefix}.{host}-{pid}.log", "{host}", id="unknown-name"),
            pytest.param("{prefix}.{}-{pid}.log", "{}", id="positional"),
            pytest.param("{prefix}.{0}-{pid}.log", "{0}", id="index"),
            pytest.param("{prefix}.{pid.real}.log", "{pid.real}", id="attribute"),
        ],
    )
    def test_unknown_placeholder(self, tmp_path: Path, pattern: str, named: str) -> None:
        """An unknown placeholder is refused, naming it, the parameter and the accepted names."""
        with pytest.raises(ValueError, match="pattern=") as info:
            PerProcessTimedRotatingFileHandler(tmp_path / "app", pattern=pattern)
        assert named in str(info.value)
        assert "{prefix}, {processName}, {pid}" in str(info.value)

    def test_pid_required(self, tmp_path: Path) -> None:
        """A pattern without {pid} is refused: processes would share one file."""
        with pytest.raises(ValueError, match=r"pattern=.*must contain \{pid\}"):
            PerProcessTimedRotatingFileHandler(tmp_path / "app", pattern="{prefix}.log")

    @pytest.mark.parametrize("pattern", ["{prefix", "{prefix}}-{pid}", "{prefix:d}-{pid}"])
    def test_malformed_pattern(self, tmp_path: Path, pattern: str) -> None:
        """A pattern that str.format cannot use is refused at construction."""
        with pytest.raises(ValueError, match="pattern="):
            PerProcessTimedRotatingFileHandler(tmp_path / "app", pattern=pattern)

    @pytest.mark.parametrize("when", ["X", "W7", "weekly", "", "MM"])
    def test_bad_when(self, tmp_path: Path, when: str) -> None:
        """An unknown rollover interval is refused, naming the parameter and accepted values."""
        with pytest.raises(ValueError, match=r"when=.*accepted: 'S', 'M', 'H', 'D', 'midnight'"):
            PerProcessTimedRotatingFileHandler(tmp_path / "app", when)

    @pytest.mark.parametrize("when", ["s", "M", "h", "D", "midnight", "MIDNIGHT", "w0", "W6"])
    def test_good_when(self, tmp_path: Path, when: str) -> None:
        """Every TimedRotatingFileHandler interval is accepted, in either case."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", when, delay=True)
        assert handler.rolloverAt > time.time() - 1

    def test_bad_interval(self, tmp_path: Path) -> None:
        """An interval below 1 is refused: it would roll over on every record."""
        with pytest.raises(ValueError, match="interval=0"):
            PerProcessTimedRotatingFileHandler(tmp_path / "app", "H", 0)


def utc_timestamp(year: int, month: int, day: int, hour: int = 0) -> int:
    """Return the Unix time of a UTC wall-clock time."""
    return calendar.timegm((year, month, day, hour, 0, 0))


class TestPerProcessRollover:
    def make_due(self, tmp_path: Path, **kwargs: Any) -> PerProcessTimedRotatingFileHandler:
        """Return a daily UTC handler whose rollover at 2026-01-02 00:00 UTC is overdue."""
        handler = PerProcessTimedRotatingFileHandler(
            tmp_path / "app", "midnight", utc=True, **kwargs
        )
        handler.handle(make_record("day one"))
        handler.rolloverAt = utc_timestamp(2026, 1, 2)
        return handler

    def test_rolls_over_to_dated_backup(self, tmp_path: Path) -> None:
        """An overdue rollover renames the file to <file>.<date the period started>."""
        handler = self.make_due(tmp_path)
        handler.handle(make_record("day two"))
        base = Path(handler.baseFilename)
        assert Path(f"{base}.2026-01-01").read_bytes() == b"day one\n"
        assert base.read_bytes() == b"day two\n"
        assert handler.rolloverAt > time.time()

    def test_no_rollover_before_time(self, tmp_path: Path) -> None:
        """Records before the rollover time stay in the one file."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", "midnight", 1, 3)
        handler.handle(make_record("one"))
        handler.handle(make_record("two"))
        assert [p.name for p in tmp_path.iterdir()] == [Path(handler.baseFilename).name]

    def test_deletes_only_own_oldest_backups(self, tmp_path: Path) -> None:
        """backupCount keeps this process's newest backups and never touches other files."""
        handler = self.make_due(tmp_path, backupCount=2)
        base = Path(handler.baseFilename).name
        own_old = [f"{base}.2025-12-{day}" for day in (28, 29, 30, 31)]
        others = [
            f"app.MainProcess-{os.getpid() + 1}.log.2025-12-01",
            f"app.OtherName-{os.getpid()}.log.2025-12-01",
            f"{base}.not-a-date",
            f"{base}.2025-12-01x",
            "unrelated.txt",
        ]
        for name in own_old + others:
            (tmp_path / name).write_text("old\n")
        handler.handle(make_record("day two"))
        remaining = sorted(p.name for p in tmp_path.iterdir())
        assert remaining == sorted([base, f"{base}.2025-12-31", f"{base}.2026-01-01", *others])

    def test_backup_count_zero_keeps_everything(self, tmp_path: Path) -> None:
        """With backupCount=0 (the default) no backup is deleted."""
        handler = self.make_due(tmp_path)
        base = Path(handler.baseFilename).name
        (tmp_path / f"{base}.2020-01-01").write_text("old\n")
        handler.handle(make_record("day two"))
        assert (tmp_path / f"{base}.2020-01-01").exists()

    def test_namer_backups_are_counted(self, tmp_path: Path) -> None:
        """Backups renamed by a namer that appends an extension are found and pruned."""
        handler = self.make_due(tmp_path, backupCount=1)
        handler.namer = lambda name: name + ".gz"
        base = Path(handler.baseFilename).name
        (tmp_path / f"{base}.2025-12-31.gz").write_text("old\n")
        handler.handle(make_record("day two"))
        assert sorted(p.name for p in tmp_path.iterdir()) == [base, f"{base}.2026-01-01.gz"]

    def test_existing_backup_is_not_overwritten(self, tmp_path: Path) -> None:
        """If the backup name is taken, the backup is kept and the file keeps growing."""
        handler = self.make_due(tmp_path)
        base = Path(handler.baseFilename)
        Path(f"{base}.2026-01-01").write_bytes(b"kept\n")
        handler.handle(make_record("day two"))
        assert Path(f"{base}.2026-01-01").read_bytes() == b"kept\n"
        assert base.read_bytes() == b"day one\nday two\n"

    def test_failed_rename_reports_once_and_keeps_records(
        self, tmp_path: Path, error_calls: list[logging.LogRecord]
    ) -> None:
        """A rotation that fails calls handleError once, and every record is still written."""
        handler = self.make_due(tmp_path)

        def refuse(source: str, dest: str) -> None:
            raise PermissionError(errno.EACCES, "Permission denied", dest)

        handler.rotator = refuse
        first, second = make_record("day two"), make_record("day two again")
        handler.handle(first)
        handler.handle(second)
        assert error_calls == [first]
        assert Path(handler.baseFilename).read_bytes() == b"day one\nday two\nday two again\n"

    def test_do_rollover_reopens_unless_delayed(self, tmp_path: Path) -> None:
        """doRollover opens the new file at once, or with delay=True at the next record."""
        eager = self.make_due(tmp_path)
        eager.doRollover()
        assert Path(eager.baseFilename).read_bytes() == b""
        eager.close()
        delayed = PerProcessTimedRotatingFileHandler(
            tmp_path / "lazy", "midnight", utc=True, delay=True
        )
        delayed.handle(make_record("one"))
        delayed.rolloverAt = utc_timestamp(2026, 1, 2)
        delayed.doRollover()
        assert not Path(delayed.baseFilename).exists()
        delayed.handle(make_record("two"))
        assert Path(delayed.baseFilename).read_bytes() == b"two\n"

    def test_old_file_rolls_over_at_first_record(self, tmp_path: Path) -> None:
        """A file left with this name by an earlier process is rolled over by its age."""
        old = tmp_path / f"app.MainProcess-{os.getpid()}.log"
        old.write_bytes(b"from 2020\n")
        os.utime(old, (utc_timestamp(2020, 5, 17, 12), utc_timestamp(2020, 5, 17, 12)))
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", "midnight", utc=True)
        handler.handle(make_record("now"))
        assert Path(f"{old}.2020-05-17").read_bytes() == b"from 2020\n"
        assert old.read_bytes() == b"now\n"

    def test_hourly_suffix(self, tmp_path: Path) -> None:
        """Hourly rotation names backups by the hour the period started."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", "H", 1, 1, utc=True)
        handler.handle(make_record("hour one"))
        handler.rolloverAt = utc_timestamp(2026, 3, 4, 6)
        handler.handle(make_record("hour two"))
        assert Path(f"{handler.baseFilename}.2026-03-04_05").read_bytes() == b"hour one\n"

    def test_local_time_across_dst_change(self, tmp_path: Path, berlin_time: None) -> None:
        """In local time, a day that ended a DST period is named by its own date."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", "midnight")
        handler.handle(make_record("25 October"))
        # 2026-10-26 00:00 CET; the day before had 25 hours (CEST ended at 03:00).
        handler.rolloverAt = utc_timestamp(2026, 10, 25, 23)
        handler.handle(make_record("26 October"))
        assert Path(f"{handler.baseFilename}.2026-10-25").read_bytes() == b"25 October\n"

    def test_local_time_without_dst_change(self, tmp_path: Path, berlin_time: None) -> None:
        """In local time, a day is named by its local date, not its UTC date."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", "midnight")
        handler.handle(make_record("19 November"))
        # 2026-11-20 00:00 CET, which is still 19 November in UTC.
        handler.rolloverAt = utc_timestamp(2026, 11, 19, 23)
        handler.handle(make_record("20 November"))
        assert Path(f"{handler.baseFilename}.2026-11-19").read_bytes() == b"19 November\n"

    @pytest.mark.parametrize(
        ("now", "next_rollover"),
        [
            # 2026-03-29 00:00:05 CET; the next midnight, 30 March, is in CEST.
            pytest.param(
                utc_timestamp(2026, 3, 28, 23) + 5, utc_timestamp(2026, 3, 29, 22), id="spring"
            ),
            # 2026-10-25 00:00:05 CEST; the next midnight, 26 October, is in CET.
            pytest.param(
                utc_timestamp(2026, 10, 24, 22) + 5, utc_timestamp(2026, 10, 25, 23), id="autumn"
            ),
        ],
    )
    def test_next_local_midnight_across_dst_change(
        self,
        tmp_path: Path,
        berlin_time: None,
        monkeypatch: pytest.MonkeyPatch,
        now: int,
        next_rollover: int,
    ) -> None:
        """After a local-time rollover, the next is at the next local midnight, across DST too."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", "midnight")
        handler.handle(make_record("before"))
        handler.rolloverAt = now - 5
        monkeypatch.setattr(time, "time", lambda: float(now))
        handler.handle(make_record("after"))
        assert handler.rolloverAt == next_rollover

    def test_at_time(self, tmp_path: Path) -> None:
        """atTime moves the daily rollover to that time of day, as in TimedRotatingFileHandler."""
        handler = PerProcessTimedRotatingFileHandler(
            tmp_path / "app", "midnight", utc=True, atTime=datetime.time(3, 30), delay=True
        )
        assert handler.rolloverAt % 86400 == 3 * 3600 + 30 * 60
        assert time.time() < handler.rolloverAt <= time.time() + 86400


@pytest.fixture
def berlin_time() -> Iterator[None]:
    """Run the test in Central European time, with its DST rules, whatever the host's zone."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "CET-1CEST,M3.5.0,M10.5.0/3"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def log_in_child(count: int) -> None:
    """Log ``count`` numbered records from the current process (a multiprocessing target)."""
    log = logging.getLogger(LOGGER_NAME)
    for seq in range(count):
        log.info("child %d", seq)


class TestForkAwareness:
    def test_pid_change_opens_file_named_for_new_pid(
        self, tmp_path: Path, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """After the pid changes, records go to a file with the new pid; the old file is left."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app")
        logger.addHandler(handler)
        logger.info("parent")
        parent_file = Path(handler.baseFilename)
        monkeypatch.setattr(os, "getpid", lambda: 4_000_002)
        logger.info("child")
        assert parent_file.read_bytes() == b"parent\n"
        assert (tmp_path / "app.MainProcess-4000002.log").read_bytes() == b"child\n"
        assert handler.rolloverAt > time.time()

    def test_at_fork_hook_releases_descriptors(self, tmp_path: Path) -> None:
        """The after-fork hook drops inherited descriptors; the next record opens the file anew."""
        per_process = PerProcessTimedRotatingFileHandler(tmp_path / "app")
        shared = SharedFileHandler(tmp_path / "shared.log")
        per_process.handle(make_record("before"))
        shared.handle(make_record("before"))
        handlers._release_inherited_files()
        assert (per_process._fd, shared._fd) == (None, None)
        per_process.handle(make_record("after"))
        shared.handle(make_record("after"))
        assert Path(per_process.baseFilename).read_bytes() == b"before\nafter\n"
        assert (tmp_path / "shared.log").read_bytes() == b"before\nafter\n"

    def test_os_fork(self, tmp_path: Path, logger: logging.Logger) -> None:
        """A child made by os.fork writes its own file; the parent's holds only parent lines."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app")
        handler.setFormatter(TinyJsonFormatter())
        logger.addHandler(handler)
        logger.info("parent before fork")
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child's coverage is not collected)
            try:
                log_in_child(50)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        logger.info("parent after fork")
        assert os.waitstatus_to_exitcode(status) == 0
        parent = read_json_lines(handler.baseFilename)
        child = read_json_lines(tmp_path / f"app.MainProcess-{pid}.log")
        assert [r["message"] for r in parent] == ["parent before fork", "parent after fork"]
        assert [r["message"] for r in child] == [f"child {n}" for n in range(50)]
        assert {r["pid"] for r in child} == {pid}

    def test_multiprocessing_fork(self, tmp_path: Path, logger: logging.Logger) -> None:
        """A multiprocessing fork child writes to a file named with its process name and pid."""
        handler = PerProcessTimedRotatingFileHandler(tmp_path / "app", delay=True)
        handler.setFormatter(TinyJsonFormatter())
        logger.addHandler(handler)
        logger.info("parent before")
        context = multiprocessing.get_context("fork")
        children = [context.Process(target=log_in_child, args=(200,)) for _ in range(2)]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=30)
        logger.info("parent after")
        assert [child.exitcode for child in children] == [0, 0]
        parent = read_json_lines(handler.baseFilename)
        assert [r["message"] for r in parent] == ["parent before", "parent after"]
        for child in children:
            records = read_json_lines(tmp_path / f"app.{child.name}-{child.pid}.log")
            assert [r["message"] for r in records] == [f"child {n}" for n in range(200)]
            assert {(r["pid"], r["processName"]) for r in records} == {(child.pid, child.name)}

    def test_preforked_workers_count_record_by_record(self, tmp_path: Path) -> None:
        """Like gunicorn --preload: a handler made in a master, 4 forked workers, one file each."""
        script = textwrap.dedent(
            """
            import json, logging, os, sys
            from jsonlog.handlers import PerProcessTimedRotatingFileHandler

            handler = PerProcessTimedRotatingFileHandler(sys.argv[1], "midnight", 1, 7)
            handler.setFormatter(logging.Formatter("%(process)d %(message)s"))
            log = logging.getLogger("app")
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.info("master up")
            pids = []
            for worker in range(4):
                pid = os.fork()
                if pid == 0:
                    for seq in range(2000):
                        log.info("worker %d seq %d", worker, seq)
                    os._exit(0)
                pids.append(pid)
            assert all(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) == 0 for p in pids)
            log.info("master down")
            print(json.dumps(pids))
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "app")],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=60,
            check=True,
        )
        pids = json.loads(done.stdout)
        logs = tmp_path.glob("app.MainProcess-*.log")
        files = {int(p.name.rsplit("-", 1)[1].removesuffix(".log")): p for p in logs}
        assert len(files) == 5
        master_pid = (set(files) - set(pids)).pop()
        assert files[master_pid].read_text().splitlines() == [
            f"{master_pid} master up",
            f"{master_pid} master down",
        ]
        for worker, pid in enumerate(pids):
            lines = files[pid].read_text().splitlines()
            assert lines == [f"{pid} worker {worker} seq {seq}" for seq in range(2000)]

    def test_independent_processes_count_record_by_record(self, tmp_path: Path) -> None:
        """Processes started separately with one prefix each write their own complete file."""
        script = textwrap.dedent(
            """
            import json, logging, sys
            from jsonlog.handlers import PerProcessFileHandler

            prefix, worker = sys.argv[1], int(sys.argv[2])
            handler = PerProcessFileHandler(prefix, "midnight", 1, 7, delay=True)
            handler.setFormatter(logging.Formatter("%(message)s"))
            log = logging.getLogger("app")
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            sys.stdin.read()  # Start together: wait until the test closes stdin.
            for seq in range(3000):
                log.info(json.dumps({"worker": worker, "seq": seq}))
            """
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(tmp_path / "app"), str(worker)],
                stdin=subprocess.PIPE,
                env=subprocess_env(),
            )
            for worker in range(4)
        ]
        for proc in procs:
            proc.stdin.close()  # type: ignore[union-attr]
        assert [proc.wait(timeout=60) for proc in procs] == [0] * 4
        assert len(list(tmp_path.iterdir())) == 4
        for worker, proc in enumerate(procs):
            records = read_json_lines(tmp_path / f"app.MainProcess-{proc.pid}.log")
            assert records == [{"worker": worker, "seq": seq} for seq in range(3000)]


GUNICORN_INI = """
[loggers]
keys=root,app

[handlers]
keys=perprocess

[formatters]
keys=json

[logger_root]
level=WARNING
handlers=

[logger_app]
level=INFO
handlers=perprocess
propagate=0
qualname=app

[handler_perprocess]
class=jsonlog.handlers.PerProcessTimedRotatingFileHandler
args=({prefix!r}, 'midnight', 1, 7)
kwargs={{'delay': True}}
formatter=json

[formatter_json]
format={{"pid": %(process)d, "message": "%(message)s"}}
"""

WSGI_APP = """
import logging

log = logging.getLogger("app")


def app(environ, start_response):
    log.info("request %s", environ["QUERY_STRING"])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


class TestGunicorn:
    def test_workers_write_their_own_files(self, tmp_path: Path) -> None:
        """Real gunicorn workers, configured by --log-config in the master, get one file each."""
        (tmp_path / "wsgi_app.py").write_text(WSGI_APP)
        (tmp_path / "logging.ini").write_text(GUNICORN_INI.format(prefix=str(tmp_path / "app")))
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", "127.0.0.1:0"),
                *("--log-config", str(tmp_path / "logging.ini"), "--chdir", str(tmp_path)),
                "wsgi_app:app",
            ],
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
        )
        try:
            url = wait_for_gunicorn_url(server)
            for number in range(60):
                with urllib.request.urlopen(f"{url}/?{number}", timeout=10) as response:
                    assert response.read() == b"ok"
        finally:
            server.terminate()
            server.wait(timeout=30)
        files = {int(path.stem.rsplit("-", 1)[1]): path for path in tmp_path.glob("app.*.log")}
        records = {pid: read_json_lines(path) for pid, path in files.items()}
        assert server.pid not in files
        assert all(record["pid"] == pid for pid, rows in records.items() for record in rows)
        numbers = Counter(r["message"] for rows in records.values() for r in rows)
        assert numbers == Counter(f"request {number}" for number in range(60))


def wait_for_gunicorn_url(server: subprocess.Popen[str]) -> str:
    """Read gunicorn's log until it says where it listens, and return that URL."""
    assert server.stderr is not None
    for line in server.stderr:
        if "Listening at: " in line:
            url = line.split("Listening at: ", 1)[1].split()[0]
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=server.stderr.read, daemon=True).start()
            return url
    raise AssertionError("gunicorn exited before listening")


class TestBytesStreamHandler:
    def test_default_stream_is_stdout_buffer(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without a stream, records go to sys.stdout.buffer."""
        stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        monkeypatch.setattr(sys, "stdout", stdout)
        handler = BytesStreamHandler()
        handler.handle(make_record())
        assert stdout.buffer.getvalue() == b"hello\n"  # type: ignore[attr-defined]

    def test_stdout_without_buffer(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A text-only sys.stdout and no stream is a TypeError naming the parameter."""
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        with pytest.raises(TypeError, match="stream=None"):
            BytesStreamHandler()

    def test_flushes_after_each_record(self) -> None:
        """The stream is flushed after every record, as logging.StreamHandler does."""
        events: list[str] = []

        class Recording(io.BytesIO):
            def write(self, data: Any) -> int:
                events.append("write")
                return super().write(data)

            def flush(self) -> None:
                events.append("flush")

        handler = BytesStreamHandler(Recording())
        handler.handle(make_record())
        handler.handle(make_record())
        assert events == ["write", "flush", "write", "flush"]

    def test_stream_without_flush(self) -> None:
        """A stream that has only write() is accepted."""
        chunks: list[bytes] = []

        class WriteOnly:
            def write(self, data: bytes) -> int:
                chunks.append(data)
                return len(data)

        handler = BytesStreamHandler(WriteOnly())  # type: ignore[arg-type]
        handler.handle(make_record())
        handler.flush()
        assert chunks == [b"hello\n"]

    def test_set_stream(self) -> None:
        """setStream swaps streams and returns the old one, or None if it is the same."""
        first, second = io.BytesIO(), io.BytesIO()
        handler = BytesStreamHandler(first)
        assert handler.setStream(first) is None
        assert handler.setStream(second) is first
        handler.handle(make_record())
        assert (first.getvalue(), second.getvalue()) == (b"", b"hello\n")

    def test_repr(self) -> None:
        """The repr names the stream when it has a name, and the level."""
        named = io.BytesIO()
        named.name = "<stdout>"  # type: ignore[attr-defined]
        assert repr(BytesStreamHandler(named)) == "<BytesStreamHandler <stdout> (NOTSET)>"
        handler = BytesStreamHandler(io.BytesIO())
        handler.setLevel(logging.INFO)
        assert repr(handler) == "<BytesStreamHandler (INFO)>"


class TestConfiguration:
    def test_file_config(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A real fileConfig ini builds the handlers from class= and args=."""
        monkeypatch.chdir(tmp_path)
        ini = tmp_path / "logging.ini"
        ini.write_text(
            textwrap.dedent(
                """
                [loggers]
                keys=root

                [handlers]
                keys=perprocess,shared

                [formatters]
                keys=plain

                [logger_root]
                level=INFO
                handlers=perprocess,shared

                [handler_perprocess]
                class=jsonlog.handlers.PerProcessTimedRotatingFileHandler
                args=('logs/app', 'midnight', 1, 7)
                kwargs={'delay': True}
                formatter=plain

                [handler_shared]
                class=jsonlog.handlers.SharedFileHandler
                args=('logs/all.log',)
                formatter=plain

                [formatter_plain]
                format=%(levelname)s %(message)s
                """
            )
        )
        (tmp_path / "logs").mkdir()
        logging.config.fileConfig(ini, disable_existing_loggers=False)
        per_process = logging.getLogger().handlers[0]
        assert isinstance(per_process, PerProcessTimedRotatingFileHandler)
        assert (per_process.when, per_process.backupCount) == ("MIDNIGHT", 7)
        logging.getLogger("from.ini").info("configured")
        own = tmp_path / "logs" / f"app.MainProcess-{os.getpid()}.log"
        assert own.read_text() == "INFO configured\n"
        assert (tmp_path / "logs" / "all.log").read_text() == "INFO configured\n"

    def test_dict_config(self, tmp_path: Path) -> None:
        """dictConfig builds every handler from class and keyword arguments."""
        stream = io.BytesIO()
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"plain": {"format": "%(name)s %(message)s"}},
                "handlers": {
                    "perprocess": {
                        "class": "jsonlog.handlers.PerProcessFileHandler",
                        "formatter": "plain",
                        "prefix": str(tmp_path / "app"),
                        "when": "H",
                        "backupCount": 3,
                        "pattern": "{prefix}-{pid}.jsonl",
                    },
                    "shared": {
                        "class": "jsonlog.handlers.SharedFileHandler",
                        "formatter": "plain",
                        "filename": str(tmp_path / "all.log"),
                        "delay": True,
                    },
                    "bytes": {
                        "class": "jsonlog.handlers.BytesStreamHandler",
                        "formatter": "plain",
                        "stream": stream,
                    },
                },
                "loggers": {
                    "dict": {"handlers": ["perprocess", "shared", "bytes"], "level": "INFO"}
                },
            }
        )
        logging.getLogger("dict").info("configured")
        logging.getLogger("dict").handlers.clear()
        assert (tmp_path / f"app-{os.getpid()}.jsonl").read_text() == "dict configured\n"
        assert (tmp_path / "all.log").read_text() == "dict configured\n"
        assert stream.getvalue() == b"dict configured\n"


class TestExample:
    def test_per_process_logging_example(self, tmp_path: Path) -> None:
        """examples/per_process_logging.py writes one complete file per worker and lists them."""
        done = subprocess.run(
            [sys.executable, str(REPO_ROOT / "examples" / "per_process_logging.py"), str(tmp_path)],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=30,
            check=True,
        )
        listed = [Path(line) for line in done.stdout.splitlines() if line.endswith(".log")]
        assert sorted(listed) == sorted(tmp_path.glob("*.log"))
        workers = [path for path in listed if "MainProcess" not in path.name]
        assert len(workers) == 3
        for path in workers:
            records = read_json_lines(path)
            assert len(records) == 5
            assert all(record["pid"] == int(path.stem.rsplit("-", 1)[1]) for record in records)
