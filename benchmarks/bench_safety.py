"""Measure what redaction and size limits cost: formatter with vs without them.

Interleaved rounds (so machine noise hits both sides alike), median
microseconds per record, and the ratio, for two record shapes: extras that are
all scalars ("flat"), and the same with one nested dict and list ("nested").

The last part measures a lower bound: the C-level checks any exact redaction
check needs per record (see ``floor``), timed alone, without the formatter, and,
when they are installed, the compiled multi-pattern matchers ``pyahocorasick``
and ``google-re2`` doing one scan of the line. Prints numbers; asserts nothing.

    python benchmarks/bench_safety.py [--records 2000] [--rounds 15] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jsonlog import JsonFormatter  # noqa: E402 - after the sys.path line, so the checkout is measured
from jsonlog.redaction import DEFAULT_KEYS, Redactor  # noqa: E402

FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"
SAFETY: dict[str, Any] = {
    "redact": True,
    "max_message_length": 4096,
    "max_string_length": 2048,
    "max_line_bytes": 16384,
    "max_depth": 8,
    "max_keys": 100,
}
CONFIGS: dict[str, dict[str, Any]] = {
    "all": SAFETY,
    "redact + length limits": {
        "redact": True,
        "max_message_length": 4096,
        "max_string_length": 2048,
        "max_line_bytes": 16384,
    },
    "redaction only": {"redact": True},
    "limits only": {key: value for key, value in SAFETY.items() if key != "redact"},
}


def make_records(count: int, *, nested: bool = True) -> list[logging.LogRecord]:
    records = []
    for index in range(count):
        record = logging.LogRecord(
            "app.orders", logging.INFO, __file__, 42, "order %s placed by %s", (index, "ada"), None
        )
        record.order_id = index
        if nested:
            record.user = {"id": 7, "email": "ada@example.com", "roles": ["admin", "ops"]}
        else:
            record.user_id = 7
            record.email = "ada@example.com"
        record.amount = 12.5
        record.request_id = "5f0c7a2e"
        records.append(record)
    return records


def per_record_us(call: Callable[[Any], Any], items: list[Any]) -> float:
    start = time.perf_counter()
    for item in items:
        call(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def interleaved(
    first: Callable[[Any], Any], second: Callable[[Any], Any], items: list[Any], rounds: int
) -> tuple[float, float]:
    """Return the median µs per item of ``first`` and ``second``, run in alternate rounds."""
    per_record_us(first, items)  # warm up caches (key-name cache, asctime)
    per_record_us(second, items)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        times[0].append(per_record_us(first, items))
        times[1].append(per_record_us(second, items))
    return statistics.median(times[0]), statistics.median(times[1])


def compare(
    name: str,
    base: JsonFormatter,
    safe: JsonFormatter,
    records: list[logging.LogRecord],
    rounds: int,
) -> float:
    plain, guarded = interleaved(base.format, safe.format, records, rounds)
    print(
        f"  {name:<24} without {plain:6.2f} us/record   with {guarded:6.2f} us/record   "
        f"ratio {guarded / plain:.3f}"
    )
    return plain


# -- the lower bound ----------------------------------------------------------------

_URL = re.compile(rb"://").search
_LOWER_B = re.compile(rb"b(?i:earer|asic)").search
_UPPER_B = re.compile(rb"B(?i:earer|asic)").search


def floor(dumps: Callable[[Any], bytes]) -> Callable[[dict[str, Any]], bool]:
    """Return the cheapest exact redaction check we know, as one function with no fallbacks.

    It is what ``jsonlog.redaction.RedactingEncoder`` does for an ASCII line
    without escapes, minus everything else (no limits, no second frame): one
    encode, then C-level tests only. Keys: a dict of known harmless keys is one
    subset test; a nested line gets one regex pass over its lowercased,
    reversed text (a walk of the nested values in Python costs more). Value
    patterns: ``://``, ``bearer`` and ``basic`` in any case, each searched only
    if its first byte is in the line.
    """
    keys = re.compile(Redactor().key_trigger).search
    known = {"asctime", "levelname", "name", "message", "order_id", "user", "user_id"}
    known |= {"email", "amount", "request_id"}

    def check(data: dict[str, Any]) -> bool:
        out = dumps(data)
        if not out.isascii() or 92 in out:  # 92: a backslash, an escape may hide a letter
            return False
        if 91 in out or out.find(123, 1) >= 0:  # "[" or a nested "{"
            if keys(out.lower()[::-1]) is not None:
                return False
        elif not data.keys() <= known:
            return False
        return (
            not (47 in out and _URL(out) is not None)
            and not (98 in out and _LOWER_B(out) is not None)
            and not (66 in out and _UPPER_B(out) is not None)
        )

    return check


def matchers() -> list[tuple[str, Callable[[str], Any]]]:
    """Return one-scan prefilters from compiled matchers that are installed.

    Each finds, in the lowercased line, any default key name followed by
    ``":`` or one of the words of the default value patterns: less than an
    exact check needs (no word boundaries, no case folding beyond ASCII).
    """
    words = [f'{key}":' for key in sorted(DEFAULT_KEYS)] + ["bearer", "basic", "://"]
    found: list[tuple[str, Callable[[str], Any]]] = []
    if importlib.util.find_spec("ahocorasick") is not None:
        import ahocorasick  # noqa: PLC0415 - optional, for comparison only

        automaton = ahocorasick.Automaton()
        for word in words:
            automaton.add_word(word, word)
        automaton.make_automaton()
        found.append(("pyahocorasick", lambda line: next(automaton.iter(line.lower()), None)))
    if importlib.util.find_spec("re2") is not None:
        import re2  # noqa: PLC0415 - optional, for comparison only

        search_set = re2.Set.SearchSet()
        for word in words:
            search_set.Add(re.escape(word))
        search_set.Compile()
        found.append(("google-re2 Set", lambda line: search_set.Match(line.lower())))
    return found


def report_floor(
    base: JsonFormatter, records: list[logging.LogRecord], formatter_us: float, rounds: int
) -> None:
    # The log data as the formatter builds it, made once: only the checks are timed.
    items = [base._fast_log_data(record) for record in records]
    dumps = base._dumps  # the formatter's own orjson call
    encode, checked = interleaved(dumps, floor(dumps), items, rounds)
    extra = checked - encode
    print(
        f"  {'floor: exact check alone':<24} adds {extra:5.2f} us/record   "
        f"= {1 + extra / formatter_us:.3f}x the formatter, before any limit"
    )
    lines = [dumps(data).decode("utf-8") for data in items]
    for name, scan in matchers():
        alone = statistics.median(per_record_us(scan, lines) for _ in range(rounds))
        print(
            f"  {'one scan: ' + name:<24} adds {alone:5.2f} us/record   "
            f"= {1 + alone / formatter_us:.3f}x the formatter (a prefilter only)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 500 records, 3 rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.rounds = 500, 3
    for shape in ("flat", "nested"):
        print(f"{shape} extras:")
        records = make_records(args.records, nested=shape == "nested")
        formatter_us = 0.0
        for name, options in CONFIGS.items():
            formatter_us = compare(
                name, JsonFormatter(FMT), JsonFormatter(FMT, **options), records, args.rounds
            )
        report_floor(JsonFormatter(FMT), records, formatter_us, args.rounds)
    print("presets, nested extras:")
    records = make_records(args.records)
    for preset in ("ecs", "gcp", "otel", "datadog"):
        compare(
            f"preset={preset}",
            JsonFormatter(preset=preset),
            JsonFormatter(preset=preset, **SAFETY),
            records,
            args.rounds,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
