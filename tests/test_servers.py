"""Real gunicorn and uvicorn processes, started as the examples say, fed hostile requests.

Each server runs once per module: the fixture starts it on a free loopback
port, sends every request over a raw socket, stops the server (SIGTERM, then
SIGKILL) and hands the tests every line it wrote. The servers log with the
example configurations in ``examples/gunicorn/`` and ``examples/uvicorn/``,
so this module is also what runs those examples.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
GUNICORN_CONF = REPO / "examples" / "gunicorn" / "gunicorn_logging.conf"
UVICORN_CONF = REPO / "examples" / "uvicorn" / "uvicorn_logging.json"
START_TIMEOUT = 15.0
LOG_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
LONG_USER_AGENT = "Mozilla/5.0 " + "".join(chr(ord("a") + i % 26) for i in range(10 * 1024))


@dataclasses.dataclass
class Case:
    """One request: its raw bytes and what its access record must say."""

    name: str
    raw: bytes
    expected: dict[str, Any]
    status: int
    client_port: int = 0


@dataclasses.dataclass
class Run:
    """Everything a server wrote while it served the cases."""

    stdout: list[str]
    stderr: list[str]
    cases: list[Case]

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout + self.stderr]

    def access(self, logger: str) -> list[dict[str, Any]]:
        return [record for record in self.records() if record.get("logger") == logger]


def http(method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    """Return a raw HTTP/1.1 request that closes its connection."""
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [name + b": " + value for name, value in headers]
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def send(port: int, raw: bytes) -> tuple[int, int]:
    """Send one raw request; return (response status, the client's own port)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        client_port = sock.getsockname()[1]
        sock.sendall(raw)
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    return int(response.split(b" ", 2)[1]), client_port


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def wait_for(
    path: Path, found: Callable[[list[str]], bool], process: subprocess.Popen[bytes]
) -> list[str]:
    """Poll ``path`` until ``found(lines)``; fail if the server dies or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        lines = read_lines(path)
        if found(lines):
            return lines
        if process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(
        f"server output never matched; exit={process.poll()}; output:\n"
        + "\n".join(read_lines(path))
    )


def messages(lines: list[str]) -> list[str]:
    """Return the messages of the JSON lines among ``lines`` (others are checked later)."""
    found = []
    for line in lines:
        with contextlib.suppress(ValueError):
            found.append(json.loads(line).get("message", ""))
    return found


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server gracefully, or kill its whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_TIMEOUT)


def serve(
    tmp: Path, argv: list[str], ready: Callable[[list[str]], bool], logger: str, cases: list[Case]
) -> Run:
    """Start a server, send ``cases``, wait for their access records, stop it; return its output."""
    stdout_path, stderr_path = tmp / "stdout.log", tmp / "stderr.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "XDG_RUNTIME_DIR": str(tmp),  # gunicorn's control socket goes here, not in $HOME
        "PYTHONUNBUFFERED": "1",
    }
    # O_APPEND: each JSON line is one write(), so workers sharing the file never interleave.
    with stdout_path.open("ab") as out, stderr_path.open("ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", *argv],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    try:
        lines = wait_for(stdout_path, ready, process)
        port = next(
            int(message.rsplit(":", 1)[1].split()[0].split("/")[0])
            for message in messages(lines)
            if "Listening at: http://" in message or "Uvicorn running on http://" in message
        )
        for case in cases:
            status, case.client_port = send(port, case.raw)
            assert status == case.status, case.name
        served = sum(1 for case in cases if case.expected)
        wait_for(
            stdout_path,
            lambda lines: sum(f'"{logger}"' in line for line in lines) >= served,
            process,
        )
    finally:
        stop(process)
    return Run(read_lines(stdout_path), read_lines(stderr_path), cases)


def check_all_lines_json(run: Run) -> None:
    for line in run.stdout + run.stderr:
        assert isinstance(json.loads(line), dict), line


# -- gunicorn --------------------------------------------------------------------

GUNICORN_CASES = [
    Case(
        "quotes",
        http(
            "GET",
            b"/echo?name=ada&x=%221%22",
            [
                (b"User-Agent", b'curl/"8"'),
                (b"Referer", b'https://ref.test/"q"'),
                (b"X-Request-Id", b"g-quotes"),
            ],
        ),
        {
            "http.request.method": "GET",
            "url.path": "/echo",
            "url.query": "name=ada&x=%221%22",
            "user_agent.original": 'curl/"8"',
            "http.request.header.referer": 'https://ref.test/"q"',
            "http.response.status_code": 200,
            "http.response.body.size": len(b"hello /echo\n"),
        },
        200,
    ),
    Case(
        "backslashes",
        http(
            "GET", b"/echo", [(b"User-Agent", b'a\\b\\"c\\'), (b"X-Request-Id", b'g-"back\\slash"')]
        ),
        {
            "user_agent.original": 'a\\b\\"c\\',
            "http.request.header.x-request-id": 'g-"back\\slash"',
        },
        200,
    ),
    Case(
        "non-ascii",
        http(
            "GET",
            b"/echo/caf%C3%A9",
            [(b"User-Agent", "café ☕".encode()), (b"X-Request-Id", b"g-utf8")],
        ),
        {"url.path": "/echo/café", "user_agent.original": "café ☕"},
        200,
    ),
    Case(
        "long-user-agent",
        http(
            "GET",
            b"/echo",
            [(b"User-Agent", LONG_USER_AGENT.encode()), (b"X-Request-Id", b"g-long")],
        ),
        {"user_agent.original": LONG_USER_AGENT},
        200,
    ),
    Case(
        "crlf-in-path",
        http("GET", b"/echo/inj%0D%0AX-Evil:%20yes", [(b"X-Request-Id", b"g-crlf")]),
        {"url.path": "/echo/inj\r\nX-Evil: yes", "http.response.status_code": 200},
        200,
    ),
    Case(
        "head",
        http("HEAD", b"/echo", [(b"X-Request-Id", b"g-head")]),
        {
            "http.request.method": "HEAD",
            "http.response.status_code": 200,
            "http.response.body.size": 0,
        },
        200,
    ),
    Case(
        "not-found",
        http("GET", b"/missing", [(b"X-Request-Id", b"g-404")]),
        {"url.path": "/missing", "http.response.status_code": 404, "http.response.body.size": 10},
        404,
    ),
    # Rejected by gunicorn's parser (400, a WARNING on gunicorn.error, no access record).
    Case(
        "cr-in-header",
        http("GET", b"/echo", [(b"User-Agent", b"x\ry"), (b"X-Request-Id", b"g-r1")]),
        {},
        400,
    ),
    Case(
        "lf-header-injection",
        http("GET", b"/echo", [(b"User-Agent", b"x\nX-Evil: yes"), (b"X-Request-Id", b"g-r2")]),
        {},
        400,
    ),
    Case(
        "raw-non-ascii-target", http("GET", "/café".encode(), [(b"X-Request-Id", b"g-r3")]), {}, 400
    ),
]


@pytest.fixture(scope="module")
def gunicorn_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Run gunicorn with 2 sync workers exactly as examples/gunicorn/app.py says."""
    argv = [
        "gunicorn",
        "-w",
        "2",
        "--log-config",
        str(GUNICORN_CONF),
        "--bind",
        "127.0.0.1:0",
        # 10 KB user agents exceed gunicorn's default 8190-byte header limit.
        "--limit-request-field_size",
        "16384",
        "examples.gunicorn.app:app",
    ]

    def ready(lines: list[str]) -> bool:
        found = messages(lines)
        return sum(m.startswith("Booting worker") for m in found) == 2 and any(
            m.startswith("Listening at") for m in found
        )

    return serve(
        tmp_path_factory.mktemp("gunicorn"), argv, ready, "gunicorn.access", GUNICORN_CASES
    )


class TestGunicorn:
    def test_every_line_is_json(self, gunicorn_run: Run) -> None:
        """Every line gunicorn wrote, on stdout and stderr, is one JSON object."""
        check_all_lines_json(gunicorn_run)
        assert gunicorn_run.stdout

    def test_error_log_is_json(self, gunicorn_run: Run) -> None:
        """gunicorn.error lines (startup, workers, rejected requests, shutdown) are JSON records."""
        found = [r["message"] for r in gunicorn_run.records() if r["logger"] == "gunicorn.error"]
        assert sum(m.startswith("Booting worker with pid") for m in found) == 2
        assert any(m.startswith("Starting gunicorn") for m in found)
        assert any(m == "Shutting down: Master" for m in found)
        rejected = [m for m in found if m.startswith("Invalid request from ip=127.0.0.1")]
        assert len(rejected) == 3
        assert any("/cafÃ©" in m for m in rejected)  # the raw bytes as gunicorn read them

    def test_each_request_exactly_once(self, gunicorn_run: Run) -> None:
        """Each served request has exactly one access record; rejected ones have none."""
        ids = [
            r.get("http.request.header.x-request-id")
            for r in gunicorn_run.access("gunicorn.access")
        ]
        served = [c for c in GUNICORN_CASES if c.expected]
        assert len(ids) == len(served)
        assert sorted(ids) == sorted(case_id(c) for c in served)
        assert not {"g-r1", "g-r2", "g-r3"} & set(ids)

    @pytest.mark.parametrize(
        "case", [c for c in GUNICORN_CASES if c.expected], ids=lambda c: c.name
    )
    def test_typed_fields(self, gunicorn_run: Run, case: Case) -> None:
        """The access record carries the request's typed fields, exactly as sent."""
        (record,) = [
            r
            for r in gunicorn_run.access("gunicorn.access")
            if r.get("http.request.header.x-request-id") == case_id(case)
        ]
        assert {key: record.get(key) for key in case.expected} == case.expected
        assert record["client.address"] == "127.0.0.1"
        assert record["network.protocol.version"] == "1.1"
        assert isinstance(record["duration_ms"], float)
        assert record["duration_ms"] >= 0
        assert record["http.response.header.content-type"] == "text/plain"
        assert record["message"].startswith("127.0.0.1 - - [")

    def test_no_injected_keys(self, gunicorn_run: Run) -> None:
        """CR/LF in a request never makes a line or a key of its own."""
        for record in gunicorn_run.records():
            assert not any("evil" in key.lower() for key in record)
        assert not any(line.lstrip().startswith("X-Evil") for line in gunicorn_run.stdout)


def case_id(case: Case) -> str:
    """Return the X-Request-Id a case sent."""
    line = next(h for h in case.raw.split(b"\r\n") if h.startswith(b"X-Request-Id: "))
    return line.split(b": ", 1)[1].decode()


# -- uvicorn ---------------------------------------------------------------------

UVICORN_CASES = [
    Case(
        "quotes-and-backslashes",
        http("GET", b'/echo/"q"\\b?x="1"&y=a\\b', [(b"User-Agent", b'curl/"8"')]),
        {
            "url.path": "/echo/%22q%22%5Cb",
            "url.query": 'x="1"&y=a\\b',
            "http.response.status_code": 200,
        },
        200,
    ),
    Case(
        "non-ascii",
        http("GET", b"/echo/caf%C3%A9?q=%C3%A9", [(b"User-Agent", "café".encode())]),
        {"url.path": "/echo/caf%C3%A9", "url.query": "q=%C3%A9"},
        200,
    ),
    Case(
        "long-user-agent",
        http("GET", b"/echo", [(b"User-Agent", LONG_USER_AGENT.encode())]),
        {"url.path": "/echo", "http.request.method": "GET"},
        200,
    ),
    Case(
        "crlf-in-path",
        http("GET", b"/echo/inj%0D%0AX-Evil:%20yes"),
        {"url.path": "/echo/inj%0D%0AX-Evil%3A%20yes"},
        200,
    ),
    Case(
        "head",
        http("HEAD", b"/echo"),
        {"http.request.method": "HEAD", "http.response.status_code": 200},
        200,
    ),
    Case(
        "not-found",
        http("GET", b"/missing"),
        {"url.path": "/missing", "http.response.status_code": 404},
        404,
    ),
    # Rejected by h11 (400, a WARNING on uvicorn.error, no access record).
    Case("cr-in-header", http("GET", b"/echo", [(b"User-Agent", b"x\ry")]), {}, 400),
    Case("raw-non-ascii-target", http("GET", "/café".encode()), {}, 400),
]


@pytest.fixture(scope="module")
def uvicorn_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Run uvicorn exactly as examples/uvicorn/app.py says."""
    argv = [
        "uvicorn",
        "--log-config",
        str(UVICORN_CONF),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "examples.uvicorn.app:app",
    ]

    def ready(lines: list[str]) -> bool:
        return any(m.startswith("Uvicorn running on") for m in messages(lines))

    tmp = tmp_path_factory.mktemp("uvicorn")
    return serve(tmp, argv, ready, "uvicorn.access", UVICORN_CASES)


class TestUvicorn:
    def test_every_line_is_json(self, uvicorn_run: Run) -> None:
        """Every line uvicorn wrote is one JSON object, with no color_message."""
        check_all_lines_json(uvicorn_run)
        records = uvicorn_run.records()
        assert not any("color_message" in record for record in records)
        found = [r["message"] for r in records]
        assert "Application startup complete." in found
        assert found.count("Invalid HTTP request received.") == 2
        assert any(m.startswith("Finished server process") for m in found)

    def test_each_request_exactly_once(self, uvicorn_run: Run) -> None:
        """Each served request has exactly one access record, found by its client port."""
        ports = [r["client.port"] for r in uvicorn_run.access("uvicorn.access")]
        served = [c.client_port for c in UVICORN_CASES if c.expected]
        assert sorted(ports) == sorted(served)

    @pytest.mark.parametrize("case", [c for c in UVICORN_CASES if c.expected], ids=lambda c: c.name)
    def test_typed_fields(self, uvicorn_run: Run, case: Case) -> None:
        """The access record carries the request's typed fields."""
        (record,) = [
            r for r in uvicorn_run.access("uvicorn.access") if r["client.port"] == case.client_port
        ]
        assert {key: record.get(key) for key in case.expected} == case.expected
        assert record["client.address"] == "127.0.0.1"
        assert record["network.protocol.version"] == "1.1"
