"""Benchmark jsonlog's JsonFormatter against the libraries users would pick instead.

Run ``python benchmarks/bench_formatter.py`` (about two minutes) or
``--quick`` (a smoke run under 30 s, what CI runs). Every contender formats
fresh ``LogRecord`` objects, made outside the timed region; contenders are
interleaved round by round (in a shuffled order each round) so machine noise
cancels in the ratios, which are the median of the per-round ratios. Each
contender's output is parsed as JSON before anything is timed.

The floor is the smallest formatter a person would write by hand for the
same output: the same dict (asctime, level, logger name, message, extras),
then ``orjson.dumps``.

Contenders that are not installed (the ``bench`` extra) are skipped with a
line saying so. Nothing here asserts anything about time.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import decimal
import enum
import io
import json
import linecache
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jsonlog  # noqa: E402 - after the sys.path line, so the checkout is benchmarked
from jsonlog.handlers import BytesStreamHandler  # noqa: E402

FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RESERVED = frozenset(jsonlog.RESERVED_ATTRS)
FLOOR = "floor (hand-written + orjson)"
PJL_ORJSON = "python-json-logger OrjsonFormatter"
STDLIB_EXC = "stdlib formatException"
JSONLOG_EXC = "jsonlog formatException"


# -- contenders ------------------------------------------------------------------


class FloorFormatter(logging.Formatter):
    """The floor: the same dict as jsonlog's default output, then orjson.dumps."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "asctime": self.formatTime(record),
            "levelname": record.levelname,
            "name": record.name,
            "message": record.getMessage(),
        }
        attributes = record.__dict__
        for key in attributes.keys() - RESERVED:
            data[key] = attributes[key]
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


def _structlog_formatter() -> logging.Formatter:
    import structlog  # noqa: PLC0415 - an optional contender

    def dumps(obj: Any, **_: Any) -> str:
        return orjson.dumps(obj, default=str).decode()

    return structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=dumps),
        ],
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.stdlib.ExtraAdder(),
        ],
    )


def _pjl(kind: str) -> Callable[[], logging.Formatter]:
    def make() -> logging.Formatter:
        if kind == "json":
            from pythonjsonlogger.json import JsonFormatter  # noqa: PLC0415

            return JsonFormatter(FMT)
        from pythonjsonlogger.orjson import OrjsonFormatter  # noqa: PLC0415

        return OrjsonFormatter(FMT)

    return make


def _json_log_formatter() -> logging.Formatter:
    import json_log_formatter  # noqa: PLC0415

    return json_log_formatter.JSONFormatter()


def _ecs() -> logging.Formatter:
    import ecs_logging  # noqa: PLC0415

    return ecs_logging.StdlibFormatter()


CONTENDERS: dict[str, Callable[[], logging.Formatter]] = {
    FLOOR: FloorFormatter,
    "jsonlog JsonFormatter": lambda: jsonlog.JsonFormatter(FMT),
    'jsonlog JsonFormatter(encoder="json")': lambda: jsonlog.JsonFormatter(FMT, encoder="json"),
    "python-json-logger JsonFormatter": _pjl("json"),
    PJL_ORJSON: _pjl("orjson"),
    "json-log-formatter JSONFormatter": _json_log_formatter,
    "ecs-logging StdlibFormatter": _ecs,
    "structlog ProcessorFormatter+orjson": _structlog_formatter,
    "stdlib logging.Formatter (text)": lambda: logging.Formatter(FMT),
}
TEXT_CONTENDERS = {"stdlib logging.Formatter (text)"}


# -- scenarios -------------------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"


class Custom:
    def __str__(self) -> str:
        return "custom-object"


@dataclasses.dataclass
class Scenario:
    name: str
    make_records: Callable[[int], list[logging.LogRecord]]
    exceptions: bool = False


def _record(
    msg: str,
    args: tuple[Any, ...],
    extra: dict[str, Any] | None = None,
    level: int = logging.INFO,
    exc_info: Any = None,
) -> logging.LogRecord:
    logger = logging.getLogger("bench.app")
    return logger.makeRecord(
        logger.name, level, __file__, 42, msg, args, exc_info, func="handler", extra=extra
    )


def _plain(n: int) -> list[logging.LogRecord]:
    return [_record("user %s logged in", ("ada",)) for _ in range(n)]


def _extras(n: int) -> list[logging.LogRecord]:
    def extra() -> dict[str, Any]:
        return {
            "user": "ada",
            "attempt": 3,
            "elapsed": 0.25,
            "admin": False,
            "team": None,
            "request": {"path": "/api/items", "ids": [1, 2, 3]},
        }

    return [_record("user %s logged in", ("ada",), extra()) for _ in range(n)]


def _rich(n: int) -> list[logging.LogRecord]:
    def extra() -> dict[str, Any]:
        return {
            "when": datetime.datetime(2026, 11, 21, 12, 30, tzinfo=datetime.UTC),
            "day": datetime.date(2026, 11, 21),
            "request_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "amount": decimal.Decimal("12.50"),
            "colour": Colour.RED,
            "thing": Custom(),
        }

    return [_record("user %s logged in", ("ada",), extra()) for _ in range(n)]


def _raise_at_depth(depth: int, message: str) -> None:
    if depth <= 1:
        raise ValueError(message)
    _raise_at_depth(depth - 1, message)


def _exc_info(message: str) -> Any:
    try:
        _raise_at_depth(4, message)  # 4 frames here + this one = 5
    except ValueError:
        return sys.exc_info()
    raise AssertionError("unreachable")


def _exc_same(n: int) -> list[logging.LogRecord]:
    # A new exception object each time, raised at the same place with the same
    # message: the error that recurs on every request.
    return [
        _record("request failed", (), level=logging.ERROR, exc_info=_exc_info("bad input"))
        for _ in range(n)
    ]


_COUNTER = iter(range(10**12))


def _exc_new(n: int) -> list[logging.LogRecord]:
    # A message never seen before, so no cache can hold its text.
    return [
        _record(
            "request failed",
            (),
            level=logging.ERROR,
            exc_info=_exc_info(f"bad input #{next(_COUNTER)}"),
        )
        for _ in range(n)
    ]


_GENERATED = """\
def frame1(message):
    frame2(message)
def frame2(message):
    frame3(message)
def frame3(message):
    frame4(message)
def frame4(message):
    raise ValueError(message)
"""


def _exc_new_code(n: int) -> list[logging.LogRecord]:
    # Code never run before (a fresh code object and file name each time, its
    # source registered with linecache as a loader's would be): nothing to reuse.
    records = []
    for _ in range(n):
        filename = f"<generated-{next(_COUNTER)}>"
        linecache.cache[filename] = (len(_GENERATED), None, _GENERATED.splitlines(True), filename)
        namespace: dict[str, Any] = {}
        exec(compile(_GENERATED, filename, "exec"), namespace)
        try:
            namespace["frame1"]("bad input")
        except ValueError:
            exc_info = sys.exc_info()
        records.append(_record("request failed", (), level=logging.ERROR, exc_info=exc_info))
    return records


_BIG = ("lorem ipsum dolor sit amet " * 400)[:10240]


def _big(n: int) -> list[logging.LogRecord]:
    return [_record("%s", (_BIG,)) for _ in range(n)]


SCENARIOS = [
    Scenario("plain message, one %s arg", _plain),
    Scenario("6 extras (str/int/float/bool/None/nested)", _extras),
    Scenario("rich extras (datetime/date/UUID/Decimal/Enum/object)", _rich),
    Scenario("ERROR + 5-frame traceback, same exception", _exc_same, exceptions=True),
    Scenario("ERROR + 5-frame traceback, new message each time", _exc_new, exceptions=True),
    Scenario("ERROR + traceback from never-seen code", _exc_new_code, exceptions=True),
    Scenario("10 KB message", _big),
]


# -- timing ----------------------------------------------------------------------


def _validate(name: str, formatter: logging.Formatter, record: logging.LogRecord) -> None:
    out = formatter.format(record)
    if name not in TEXT_CONTENDERS:
        json.loads(out)


def _time_batch(
    call: Callable[[logging.LogRecord], Any], records: list[logging.LogRecord]
) -> float:
    start = time.perf_counter_ns()
    for record in records:
        call(record)
    return (time.perf_counter_ns() - start) / len(records)


def _load(names: list[str]) -> dict[str, logging.Formatter]:
    loaded = {}
    for name in names:
        try:
            loaded[name] = CONTENDERS[name]()
        except ImportError as error:
            print(f"skip: {name} ({error})")
    return loaded


def run_scenario(
    scenario: Scenario, formatters: dict[str, logging.Formatter], rounds: int, batch: int
) -> dict[str, list[float]]:
    """Return per-round ns/record for every contender of one scenario."""
    calls: dict[str, Callable[[logging.LogRecord], Any]] = {
        name: formatter.format for name, formatter in formatters.items()
    }
    if scenario.exceptions:
        stdlib = logging.Formatter()
        ours = jsonlog.JsonFormatter(FMT)
        calls[STDLIB_EXC] = lambda record: stdlib.formatException(record.exc_info)
        calls[JSONLOG_EXC] = lambda record: ours.formatException(record.exc_info)
        # Byte-identical text is the point of the cache; check it before timing.
        probe = scenario.make_records(2)
        for record in probe:
            if ours.formatException(record.exc_info) != stdlib.formatException(record.exc_info):
                raise AssertionError("jsonlog.formatException differs from the stdlib's")
    for name, formatter in formatters.items():
        _validate(name, formatter, scenario.make_records(1)[0])
    samples: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            records = scenario.make_records(batch)
            samples[name].append(_time_batch(calls[name], records))
    return samples


class _NullStream(io.StringIO):
    pass


def run_end_to_end(
    formatters: dict[str, logging.Formatter], rounds: int, batch: int
) -> dict[str, list[float]]:
    """Time ``logger.info(...)`` through a StreamHandler into memory, per contender."""
    loggers: dict[str, tuple[logging.Logger, io.IOBase]] = {}
    for index, (name, formatter) in enumerate(formatters.items()):
        stream = io.StringIO()
        handler: logging.Handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        loggers[name] = (_bench_logger(f"bench.e2e.{index}", handler), stream)
    ours = jsonlog.JsonFormatter(FMT)
    byte_stream = io.BytesIO()
    byte_handler = BytesStreamHandler(byte_stream)
    byte_handler.setFormatter(ours)
    bytes_name = "jsonlog format_bytes -> BytesIO handler"
    loggers[bytes_name] = (_bench_logger("bench.e2e.bytes", byte_handler), byte_stream)

    for name, (logger, stream) in loggers.items():
        logger.info("user %s logged in", "ada", extra={"attempt": 3})
        line = stream.getvalue()
        if name not in TEXT_CONTENDERS:
            json.loads(line)
    samples: dict[str, list[float]] = {name: [] for name in loggers}
    names = list(loggers)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            logger, stream = loggers[name]
            stream.seek(0)
            stream.truncate()
            info = logger.info
            start = time.perf_counter_ns()
            for _ in range(batch):
                info("user %s logged in", "ada", extra={"attempt": 3})
            samples[name].append((time.perf_counter_ns() - start) / batch)
    return samples


def _bench_logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def import_time(repeat: int) -> tuple[float, float, bool]:
    """Return best-of-N µs for ``import jsonlog`` after ``import logging, orjson``.

    Also return the best-of-N of an empty statement in the same position (the
    timer's own cost) and whether ``dateutil`` was imported as a side effect.
    """
    code = (
        "import logging, orjson, sys, time\n"
        "t = time.perf_counter_ns()\n"
        "{stmt}\n"
        "print((time.perf_counter_ns() - t) / 1000, 'dateutil' in sys.modules)\n"
    )
    # An installed package imports from .pyc files; give the checkout a cache
    # too, even where PYTHONDONTWRITEBYTECODE is set, and warm it once.
    with tempfile.TemporaryDirectory(prefix="jsonlog-bench-pyc-") as pycache:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": pycache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return _import_time(code, env, repeat)


def _import_time(code: str, env: dict[str, str], repeat: int) -> tuple[float, float, bool]:
    def best(stmt: str) -> tuple[float, bool]:
        results = []
        for _ in range(repeat):
            out = subprocess.run(
                [sys.executable, "-c", code.format(stmt=stmt)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                cwd=ROOT,
            ).stdout.split()
            results.append((float(out[0]), out[1] == "True"))
        return min(results)

    best("import jsonlog")
    with_jsonlog, dateutil_loaded = best("import jsonlog")
    baseline, _ = best("pass")
    return with_jsonlog, baseline, dateutil_loaded


# -- report ----------------------------------------------------------------------


def _ratio(samples: dict[str, list[float]], name: str, reference: str) -> str:
    if reference not in samples or name not in samples:
        return "-"
    ratios = [a / b for a, b in zip(samples[name], samples[reference], strict=True)]
    return f"{statistics.median(ratios):.2f}x"


def table(title: str, samples: dict[str, list[float]], reference: str = FLOOR) -> Iterator[str]:
    yield f"\n### {title}\n"
    yield f"| contender | median µs/record | records/s | vs floor | vs {PJL_ORJSON} |"
    yield "|---|---:|---:|---:|---:|"
    order = sorted(samples, key=lambda name: statistics.median(samples[name]))
    for name in order:
        median_ns = statistics.median(samples[name])
        yield (
            f"| {name} | {median_ns / 1000:.2f} | {1e9 / median_ns:,.0f} | "
            f"{_ratio(samples, name, reference)} | {_ratio(samples, name, PJL_ORJSON)} |"
        )
    if STDLIB_EXC in samples:
        yield (
            f"\n{JSONLOG_EXC} / {STDLIB_EXC}: {_ratio(samples, JSONLOG_EXC, STDLIB_EXC)} "
            "(byte-identical text, checked before timing)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, under 30 s")
    parser.add_argument("--rounds", type=int, help="rounds per scenario")
    parser.add_argument("--batch", type=int, help="records per contender per round")
    parser.add_argument("--only", help="run only scenarios whose name contains this text")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 25)
    batch = args.batch or (200 if args.quick else 2000)
    random.seed(1)

    print(f"# jsonlog formatter benchmark ({'quick' if args.quick else 'full'} run)\n")
    print(f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()})")
    print(f"- date: {datetime.date.today().isoformat()}")
    print(
        f"- rounds x batch: {rounds} x {batch}; fresh LogRecords per call; "
        "ratios are medians of per-round ratios"
    )

    formatters = _load(list(CONTENDERS))
    for scenario in SCENARIOS:
        if args.only and args.only not in scenario.name:
            continue
        samples = run_scenario(scenario, formatters, rounds, batch)
        for line in table(scenario.name, samples):
            print(line)
    if not args.only or args.only in "end to end":
        samples = run_end_to_end(formatters, rounds, batch)
        for line in table("end to end: logger.info -> StreamHandler -> in-memory stream", samples):
            print(line)
        saved = 1 - statistics.median(
            [
                a / b
                for a, b in zip(
                    samples["jsonlog format_bytes -> BytesIO handler"],
                    samples["jsonlog JsonFormatter"],
                    strict=True,
                )
            ]
        )
        print(f"\nbytes handler saves {saved:.0%} of the jsonlog StreamHandler cost")
    if not args.only or args.only in "import":
        with_jsonlog, empty, dateutil_loaded = import_time(3 if args.quick else 15)
        print("\n### import jsonlog (fresh process, after `import logging, orjson`)\n")
        print(
            f"best of N: {with_jsonlog / 1000:.2f} ms (empty statement: {empty / 1000:.3f} ms); "
            f"dateutil imported: {dateutil_loaded}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
