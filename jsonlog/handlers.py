"""Handlers for programs that log from many processes: per-process files, one shared file, bytes.

Each file handler here writes a record, terminator included, with one ``write(2)`` on a
descriptor opened with ``O_APPEND``. Nothing is buffered in the process, which is what
makes them fork-safe (a child never inherits its parent's unwritten records, so it cannot
write them a second time) and what lets several processes append to one file without
interleaving lines. ``logging.FileHandler`` flushes after every record too, so this costs
no extra system calls.

What is and is not safe across processes:

* Appending to one regular file on a local filesystem from many processes, each with its
  own ``O_APPEND`` descriptor (``SharedFileHandler``): safe. POSIX makes the seek to the
  end and the write one atomic step, so no record overwrites another. Linux local
  filesystems (ext4, xfs, btrfs, tmpfs) also hold the file's lock for the whole
  ``write(2)``, so a record is contiguous whatever its size and lines never interleave.
  ``PIPE_BUF`` (4096 bytes on Linux) is a limit for pipes and FIFOs, not regular files.
* Appending on NFS or other network filesystems: not safe. NFS emulates ``O_APPEND`` on the
  client, so records from different hosts or processes can overwrite each other.
* Appending from several processes on Windows: not safe. The C runtime emulates
  ``O_APPEND`` with a seek followed by a write.
* A pipe (stdout piped into a collector): one ``write(2)`` of at most ``PIPE_BUF`` bytes is
  atomic; longer records from different processes can interleave.
* Rotating a shared file from inside the processes that write it: not safe, whichever
  process renames it races the others. Use one file per process
  (``PerProcessTimedRotatingFileHandler``), or rotate from outside with ``logrotate``
  ``copytruncate`` (which loses the lines written between its copy and its truncation).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import logging.handlers
import os
import re
import string
import sys
import time
import weakref
from collections.abc import Callable
from datetime import time as datetime_time
from typing import IO, Protocol

__all__ = [
    "DEFAULT_PATTERN",
    "BytesStreamHandler",
    "PerProcessFileHandler",
    "PerProcessTimedRotatingFileHandler",
    "SharedFileHandler",
]

#: File name of a ``PerProcessTimedRotatingFileHandler`` unless ``pattern`` says otherwise.
DEFAULT_PATTERN = "{prefix}.{processName}-{pid}.log"

_PATTERN_PLACEHOLDERS = ("prefix", "processName", "pid")
_WHEN_VALUES = "'S', 'M', 'H', 'D', 'midnight', 'W0' to 'W6'"
# JSON text exchanged between systems is UTF-8 (RFC 8259, section 8.1), whatever the locale.
_DEFAULT_ENCODING = "utf-8"
# A character the encoding cannot represent must not cost the whole record.
_DEFAULT_ERRORS = "backslashreplace"
# os.open gives a non-inheritable descriptor already (PEP 446); O_BINARY stops Windows from
# translating "\n" to "\r\n".
_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
# Process names are free text; these would change the directory or end the path.
_UNSAFE_IN_FILENAME = str.maketrans({"/": "_", "\\": "_", "\0": "_"})
# How each strftime field of TimedRotatingFileHandler.suffix looks in a backup's name.
_SUFFIX_FIELDS = {
    "%Y": r"\d{4}",
    "%m": r"\d{2}",
    "%d": r"\d{2}",
    "%H": r"\d{2}",
    "%M": r"\d{2}",
    "%S": r"\d{2}",
}


class _ForkAware(Protocol):
    def _release_inherited_file(self) -> None: ...


_fork_aware_handlers: weakref.WeakSet[_ForkAware] = weakref.WeakSet()


def _release_inherited_files() -> None:
    """Close, in a newly forked child, the descriptors every handler inherited from its parent."""
    for handler in list(_fork_aware_handlers):
        handler._release_inherited_file()


if sys.platform != "win32":
    # Only descriptor hygiene: each handler also compares os.getpid() on every record, which
    # catches children made without os.fork (a C extension calling fork(2) directly).
    os.register_at_fork(after_in_child=_release_inherited_files)


def _open_for_append(path: str) -> int:
    return os.open(path, _APPEND_FLAGS, 0o666)


def _write_record(fd: int, data: bytes) -> None:
    """Write ``data`` with one ``write(2)``; finish a short write rather than drop the rest."""
    written = os.write(fd, data)
    # A regular file takes the whole record in one call unless the disk is full, the file
    # reached RLIMIT_FSIZE or a signal interrupted a very large write. Finishing the record
    # is the last resort: its tail may then land after another process's record.
    while written < len(data):
        more = os.write(fd, data[written:])
        if more == 0:
            raise OSError(errno.EIO, "write() wrote nothing; record truncated")
        written += more


def _close_quietly(fd: int | None) -> None:
    # Nothing is buffered, so a failing close(2) cannot lose a record.
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def _encode_line(
    handler: logging.Handler, record: logging.LogRecord, encoding: str, errors: str, terminator: str
) -> bytes:
    """Return the record formatted and encoded, terminator included.

    A formatter with a callable ``format_bytes`` (``jsonlog.JsonFormatter``) gives bytes
    directly; any other formatter goes through ``handler.format`` and ``str.encode``.
    """
    format_bytes: Callable[[logging.LogRecord], bytes] | None = getattr(
        handler.formatter, "format_bytes", None
    )
    if callable(format_bytes):
        return format_bytes(record) + terminator.encode(encoding, errors)
    return (handler.format(record) + terminator).encode(encoding, errors)


def _current_process_name() -> str:
    # The same lookup LogRecord makes for %(processName)s, without importing multiprocessing.
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return "MainProcess"
    return str(multiprocessing.current_process().name)


def _validate_pattern(pattern: str) -> None:
    accepted = ", ".join(f"{{{name}}}" for name in _PATTERN_PLACEHOLDERS)
    try:
        fields = [
            field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None
        ]
    except ValueError as exc:
        raise ValueError(f"pattern={pattern!r} is not a format string: {exc}") from None
    unknown = [field for field in fields if field not in _PATTERN_PLACEHOLDERS]
    if unknown:
        raise ValueError(
            f"pattern={pattern!r} has unknown placeholder {{{unknown[0]}}};"
            f" accepted placeholders: {accepted}"
        )
    if "pid" not in fields:
        raise ValueError(
            f"pattern={pattern!r} must contain {{pid}} so that processes never share a file;"
            f" accepted placeholders: {accepted}"
        )
    try:
        pattern.format(prefix="app", processName="MainProcess", pid=1)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"pattern={pattern!r} cannot be formatted: {exc!r}") from None


def _validate_schedule(when: str, interval: int) -> None:
    upper = when.upper()
    weekly = len(upper) == 2 and upper[0] == "W" and upper[1] in "0123456"
    if upper not in {"S", "M", "H", "D", "MIDNIGHT"} and not weekly:
        raise ValueError(f"when={when!r} is not a rollover interval; accepted: {_WHEN_VALUES}")
    if interval < 1:
        raise ValueError(f"interval={interval!r} must be a whole number of units, 1 or more")


def _suffix_regex(suffix: str) -> str:
    return "".join(_SUFFIX_FIELDS.get(part, re.escape(part)) for part in re.split("(%.)", suffix))


class _AppendDescriptor(logging.Handler):
    """The ``O_APPEND`` descriptor the file handlers below write through.

    A mixin placed before the stdlib handler class: ``close()`` closes the
    descriptor, then lets the stdlib class close the rest.
    """

    _fd: int | None

    def close(self) -> None:
        """Close the file; a later record opens it again, as with ``logging.FileHandler``."""
        self.acquire()
        try:
            fd, self._fd = self._fd, None
            _close_quietly(fd)
            super().close()
        finally:
            self.release()

    def _release_inherited_file(self) -> None:
        fd, self._fd = self._fd, None
        _close_quietly(fd)


class PerProcessTimedRotatingFileHandler(
    _AppendDescriptor, logging.handlers.TimedRotatingFileHandler
):
    """Write each process to a file of its own and rotate it on a schedule.

    The file is named by ``pattern``, ``"{prefix}.{processName}-{pid}.log"`` by default, so
    six gunicorn workers write six files and never rotate one file under each other. A
    handler created before a fork (gunicorn, ``multiprocessing`` with fork, ``os.fork``)
    opens a new file in the child, named with the child's pid and process name, on the
    child's first record; the parent's file only ever holds the parent's records.

    Rotation works like ``TimedRotatingFileHandler``: at each rollover the file is renamed to
    ``<file>.<date suffix>`` (through ``namer`` and ``rotator`` if set) and, when
    ``backupCount`` is above 0, this process's oldest backups beyond ``backupCount`` are
    deleted. Other processes' files are never touched, so files of processes that have
    exited stay until something outside (``find -mtime``) removes them.

    Arguments, positional as in ``TimedRotatingFileHandler`` so an ini file can say
    ``args=('logs/app', 'midnight', 1, 7)``:

    * ``prefix``: the start of the file's path, relative to the working directory at
      construction; the ``{prefix}`` placeholder of ``pattern``.
    * ``when``, ``interval``, ``backupCount``, ``utc``, ``atTime``: the schedule, as in
      ``TimedRotatingFileHandler``; ``backupCount`` counts one process's backups.
    * ``encoding``: for formatters without ``format_bytes``; UTF-8 unless given.
    * ``delay``: open the file at the first record instead of at construction.
    * ``errors``: the encoding error handler; ``"backslashreplace"`` unless given.
    * ``pattern`` (keyword only): the file name, with placeholders ``{prefix}``,
      ``{processName}`` (``/``, ``\\`` and NUL replaced by ``_``) and ``{pid}``, which is
      required. Format specs work: ``"{prefix}-{pid:07d}.log"``.
    """

    def __init__(  # noqa: PLR0917 (positional, as TimedRotatingFileHandler, for ini args=)
        self,
        prefix: str | os.PathLike[str],
        when: str = "h",
        interval: int = 1,
        backupCount: int = 0,  # noqa: N803 (TimedRotatingFileHandler's name)
        encoding: str | None = None,
        delay: bool = False,
        utc: bool = False,
        atTime: datetime_time | None = None,  # noqa: N803 (TimedRotatingFileHandler's name)
        errors: str | None = None,
        *,
        pattern: str = DEFAULT_PATTERN,
    ) -> None:
        _validate_pattern(pattern)
        _validate_schedule(when, interval)
        self._prefix = os.fspath(prefix)
        self._pattern = pattern
        self._directory = os.getcwd()
        self._encoding = encoding or _DEFAULT_ENCODING
        self._errors = errors or _DEFAULT_ERRORS
        self._pid = os.getpid()
        self._fd: int | None = None
        # delay=True: the parent class would otherwise open a text stream we never use.
        super().__init__(
            self._filename_for_this_process(),
            when=when,
            interval=interval,
            backupCount=backupCount,
            encoding=self._encoding,
            delay=True,
            utc=utc,
            atTime=atTime,
            errors=self._errors,
        )
        self.delay = delay
        _fork_aware_handlers.add(self)
        if not delay:
            self._fd = _open_for_append(self.baseFilename)

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record to this process's file, rolling the file over first if it is due."""
        try:
            line = _encode_line(self, record, self._encoding, self._errors, self.terminator)
            if self._pid != os.getpid():
                self._adopt_this_process()
            if self.shouldRollover(record):
                try:
                    self.doRollover()
                except OSError:
                    # Report the failed rename, but still write the record.
                    self.handleError(record)
            if self._fd is None:
                self._fd = _open_for_append(self.baseFilename)
            _write_record(self._fd, line)
        except RecursionError:  # As logging.StreamHandler.emit does (bpo-36272).
            raise
        except Exception:
            self.handleError(record)

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        """Return whether the rollover time has come."""
        return int(time.time()) >= self.rolloverAt

    def doRollover(self) -> None:
        """Rename this process's file to its dated backup name and delete its oldest backups."""
        backup = self.rotation_filename(f"{self.baseFilename}.{self._period_suffix()}")
        # Scheduled first, so a failing rename is reported once per period, not per record.
        self.rolloverAt = self._next_rollover(int(time.time()))
        fd, self._fd = self._fd, None
        _close_quietly(fd)
        # An existing backup (the clock went back) is kept; this file grows instead.
        if not os.path.exists(backup):
            self.rotate(self.baseFilename, backup)
        if self.backupCount > 0:
            for path in self.getFilesToDelete():
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
        if not self.delay:
            self._fd = _open_for_append(self.baseFilename)

    def getFilesToDelete(self) -> list[str]:
        """Return this process's backups beyond ``backupCount``, oldest first."""
        directory, base = os.path.split(self.baseFilename)
        # A namer may add to the name ("....log.2026-01-31.gz"); the date must follow the base.
        backup_name = re.compile(
            re.escape(base + ".") + _suffix_regex(self.suffix) + r"(?:\.|\Z)", re.ASCII
        )
        backups = sorted(name for name in os.listdir(directory) if backup_name.match(name))
        surplus = backups[: max(0, len(backups) - self.backupCount)]
        return [os.path.join(directory, name) for name in surplus]

    def _adopt_this_process(self) -> None:
        """Move to a file of this process's own after a fork: new name, schedule and descriptor."""
        self._release_inherited_file()
        self._pid = os.getpid()
        self.baseFilename = self._filename_for_this_process()
        try:
            start = int(os.stat(self.baseFilename).st_mtime)
        except FileNotFoundError:
            start = int(time.time())
        self.rolloverAt = self.computeRollover(start)

    def _filename_for_this_process(self) -> str:
        name = self._pattern.format(
            prefix=self._prefix,
            processName=_current_process_name().translate(_UNSAFE_IN_FILENAME),
            pid=os.getpid(),
        )
        return os.path.abspath(os.path.join(self._directory, name))

    def _next_rollover(self, now: int) -> int:
        """Return the next rollover time, as TimedRotatingFileHandler.doRollover computes it."""
        next_at = self.computeRollover(now)
        daily_local = not self.utc and (self.when == "MIDNIGHT" or self.when.startswith("W"))
        if sys.version_info < (3, 13) and daily_local:
            # Before 3.13, computeRollover counts seconds, not wall-clock days, and doRollover
            # corrects for a DST change in between (3.13 moved that into computeRollover).
            dst_now = time.localtime(now).tm_isdst
            if time.localtime(next_at).tm_isdst != dst_now:
                next_at += 3600 if dst_now else -3600
        return next_at

    def _period_suffix(self) -> str:
        """Return the date suffix of the period ending now, as TimedRotatingFileHandler does."""
        start = self.rolloverAt - self.interval
        if self.utc:
            return time.strftime(self.suffix, time.gmtime(start))
        period_start = time.localtime(start)
        dst_now = time.localtime().tm_isdst
        if period_start.tm_isdst != dst_now:
            # Daylight saving time changed during the period: name the period by its wall clock.
            period_start = time.localtime(start + (3600 if dst_now else -3600))
        return time.strftime(self.suffix, period_start)


#: Short name for ``PerProcessTimedRotatingFileHandler``.
PerProcessFileHandler = PerProcessTimedRotatingFileHandler


class SharedFileHandler(_AppendDescriptor, logging.FileHandler):
    """Append records from many processes to one file, each record in a single ``write(2)``.

    A drop-in for ``logging.FileHandler`` in append mode. Every process, including a child
    forked after the handler was created, writes through its own ``O_APPEND`` descriptor,
    one ``write(2)`` per record and nothing buffered, so on a local filesystem records of
    any length from any number of processes never interleave and none is written twice.
    Not safe on NFS, and the file must not be rotated by the writing processes: see the
    module documentation.

    Arguments, positional as in ``logging.FileHandler``:

    * ``filename``: the file to append to.
    * ``mode``: ``"a"``, the only mode that is safe to share.
    * ``encoding``: for formatters without ``format_bytes``; UTF-8 unless given.
    * ``delay``: open the file at the first record instead of at construction.
    * ``errors``: the encoding error handler; ``"backslashreplace"`` unless given.
    """

    def __init__(
        self,
        filename: str | os.PathLike[str],
        mode: str = "a",
        encoding: str | None = None,
        delay: bool = False,
        errors: str | None = None,
    ) -> None:
        if mode != "a":
            raise ValueError(f"mode={mode!r}: SharedFileHandler only appends; accepted: 'a'")
        self._encoding = encoding or _DEFAULT_ENCODING
        self._errors = errors or _DEFAULT_ERRORS
        self._pid = os.getpid()
        self._fd: int | None = None
        # delay=True: the parent class would otherwise open a text stream we never use.
        super().__init__(filename, "a", encoding=self._encoding, delay=True, errors=self._errors)
        self.delay = delay
        _fork_aware_handlers.add(self)
        if not delay:
            self._fd = _open_for_append(self.baseFilename)

    def emit(self, record: logging.LogRecord) -> None:
        """Append the record to the file in one ``write(2)``."""
        try:
            line = _encode_line(self, record, self._encoding, self._errors, self.terminator)
            if self._pid != os.getpid():
                self._release_inherited_file()
                self._pid = os.getpid()
            if self._fd is None:
                self._fd = _open_for_append(self.baseFilename)
            _write_record(self._fd, line)
        except RecursionError:  # As logging.StreamHandler.emit does (bpo-36272).
            raise
        except Exception:
            self.handleError(record)


class BytesStreamHandler(logging.Handler):
    """Write records as bytes to a binary stream, ``sys.stdout.buffer`` by default.

    Uses the formatter's ``format_bytes`` when it has one, so a JSON line goes from the
    encoder to the stream without a detour through ``str``; other formatters' output is
    encoded. The stream is flushed after every record, as ``logging.StreamHandler`` does,
    so a fork never copies a half-filled buffer. If the program also prints to
    ``sys.stdout``, flush that before logging or the two can come out of order.

    Arguments:

    * ``stream``: a binary stream (``write(bytes)``; ``flush()`` is used if present).
    * ``encoding``, ``errors`` (keyword only): for formatters without ``format_bytes``;
      UTF-8 and ``"backslashreplace"`` unless given.
    """

    terminator = "\n"

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        *,
        encoding: str | None = None,
        errors: str | None = None,
    ) -> None:
        super().__init__()
        if stream is None:
            stream = getattr(sys.stdout, "buffer", None)
            if stream is None:
                raise TypeError(
                    "stream=None needs sys.stdout.buffer, and sys.stdout has none;"
                    " pass a binary stream"
                )
        self.stream: IO[bytes] = stream
        self._encoding = encoding or _DEFAULT_ENCODING
        self._errors = errors or _DEFAULT_ERRORS

    def flush(self) -> None:
        """Flush the stream."""
        self.acquire()
        try:
            flush = getattr(self.stream, "flush", None)
            if callable(flush):
                flush()
        finally:
            self.release()

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record and its terminator to the stream, then flush it."""
        try:
            self.stream.write(
                _encode_line(self, record, self._encoding, self._errors, self.terminator)
            )
            self.flush()
        except RecursionError:  # As logging.StreamHandler.emit does (bpo-36272).
            raise
        except Exception:
            self.handleError(record)

    def setStream(self, stream: IO[bytes]) -> IO[bytes] | None:
        """Flush and replace the stream; return the old one, or None if it is the same."""
        if stream is self.stream:
            return None
        self.acquire()
        try:
            self.flush()
            old, self.stream = self.stream, stream
        finally:
            self.release()
        return old

    def __repr__(self) -> str:
        name = str(getattr(self.stream, "name", ""))
        level = logging.getLevelName(self.level)
        return f"<{type(self).__name__} {name}{' ' if name else ''}({level})>"
