"""Measure what redaction and size limits cost: formatter with vs without them.

Interleaved rounds (so machine noise hits both sides alike), median
microseconds per record, and the ratio. Prints numbers; asserts nothing.

    python benchmarks/bench_safety.py [--records 2000] [--rounds 15] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jsonlog import JsonFormatter  # noqa: E402 - after the sys.path line, so the checkout is measured

FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"
SAFETY: dict[str, Any] = {
    "redact": True,
    "max_message_length": 4096,
    "max_string_length": 2048,
    "max_line_bytes": 16384,
    "max_depth": 8,
    "max_keys": 100,
}


def make_records(count: int) -> list[logging.LogRecord]:
    records = []
    for index in range(count):
        record = logging.LogRecord(
            "app.orders", logging.INFO, __file__, 42, "order %s placed by %s", (index, "ada"), None
        )
        record.order_id = index
        record.user = {"id": 7, "email": "ada@example.com", "roles": ["admin", "ops"]}
        record.amount = 12.5
        record.request_id = "5f0c7a2e"
        records.append(record)
    return records


def per_record_us(formatter: JsonFormatter, records: list[logging.LogRecord]) -> float:
    format_record = formatter.format
    start = time.perf_counter()
    for record in records:
        format_record(record)
    return (time.perf_counter() - start) / len(records) * 1e6


def compare(name: str, base: JsonFormatter, safe: JsonFormatter, args: argparse.Namespace) -> None:
    records = make_records(args.records)
    per_record_us(base, records)  # warm up caches (key-name cache, asctime)
    per_record_us(safe, records)
    without, with_safety = [], []
    for _ in range(args.rounds):
        without.append(per_record_us(base, records))
        with_safety.append(per_record_us(safe, records))
    plain, guarded = statistics.median(without), statistics.median(with_safety)
    print(
        f"{name:<24} without {plain:6.2f} us/record   with {guarded:6.2f} us/record   "
        f"ratio {guarded / plain:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 500 records, 3 rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.rounds = 500, 3
    compare("all (default fmt)", JsonFormatter(FMT), JsonFormatter(FMT, **SAFETY), args)
    compare(
        "redact + length limits",
        JsonFormatter(FMT),
        JsonFormatter(
            FMT, redact=True, max_message_length=4096, max_string_length=2048, max_line_bytes=16384
        ),
        args,
    )
    compare("redaction only", JsonFormatter(FMT), JsonFormatter(FMT, redact=True), args)
    compare(
        "limits only",
        JsonFormatter(FMT),
        JsonFormatter(FMT, **{k: v for k, v in SAFETY.items() if k != "redact"}),
        args,
    )
    for preset in ("ecs", "gcp", "otel", "datadog"):
        compare(
            f"preset={preset}",
            JsonFormatter(preset=preset),
            JsonFormatter(preset=preset, **SAFETY),
            args,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
