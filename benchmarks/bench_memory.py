"""Measure what formatting costs in memory: tracemalloc peak, and garbage left per record.

Run ``python benchmarks/bench_memory.py`` (100,000 records) or ``--quick``
(10,000). For each formatter it reports:

- the ``tracemalloc`` peak while making and formatting the records one
  after another, each record and output dropped at once;
- blocks left allocated per record once the outputs are dropped
  (``sys.getallocatedblocks`` before and after, after a full collection):
  anything above 0 is a leak or state growing per record;
- blocks allocated per record while the outputs are kept, minus the outputs
  themselves: what each record leaves behind besides its output string.

Nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_formatter import FMT, FloorFormatter  # noqa: E402

import jsonlog  # noqa: E402 - after the sys.path line, so the checkout is measured

LOGGER = logging.getLogger("bench.memory")


def _records(count: int) -> list[logging.LogRecord]:
    return [
        LOGGER.makeRecord(
            LOGGER.name,
            logging.INFO,
            __file__,
            1,
            "user %s logged in",
            ("ada",),
            None,
            extra={"attempt": 3, "request": {"path": "/x", "ids": [1, 2]}},
        )
        for _ in range(count)
    ]


def peak(call: Callable[[logging.LogRecord], Any], count: int) -> int:
    """Return the tracemalloc peak (bytes) of making and formatting ``count`` records in turn.

    Each record and its output are dropped before the next, as in a running
    service: the peak is one record's working memory plus anything that
    grows with the number of records (it should not).
    """
    call(_records(1)[0])  # warm caches (strftime, handlers) outside the measure
    gc.collect()
    tracemalloc.start()
    for _ in range(count):
        call(_records(1)[0])
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def leftover_blocks(call: Callable[[logging.LogRecord], Any], count: int) -> tuple[float, float]:
    """Return blocks per record left after dropping the outputs, and kept beyond the outputs."""
    records = _records(count)
    # As in peak(): the record attributes the stdlib also sets are not garbage.
    for record in records:
        call(record)
    outputs: list[Any] = []
    gc.collect()
    before = sys.getallocatedblocks()
    for record in records:
        outputs.append(call(record))
    gc.collect()
    kept = sys.getallocatedblocks() - before - len(outputs) - 1  # 1: the list's array
    del outputs
    gc.collect()
    left = sys.getallocatedblocks() - before
    return left / count, kept / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 records instead of 100,000")
    args = parser.parse_args(argv)
    count = 10_000 if args.quick else 100_000
    contenders: dict[str, Callable[[logging.LogRecord], Any]] = {
        "floor (hand-written + orjson)": FloorFormatter().format,
        "jsonlog format()": jsonlog.JsonFormatter(FMT).format,
        "jsonlog format_bytes()": jsonlog.JsonFormatter(FMT).format_bytes,
        "stdlib logging.Formatter (text)": logging.Formatter(FMT).format,
    }
    print(f"\n### memory: {count:,} records, 2 extras each\n")
    print("| formatter | tracemalloc peak | blocks left / record | blocks kept / record |")
    print("|---|---:|---:|---:|")
    for name, call in contenders.items():
        top = peak(call, count)
        left, kept = leftover_blocks(call, count)
        print(f"| {name} | {top / 1024:.1f} KiB | {left:.3f} | {kept:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
