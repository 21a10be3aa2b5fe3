"""Log from several worker processes, each into a file of its own.

The handler is created once, before the workers are forked, as gunicorn and
``multiprocessing`` with fork do; every worker still gets its own file, named
with its process name and pid.

Run: python examples/per_process_logging.py [DIRECTORY]
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import tempfile
from pathlib import Path

from jsonlog import JsonFormatter
from jsonlog.handlers import PerProcessTimedRotatingFileHandler


def work(worker: int) -> None:
    log = logging.getLogger("example")
    for step in range(5):
        log.info("worker %d, step %d", worker, step)


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="jsonlog-example-"))
    handler = PerProcessTimedRotatingFileHandler(directory / "app", "midnight", 1, 7, delay=True)
    handler.setFormatter(
        JsonFormatter(
            '{"time": "%(asctime)s", "process": "%(processName)s", "pid": "%(process)d",'
            ' "message": "%(message)s"}'
        )
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler])

    # fork, as gunicorn does: the workers inherit the handler made above.
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=work, args=(n,)) for n in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
    logging.getLogger("example").info("all workers done")

    for path in sorted(directory.glob("*.log")):
        print(path)
        print(path.read_text(encoding="utf-8"), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
