"""Time the ``jsonlog`` viewer against pino-pretty and jq on the same log file.

Generates a realistic log in a temporary directory (pino's schema, which
both viewers understand, with the usual request fields, a stack trace now and
then and a stray non-JSON line), then runs each contender on it with its output sent to a file and
prints lines per second side by side:

* ``jsonlog --color=always``           pretty output with colour
* ``pino-pretty --colorize``           installed with npm into a cache dir
* ``jsonlog --json --level WARNING``   filtering, records unchanged
* ``jq -c 'select(...)'``              the same filter in jq

Usage::

    python benchmarks/bench_cli.py            # 400,000 lines, best of 3
    python benchmarks/bench_cli.py --quick    # 200,000 lines, one run, < 30 s

Nothing here asserts anything about time; it prints numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("JSONLOG_BENCH_CACHE", Path.home() / ".cache" / "jsonlog-bench"))

# (name, pino number, weight): pino-pretty reads only pino's numeric levels, so
# the shared file uses them; jsonlog reads them too.
LEVELS = [("debug", 20, 15), ("info", 30, 70), ("warn", 40, 10), ("error", 50, 5)]
LOGGERS = ["app", "app.db", "app.http", "uvicorn.access", "app.worker"]
MESSAGES = [
    "request finished",
    "cache miss for user profile",
    "slow query",
    "retrying upstream call",
    "payment declined",
    "job done",
]
STACK = (
    "Error: card expired\n"
    "    at charge (/srv/app/gateway.js:17:11)\n"
    "    at handle (/srv/app/handlers.js:42:5)\n"
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"
)
# -R with fromjson? so that jq, like jsonlog, survives the lines that are not JSON.
JQ_FILTER = "fromjson? | select(.level >= 40)"


def generate(path: Path, lines: int, seed: int = 1) -> None:
    """Write *lines* lines of realistic JSON logs (pino's schema) to *path*."""
    rng = random.Random(seed)
    levels = [number for _, number, _ in LEVELS]
    weights = [weight for _, _, weight in LEVELS]
    start_ms = 1_795_000_000_000
    with path.open("wb") as out:
        batch: list[bytes] = []
        for index in range(lines):
            if index % 5000 == 4999:
                batch.append(b"worker 2 restarted (a line that is not JSON)")
                continue
            level = rng.choices(levels, weights)[0]
            record: dict[str, object] = {
                "level": level,
                "time": start_ms + index * 10,
                "pid": 4242,
                "hostname": "api-7d9f",
                "name": rng.choice(LOGGERS),
                "msg": rng.choice(MESSAGES),
                "request_id": f"{rng.getrandbits(64):016x}",
                "user": rng.choice(["ada", "grace", "linus", "guido"]),
                "http": {
                    "method": rng.choice(["GET", "POST"]),
                    "path": f"/api/orders/{rng.randint(1, 99999)}",
                    "status": rng.choice([200, 200, 200, 201, 404, 500]),
                },
                "duration_ms": round(rng.uniform(0.2, 900.0), 3),
            }
            if level == 50 and rng.random() < 0.5:
                record["err"] = {"type": "Error", "message": "card expired", "stack": STACK}
            batch.append(orjson.dumps(record))
            if len(batch) >= 10_000:
                out.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")


def find_pino_pretty() -> tuple[list[str] | None, str]:
    """Install pino-pretty into the cache directory with npm; return its command."""
    binary = CACHE / "node_modules" / ".bin" / "pino-pretty"
    if binary.exists():
        return [str(binary)], "cached"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None, "skipped: npm/node not found"
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CACHE),
                "pino-pretty",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,  # a registry that does not answer must not hang CI
        )
    except subprocess.TimeoutExpired:
        return None, "skipped: npm install pino-pretty timed out"
    if done.returncode != 0 or not binary.exists():
        return None, f"skipped: npm install pino-pretty failed: {done.stderr.strip()[:200]}"
    return [str(binary)], "installed"


def _sample_peak(pid: int, peaks: list[int]) -> None:
    """Record the highest VmHWM (KiB) of process *pid* until it ends (Linux only)."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]))
        time.sleep(0.01)


def time_command(command: list[str], source: Path, sink: Path, repeat: int) -> tuple[float, int]:
    """Return the best wall time and the peak memory (KiB) of *command* reading *source*."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), FORCE_COLOR="1")
    env.pop("NO_COLOR", None)
    best = float("inf")
    peaks: list[int] = []
    for _ in range(repeat):
        with source.open("rb") as stdin, sink.open("wb") as stdout:
            started = time.perf_counter()
            proc = subprocess.Popen(command, stdin=stdin, stdout=stdout, env=env)
            sampler = threading.Thread(target=_sample_peak, args=(proc.pid, peaks))
            sampler.start()
            returncode = proc.wait()
            best = min(best, time.perf_counter() - started)
            sampler.join()
            if returncode != 0:
                raise subprocess.CalledProcessError(returncode, command)
    return best, max(peaks, default=0)


def main() -> int:
    """Generate the file, run every contender, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="200,000 lines, one run")
    parser.add_argument("--lines", type=int, help="number of lines to generate")
    parser.add_argument("--repeat", type=int, help="runs per contender (best is kept)")
    options = parser.parse_args()
    lines = options.lines or (200_000 if options.quick else 400_000)
    repeat = options.repeat or (1 if options.quick else 3)

    pino, pino_note = find_pino_pretty()
    jq = shutil.which("jq")
    jsonlog = [sys.executable, "-m", "jsonlog"]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "app.jsonl"
        generate(source, lines)
        size = source.stat().st_size
        print(f"input: {lines:,} lines, {size / 1e6:.1f} MB, best of {repeat}")
        contenders: list[tuple[str, list[str] | None, str]] = [
            ("jsonlog (pretty, colour)", [*jsonlog, "--color=always"], ""),
            ("pino-pretty (colour)", [*pino, "--colorize"] if pino else None, pino_note),
            ("jsonlog --json --level WARNING", [*jsonlog, "--json", "--level", "WARNING"], ""),
            (
                "jq -c 'select(...)'",
                [jq, "-c", "-R", JQ_FILTER] if jq else None,
                "" if jq else "skipped: jq not found (apt-get install jq)",
            ),
        ]
        rates: dict[str, float] = {}
        for label, command, note in contenders:
            if command is None:
                print(f"{label:<34} {note}")
                continue
            seconds, peak = time_command(command, source, Path(tmp) / "out", repeat)
            rates[label] = lines / seconds
            print(
                f"{label:<34} {seconds:7.2f} s  {rates[label]:>12,.0f} lines/s"
                f"  {peak / 1024:7.1f} MiB peak RSS"
            )
    print()
    pairs = [
        ("jsonlog (pretty, colour)", "pino-pretty (colour)", "pretty: jsonlog / pino-pretty"),
        ("jsonlog --json --level WARNING", "jq -c 'select(...)'", "filter: jsonlog / jq"),
    ]
    for ours, theirs, label in pairs:
        if ours in rates and theirs in rates:
            print(f"{label:<34} {rates[ours] / rates[theirs]:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
