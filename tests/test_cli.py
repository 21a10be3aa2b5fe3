"""Tests for the ``jsonlog`` command-line log viewer."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import os
import pty
import runpy
import select
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsonlog import cli
from jsonlog.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample.jsonl"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "app.py", line 3, in <module>\n'
    '    raise ValueError("bad")\n'
    "ValueError: bad"
)
TRACEBACK_SHOWN = [
    "    Traceback (most recent call last):",
    '      File "app.py", line 3, in <module>',
    '        raise ValueError("bad")',
    "    ValueError: bad",
]


@dataclass
class Result:
    code: int
    out: bytes
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.decode("utf-8", "surrogateescape").splitlines()


def jl(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def lines_of(*items: dict[str, Any] | bytes | str) -> bytes:
    parts = []
    for item in items:
        if isinstance(item, dict):
            parts.append(jl(item))
        elif isinstance(item, str):
            parts.append(item.encode())
        else:
            parts.append(item)
    return b"\n".join(parts) + b"\n"


@pytest.fixture
def cli_run(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> Callable[..., Result]:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    def run(*argv: str, stdin: bytes = b"") -> Result:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(argv))
        out, err = capsysbinary.readouterr()
        return Result(code, out, err.decode())

    return run


@pytest.fixture
def cli_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    def run(*argv: str) -> str:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
        with pytest.raises(SystemExit) as exc:
            main(list(argv))
        assert exc.value.code == 2
        return capsys.readouterr().err

    return run


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


class TestPrettyOutput:
    def test_jsonlog_default_keys(self, cli_run: Callable[..., Result]) -> None:
        """jsonlog's default format prints time, level, logger, message, then fields."""
        record = {
            "asctime": "2026-11-21 23:40:01,123",
            "levelname": "INFO",
            "name": "app",
            "message": "hi",
            "user": "ada",
        }
        result = cli_run("--no-color", stdin=lines_of(record))
        assert result.code == 0
        assert result.lines == ["2026-11-21 23:40:01,123 INFO  app: hi user=ada"]

    def test_sample_file(self, cli_run: Callable[..., Result]) -> None:
        """The example file in the README renders exactly as documented."""
        result = cli_run("--no-color", str(SAMPLE))
        shown = "\n".join(result.lines)
        block = f"```console\n$ jsonlog --no-color examples/sample.jsonl\n{shown}\n```"
        # The section lives in docs-fragments/ until it is pasted into the README.
        docs = [ROOT / "README.md", ROOT / "docs-fragments" / "cli.md"]
        texts = [doc.read_text(encoding="utf-8") for doc in docs if doc.exists()]
        assert result.code == 0
        assert any(block in text for text in texts)

    def test_rfc3339_timestamp_preferred_over_asctime(self, cli_run: Callable[..., Result]) -> None:
        """With both, the zone-aware timestamp is the time column and asctime a field."""
        record = {
            "asctime": "2026-11-21 23:40:01,123",
            "timestamp": "2026-11-21T23:40:01.123456+00:00",
            "levelname": "WARNING",
            "message": "disk",
        }
        result = cli_run("--no-color", stdin=lines_of(record))
        assert result.lines == [
            '2026-11-21T23:40:01.123456+00:00 WARN  disk asctime="2026-11-21 23:40:01,123"'
        ]

    @pytest.mark.parametrize(
        ("record", "expected"),
        [
            pytest.param(
                {"level": 40, "time": 1795000000123, "pid": 7, "name": "api", "msg": "slow"},
                "2026-11-18T11:06:40.123Z WARN  api: slow pid=7",
                id="pino",
            ),
            pytest.param(
                {
                    "name": "api",
                    "hostname": "h",
                    "pid": 7,
                    "level": 30,
                    "msg": "up",
                    "time": "2026-11-21T23:40:01.000Z",
                    "v": 0,
                },
                "2026-11-21T23:40:01.000Z INFO  api: up hostname=h pid=7 v=0",
                id="bunyan",
            ),
            pytest.param(
                {
                    "@timestamp": "2026-11-21T23:40:01.123Z",
                    "log": {"level": "warn", "logger": "db"},
                    "message": "slow",
                    "ecs": {"version": "1.6.0"},
                },
                "2026-11-21T23:40:01.123Z WARN  db: slow ecs.version=1.6.0",
                id="ecs-nested",
            ),
            pytest.param(
                {
                    "@timestamp": "2026-11-21T23:40:01.123Z",
                    "log.level": "error",
                    "log.logger": "db",
                    "message": "down",
                },
                "2026-11-21T23:40:01.123Z ERROR db: down",
                id="ecs-flat",
            ),
            pytest.param(
                {"severity": "NOTICE", "time": "2026-11-21T23:40:01Z", "message": "m"},
                "2026-11-21T23:40:01Z NOTICE m",
                id="google-cloud",
            ),
            pytest.param(
                {
                    "timestamp": "2026-11-21T23:40:01Z",
                    "severity_text": "ERROR",
                    "severity_number": 17,
                    "body": "b",
                },
                "2026-11-21T23:40:01Z ERROR b severity_number=17",
                id="opentelemetry",
            ),
            pytest.param(
                {
                    "timestamp": 1795000000.5,
                    "status": "warn",
                    "logger": {"name": "dd"},
                    "message": "m",
                },
                "2026-11-18T11:06:40.500Z WARN  dd: m",
                id="datadog",
            ),
            pytest.param(
                {"event": "login", "level": "info", "timestamp": "2026-11-21T23:40:01Z", "u": 1},
                "2026-11-21T23:40:01Z INFO  login u=1",
                id="structlog",
            ),
        ],
    )
    def test_schemas(
        self, cli_run: Callable[..., Result], record: dict[str, Any], expected: str
    ) -> None:
        """The time, level, logger and message keys of each common schema are found."""
        assert cli_run("--no-color", stdin=lines_of(record)).lines == [expected]

    def test_field_values(self, cli_run: Callable[..., Result]) -> None:
        """Values are bare when unambiguous, quoted otherwise, JSON for lists and scalars."""
        record = {
            "message": "m",
            "s": "two words",
            "q": 'say "hi"',
            "eq": "a=b",
            "empty": "",
            "t": True,
            "f": False,
            "n": None,
            "i": 3,
            "x": 1.5,
            "list": [1, "a", {"k": "v"}],
            "obj": {},
            "deep": {"a": {"b": {"c": 1}}},
        }
        result = cli_run("--no-color", stdin=lines_of(record))
        assert result.lines == [
            'm s="two words" q="say \\"hi\\"" eq="a=b" empty="" t=true f=false n=null i=3 '
            'x=1.5 list=[1,"a",{"k":"v"}] obj={} deep.a.b.c=1'
        ]

    def test_record_without_known_keys(self, cli_run: Callable[..., Result]) -> None:
        """A record with none of the known keys still shows its fields."""
        assert cli_run("--no-color", stdin=lines_of({"a": 1})).lines == [" a=1"]

    def test_multiline_message(self, cli_run: Callable[..., Result]) -> None:
        """The message's further lines are indented under the record line."""
        record = {"levelname": "INFO", "message": "first\nsecond\n  third", "k": 1}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == [
            "INFO  first k=1",
            "    second",
            "      third",
        ]

    @pytest.mark.parametrize(
        "exception",
        [
            pytest.param({"exc_info": TRACEBACK}, id="string"),
            pytest.param(
                {"exc_info": [line + "\n" for line in TRACEBACK.split("\n")]}, id="chunks"
            ),
            pytest.param({"exc_info": TRACEBACK.split("\n")}, id="lines"),
            pytest.param(
                {"exc_info": {"type": "ValueError", "message": "bad", "stack_trace": TRACEBACK}},
                id="structured",
            ),
            pytest.param({"exc_text": TRACEBACK}, id="exc_text"),
            pytest.param({"exception": TRACEBACK}, id="structlog"),
            pytest.param({"error": {"stack_trace": TRACEBACK}}, id="ecs-nested"),
            pytest.param({"error.stack_trace": TRACEBACK}, id="ecs-flat"),
            pytest.param({"exception": {"stacktrace": TRACEBACK}}, id="otel-nested"),
            pytest.param({"exception.stacktrace": TRACEBACK}, id="otel-flat"),
            pytest.param({"error": {"stack": TRACEBACK}}, id="datadog"),
            pytest.param({"err": {"stack": TRACEBACK}}, id="pino"),
        ],
    )
    def test_tracebacks(self, cli_run: Callable[..., Result], exception: dict[str, Any]) -> None:
        """Every exception form is printed as a real multi-line traceback under its record."""
        record = {"levelname": "ERROR", "message": "failed", **exception}
        result = cli_run("--no-color", stdin=lines_of(record))
        assert result.lines == ["ERROR failed", *TRACEBACK_SHOWN]

    def test_traceback_keeps_sibling_fields(self, cli_run: Callable[..., Result]) -> None:
        """Only the stack is taken from an error object; its other fields stay."""
        record = {"message": "m", "error": {"type": "ValueError", "stack_trace": "T\nV"}}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == [
            "m error.type=ValueError",
            "    T",
            "    V",
        ]

    def test_structured_exception_without_stack(self, cli_run: Callable[..., Result]) -> None:
        """A structured exception with no stack shows its type and message."""
        record = {"message": "m", "exc_info": {"type": "KeyError", "message": "'k'"}}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == ["m", "    KeyError: 'k'"]

    def test_stack_info_after_exception(self, cli_run: Callable[..., Result]) -> None:
        """exc_info and stack_info are both printed, in that order."""
        record = {
            "message": "m",
            "exc_info": "E1\nE2",
            "stack_info": "Stack (most recent call last):",
        }
        assert cli_run("--no-color", stdin=lines_of(record)).lines == [
            "m",
            "    E1",
            "    E2",
            "    Stack (most recent call last):",
        ]

    def test_empty_exception_values_are_fields(self, cli_run: Callable[..., Result]) -> None:
        """exc_info values that hold no traceback are shown as ordinary fields."""
        record = {"message": "m", "exc_info": None, "stack_info": "NoneType: None", "stack": 3}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == [
            'm exc_info=null stack_info="NoneType: None" stack=3'
        ]

    def test_non_json_lines_pass_through(self, cli_run: Callable[..., Result]) -> None:
        """Banners, JSON that is not an object, blank and half-written lines are untouched."""
        stdin = lines_of("Starting up", "[1, 2]", "42", "", '{"message": "half', {"message": "ok"})
        assert cli_run("--no-color", stdin=stdin).lines == [
            "Starting up",
            "[1, 2]",
            "42",
            "",
            '{"message": "half',
            "ok",
        ]

    def test_last_line_without_newline(self, cli_run: Callable[..., Result]) -> None:
        """A final line with no newline is still shown."""
        assert cli_run("--no-color", stdin=b'{"message": "a"}\n{"message": "b"}').lines == [
            "a",
            "b",
        ]

    def test_crlf_lines(self, cli_run: Callable[..., Result]) -> None:
        """Records in a file with CRLF line ends are parsed."""
        assert cli_run("--no-color", stdin=b'{"message": "a"}\r\n').lines == ["a"]

    def test_empty_message_and_null_level(self, cli_run: Callable[..., Result]) -> None:
        """An empty message adds nothing; a null level gives way to the next candidate."""
        record = {"level": None, "severity": "ERROR", "message": "", "k": 1}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == ["ERROR level=null k=1"]

    def test_exception_object_without_content(self, cli_run: Callable[..., Result]) -> None:
        """An empty exception object is a field, not a traceback."""
        record = {"message": "m", "exc_info": {}}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == ["m exc_info={}"]

    def test_caches_stay_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Past the cache limit, caches are emptied and output stays right."""
        monkeypatch.setattr(cli, "_CACHE_LIMIT", 2)
        renderer = cli.Renderer(cli.Schema(), cli.PLAIN)
        shown = [
            renderer.render({"level": f"L{i}", f"k{i}": i, **({"x": 1} if i % 2 else {})})
            for i in range(6)
        ]
        assert shown == [
            "L0    k0=0",
            "L1    k1=1 x=1",
            "L2    k2=2",
            "L3    k3=3 x=1",
            "L4    k4=4",
            "L5    k5=5 x=1",
        ]
        assert len(renderer._keys) <= 2
        assert len(renderer._levels) <= 2
        assert len(renderer._plans) <= 2

    def test_non_finite_time(self) -> None:
        """A time that is not a finite number is shown as it is."""
        renderer = cli.Renderer(cli.Schema(), cli.PLAIN)
        assert renderer.render({"time": float("inf"), "message": "m"}) == "inf m"

    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            ("plain", "plain"),
            ("", '""'),
            ("a b", '"a b"'),
            ("\x1b", '"\\x1b"'),
            (3, "3"),
            (2.5, "2.5"),
        ],
    )
    def test_format_value(self, value: object, shown: str) -> None:
        """format_value quotes strings only when needed."""
        assert cli.format_value(value) == shown

    def test_message_that_is_not_a_string(self, cli_run: Callable[..., Result]) -> None:
        """A structured message is shown as compact JSON."""
        record = {"levelname": "INFO", "message": {"a": 1}}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == ['INFO  {"a":1}']

    def test_numeric_logger_and_null_message(self, cli_run: Callable[..., Result]) -> None:
        """A null candidate is skipped and shown as a field; a numeric logger is shown."""
        record = {"name": 7, "message": None, "msg": "real"}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == ["7: real message=null"]


class TestLevels:
    @pytest.mark.parametrize(
        ("key", "value", "severity"),
        [
            ("levelname", "WARNING", 30),
            ("levelname", "warn", 30),
            ("levelname", " Critical ", 50),
            ("level", "fatal", 50),
            ("level", 10, 5),
            ("level", 30, 20),
            ("level", 60, 50),
            ("level", "40", 30),
            ("levelno", 40, 40),
            ("severity_number", 9, 20),
            ("severity_number", 24, 50),
            ("severity_number", 0, 5),
            ("severity", 400, 30),
            ("severity", 800, 60),
            ("severity", 950, 60),
            ("severity", 50, 0),
            ("log.level", "emerg", 60),
            ("status", "ok", 20),
            ("status", "200", None),
            ("levelname", "custom", None),
            ("levelname", [1], None),
        ],
    )
    def test_severity_of(self, key: str, value: object, severity: int | None) -> None:
        """Level names and numbers of every schema map onto Python's scale."""
        assert cli.severity_of(key, value) == severity

    @pytest.mark.parametrize(
        ("value", "label"),
        [("warning", "WARN"), ("Info", "INFO"), ("custom", "CUSTOM"), (30, "INFO"), (31, "31")],
    )
    def test_level_label(self, value: object, label: str) -> None:
        """The level column shows short upper-case names, and numbers by name."""
        key = "level"
        assert cli.level_label(value, cli.severity_of(key, value)) == label

    def test_http_status_is_not_a_level(self, cli_run: Callable[..., Result]) -> None:
        """A numeric or unknown "status" is a field, not the level."""
        stdin = lines_of({"status": 200, "message": "a"}, {"status": "done", "message": "b"})
        assert cli_run("--no-color", stdin=stdin).lines == ["a status=200", "b status=done"]

    def test_level_column_for_custom_level(self, cli_run: Callable[..., Result]) -> None:
        """An unknown level name is shown upper-case, without colour."""
        result = cli_run("--color=always", stdin=lines_of({"level": "audit", "message": "m"}))
        assert result.lines == ["AUDIT m"]


class TestLevelFilter:
    RECORDS = (
        {"levelname": "DEBUG", "message": "python-debug"},
        {"levelname": "WARNING", "message": "python-warning"},
        {"level": 30, "msg": "pino-info"},
        {"level": 50, "msg": "pino-error"},
        {"severity": "CRITICAL", "message": "gcp-critical"},
        {"log": {"level": "warn"}, "message": "ecs-warn"},
        {"severity_text": "INFO", "severity_number": 9, "body": "otel-info"},
        {"status": "error", "message": "datadog-error"},
        {"message": "no-level"},
    )

    def test_at_least_warning(self, cli_run: Callable[..., Result]) -> None:
        """--level keeps records at least that severe, whatever their schema."""
        result = cli_run(
            "--no-color", "--json", "--level", "WARNING", stdin=lines_of(*self.RECORDS)
        )
        messages = [
            json.loads(line).get("message") or json.loads(line).get("msg") for line in result.lines
        ]
        assert messages == [
            "python-warning",
            "pino-error",
            "gcp-critical",
            "ecs-warn",
            "datadog-error",
        ]

    @pytest.mark.parametrize("level", ["error", "ERROR", "40", "err"])
    def test_level_spellings(self, cli_run: Callable[..., Result], level: str) -> None:
        """--level takes any case, short names and Python level numbers."""
        result = cli_run("--json", "--level", level, stdin=lines_of(*self.RECORDS))
        assert len(result.lines) == 3

    def test_bad_level(self, cli_usage_error: Callable[..., str]) -> None:
        """An unknown --level name is a usage error naming the accepted names."""
        err = cli_usage_error("--level", "loud")
        assert "unknown level 'loud'" in err
        assert "WARNING" in err

    def test_filter_skips_unusable_level_values(self) -> None:
        """The filter skips booleans, containers and HTTP statuses when finding the level."""
        select = cli.Selector(cli.Schema(), min_level=30)
        assert select({"levelname": True, "level": [1], "status": 500, "severity": "ERROR"})
        assert not select({"status": 500})
        assert not select({"levelname": False})

    def test_non_json_hidden_when_filtering(self, cli_run: Callable[..., Result]) -> None:
        """With a filter, lines that are not records are not shown."""
        stdin = lines_of("banner", {"levelname": "ERROR", "message": "e"})
        assert cli_run("--no-color", "--level", "error", stdin=stdin).lines == ["ERROR e"]


class TestTimeFilter:
    RECORDS = (
        {"timestamp": "2026-11-21T10:00:00+00:00", "message": "ten-utc"},
        {"timestamp": "2026-11-21T12:00:00+01:00", "message": "eleven-utc"},
        {"time": 1795262400000, "message": "twelve-utc-ms"},
        {"time": 1795266000, "message": "thirteen-utc-s"},
        {"asctime": "2026-11-21 14:00:00,000", "message": "fourteen-naive"},
        {"time": "21/11/2026 15:00 UTC", "message": "fifteen-dateutil"},
        {"time": "not a time", "message": "unreadable"},
        {"message": "timeless"},
    )

    def messages(self, result: Result) -> list[str]:
        return [json.loads(line)["message"] for line in result.lines]

    def test_since_until_absolute(self, cli_run: Callable[..., Result]) -> None:
        """--since/--until compare instants, across zones and epoch units."""
        result = cli_run(
            "--json",
            "--timezone",
            "UTC",
            "--since",
            "2026-11-21 11:00",
            "--until",
            "2026-11-21T14:00:00Z",
            stdin=lines_of(*self.RECORDS),
        )
        assert self.messages(result) == [
            "eleven-utc",
            "twelve-utc-ms",
            "thirteen-utc-s",
            "fourteen-naive",
        ]

    def test_naive_times_read_in_timezone(self, cli_run: Callable[..., Result]) -> None:
        """Times without a zone, in records and options, are read in --timezone."""
        stdin = lines_of(*self.RECORDS)
        paris = cli_run(
            "--json", "--timezone", "Europe/Paris", "--since", "2026-11-21T13:30Z", stdin=stdin
        )
        # 14:00 in Paris is 13:00 UTC; in New York it is 19:00 UTC.
        assert self.messages(paris) == ["fifteen-dateutil"]
        new_york = cli_run(
            "--json", "--timezone", "America/New_York", "--since", "2026-11-21T13:30Z", stdin=stdin
        )
        assert self.messages(new_york) == ["fourteen-naive", "fifteen-dateutil"]
        naive_option = cli_run(
            "--json", "--timezone", "Europe/Paris", "--since", "Nov 21 2026 14:30", stdin=stdin
        )
        assert self.messages(naive_option) == ["fifteen-dateutil"]

    def test_naive_times_default_to_local_zone(
        self, cli_run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --timezone a naive time is local time, as logging's asctime is."""
        monkeypatch.setenv("TZ", "Asia/Tokyo")
        time.tzset()
        try:
            result = cli_run(
                "--json", "--since", "2026-11-21T12:30:00Z", stdin=lines_of(*self.RECORDS)
            )
        finally:
            monkeypatch.undo()
            time.tzset()
        # 14:00 in Tokyo is 05:00 UTC: before --since.
        assert self.messages(result) == ["thirteen-utc-s", "fifteen-dateutil"]

    def test_unusable_time_values_are_skipped(self, cli_run: Callable[..., Result]) -> None:
        """A time key holding an object or a boolean gives way to the next candidate."""
        records: list[dict[str, Any]] = [
            {"timestamp": {"s": 1}, "time": "2026-11-21T12:00:00Z", "message": "noon"},
            {"timestamp": True, "time": "2026-11-21T09:00:00Z", "message": "nine"},
        ]
        result = cli_run("--json", "--since", "2026-11-21T10:00Z", stdin=lines_of(*records))
        assert self.messages(result) == ["noon"]

    def test_relative_since(self, cli_run: Callable[..., Result]) -> None:
        """--since 15m keeps the last quarter of an hour."""
        now = dt.datetime.now(dt.UTC)
        records = [
            {"timestamp": (now - dt.timedelta(hours=2)).isoformat(), "message": "old"},
            {"timestamp": (now - dt.timedelta(minutes=20)).isoformat(), "message": "older"},
            {"timestamp": (now - dt.timedelta(minutes=5)).isoformat(), "message": "recent"},
        ]
        result = cli_run("--json", "--since", "15m", stdin=lines_of(*records))
        assert self.messages(result) == ["recent"]
        result = cli_run("--json", "--until", "1h ago", stdin=lines_of(*records))
        assert self.messages(result) == ["old"]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("30s", 970.0),
            ("2h", 1000.0 - 7200),
            ("1.5 d", 1000.0 - 129600),
            ("1w ago", 1000.0 - 604800),
            ("1795000000", 1795000000.0),
            ("1795000000000", 1795000000.0),
            ("2026-11-21T00:00:00Z", 1795219200.0),
        ],
    )
    def test_parse_time_argument(self, text: str, expected: float) -> None:
        """Relative, epoch and absolute --since values become epoch seconds."""
        assert cli.parse_time_argument(text, None, 1000.0) == expected

    @pytest.mark.parametrize("option", ["--since", "--until"])
    def test_bad_time(self, cli_usage_error: Callable[..., str], option: str) -> None:
        """An unreadable time is a usage error naming the option."""
        err = cli_usage_error(option, "whenever")
        assert f"argument {option}: cannot read 'whenever' as a time" in err

    def test_bad_timezone(self, cli_usage_error: Callable[..., str]) -> None:
        """An unknown zone name is a usage error."""
        assert "unknown time zone 'Mars/Olympus'" in cli_usage_error("--timezone", "Mars/Olympus")

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (1795000000123456789, 1795000000.123456789),
            (1795000000123456, 1795000000.123456),
            ("2026-11-21T00:00:00", None),
            ([1], None),
            ("99999-01-01", None),
            ("0001-01-01T00:00:00", None),
        ],
    )
    def test_record_timestamp(self, value: object, expected: float | None) -> None:
        """Epoch numbers of any unit are read; non-times give None."""
        zone = dt.UTC if expected is not None else None
        result = cli.record_timestamp(value, zone)
        if isinstance(value, str) and value.startswith("2026"):
            assert result == cli.to_timestamp(dt.datetime(2026, 11, 21), None)
        else:
            assert result == pytest.approx(expected) if expected is not None else result is None


class TestGrep:
    RECORDS = (
        {"message": "User ada logged in"},
        {"message": "user grace logged out"},
        {"msg": {"text": "user in a dict"}},
        {"other": "user"},
    )

    def test_regex_on_message(self, cli_run: Callable[..., Result]) -> None:
        """--grep searches the message with a regular expression, case-sensitively."""
        result = cli_run("--no-color", "--grep", r"^user \w+ logged", stdin=lines_of(*self.RECORDS))
        assert result.lines == ["user grace logged out"]

    def test_ignore_case(self, cli_run: Callable[..., Result]) -> None:
        """-i makes --grep case-insensitive; a structured message is searched as JSON."""
        result = cli_run("--no-color", "-i", "--grep", "USER", stdin=lines_of(*self.RECORDS))
        assert result.lines == [
            "User ada logged in",
            "user grace logged out",
            '{"text":"user in a dict"}',
        ]

    def test_bad_regex(self, cli_usage_error: Callable[..., str]) -> None:
        """An invalid regular expression is a usage error."""
        assert "invalid regular expression '('" in cli_usage_error("--grep", "(")


class TestWhere:
    RECORDS = (
        {"message": "a", "http": {"status": 500, "method": "GET"}, "user": "ada"},
        {"message": "b", "http.status": 500, "ok": True},
        {"message": "c", "http": {"status": 200}, "ok": False, "tag": None},
        {"message": "d", "http": {"status": "500"}, "user": "grace"},
        {"message": "e", "list": [1, 2]},
    )

    def messages(self, *argv: str, run: Callable[..., Result]) -> list[str]:
        result = run("--json", *argv, stdin=lines_of(*self.RECORDS))
        return [json.loads(line)["message"] for line in result.lines]

    def test_dotted_key_nested_and_flat(self, cli_run: Callable[..., Result]) -> None:
        """A dotted key matches nested objects and flat dotted keys, numbers as text."""
        assert self.messages("--where", "http.status=500", run=cli_run) == ["a", "b", "d"]

    def test_several_conditions(self, cli_run: Callable[..., Result]) -> None:
        """Several --where must all hold."""
        where = ("--where", "http.status=500", "--where", "user=ada")
        assert self.messages(*where, run=cli_run) == ["a"]

    def test_not_equal(self, cli_run: Callable[..., Result]) -> None:
        """KEY!=VALUE keeps records where the field differs or is missing."""
        assert self.messages("--where", "user!=ada", run=cli_run) == ["b", "c", "d", "e"]

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            ("ok=true", ["b"]),
            ("ok=false", ["c"]),
            ("tag=null", ["c"]),
            ("list=[1,2]", ["e"]),
            ("http.method=GET", ["a"]),
        ],
    )
    def test_json_values(
        self, cli_run: Callable[..., Result], where: str, expected: list[str]
    ) -> None:
        """Booleans, null and containers compare by their JSON text."""
        assert self.messages("--where", where, run=cli_run) == expected

    @pytest.mark.parametrize("where", ["status", "=500", "!=1"])
    def test_bad_where(self, cli_usage_error: Callable[..., str], where: str) -> None:
        """A --where without a key and '=' is a usage error."""
        assert "expected KEY=VALUE or KEY!=VALUE" in cli_usage_error("--where", where)


class TestFieldSelection:
    RECORD: ClassVar[dict[str, Any]] = {
        "message": "m",
        "user": "ada",
        "http": {"method": "GET", "status": 200},
        "request_id": "r1",
    }

    def test_fields(self, cli_run: Callable[..., Result]) -> None:
        """--fields shows only the named fields; a prefix selects a nested object."""
        result = cli_run("--no-color", "--fields", "user,http", stdin=lines_of(self.RECORD))
        assert result.lines == ["m user=ada http.method=GET http.status=200"]

    def test_exclude(self, cli_run: Callable[..., Result]) -> None:
        """--exclude hides fields, repeatable, by exact dotted key or prefix."""
        result = cli_run(
            "--no-color",
            "--exclude",
            "http.method",
            "--exclude",
            "request_id",
            stdin=lines_of(self.RECORD),
        )
        assert result.lines == ["m user=ada http.status=200"]

    def test_fields_and_exclude(self, cli_run: Callable[..., Result]) -> None:
        """--exclude removes from what --fields chose; the columns always stay."""
        result = cli_run(
            "--no-color",
            "--fields",
            "http",
            "--exclude",
            "http.status",
            stdin=lines_of(self.RECORD),
        )
        assert result.lines == ["m http.method=GET"]


class TestKeyOptions:
    def test_override_each_key(self, cli_run: Callable[..., Result]) -> None:
        """Each --*-key replaces the built-in candidates for its role."""
        record = {
            "when": "2026-01-01",
            "sev": "error",
            "who": "svc",
            "text": "hello",
            "trace": "T1\nT2",
            "message": "not the message",
        }
        result = cli_run(
            "--no-color",
            "--time-key",
            "when",
            "--level-key",
            "sev",
            "--logger-key",
            "who",
            "--message-key",
            "text",
            "--exception-key",
            "trace",
            stdin=lines_of(record),
        )
        assert result.lines == [
            '2026-01-01 ERROR svc: hello message="not the message"',
            "    T1",
            "    T2",
        ]

    def test_nested_override(self, cli_run: Callable[..., Result]) -> None:
        """A dotted --level-key reaches into nested objects for filtering too."""
        stdin = lines_of({"meta": {"lvl": "debug"}, "m": "a"}, {"meta": {"lvl": "error"}, "m": "b"})
        result = cli_run(
            "--no-color", "--level-key", "meta.lvl", "--message-key", "m", "-l", "info", stdin=stdin
        )
        assert result.lines == ["ERROR b"]

    def test_lookup_mixed_flat_and_nested(self) -> None:
        """A dotted path is found through any mix of flat dotted keys and nesting."""
        record = {"a.b": {"c": 1}, "x": {"y.z": 2}, "p": {"q": 3}}
        assert cli._lookup(record, "a.b.c") == 1
        assert cli._lookup(record, "x.y.z") == 2
        assert cli._lookup(record, "p.q.r") is cli._MISSING
        assert cli._lookup(record, "p.q") == 3


class TestJsonMode:
    def test_records_untouched(self, cli_run: Callable[..., Result]) -> None:
        """--json writes the selected records byte for byte and drops other lines."""
        raw = b'{ "levelname" : "ERROR",   "message": "caf\\u00e9" }'
        stdin = b"banner\n" + raw + b'\n{"levelname": "INFO", "message": "i"}\n[1]\n'
        result = cli_run("--json", "--level", "ERROR", stdin=stdin)
        assert result.out == raw + b"\n"

    def test_nothing_selected(self, cli_run: Callable[..., Result]) -> None:
        """When no record passes the filter nothing is written."""
        assert cli_run("--json", "-l", "error", stdin=lines_of({"levelname": "INFO"})).out == b""

    def test_all_records_without_filter(self, cli_run: Callable[..., Result]) -> None:
        """Without a filter --json keeps every record and only the records."""
        stdin = lines_of({"a": 1}, "text", {"b": 2})
        assert cli_run("--json", stdin=stdin).out == b'{"a": 1}\n{"b": 2}\n'

    def test_invalid_utf8_record(self, cli_run: Callable[..., Result]) -> None:
        """A record with invalid UTF-8 is still a record, written unchanged."""
        raw = b'{"levelname": "ERROR", "message": "bad \xff byte"}'
        assert cli_run("--json", "-l", "error", stdin=raw + b"\n").out == raw + b"\n"


class TestColour:
    @pytest.mark.parametrize(
        ("choice", "environ", "tty", "expected"),
        [
            ("auto", {}, True, True),
            ("auto", {}, False, False),
            ("auto", {"NO_COLOR": "1"}, True, False),
            ("auto", {"NO_COLOR": ""}, True, True),
            ("auto", {"FORCE_COLOR": "1"}, False, True),
            ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
            ("always", {"NO_COLOR": "1"}, False, True),
            ("never", {"FORCE_COLOR": "1"}, True, False),
        ],
    )
    def test_use_colour(
        self, choice: str, environ: dict[str, str], tty: bool, expected: bool
    ) -> None:
        """Explicit choice first, then NO_COLOR, then FORCE_COLOR, then the terminal."""

        class Stream(io.BytesIO):
            def isatty(self) -> bool:
                return tty

        assert cli.use_colour(choice, Stream(), environ) is expected

    def test_use_colour_closed_stream(self) -> None:
        """A stream that cannot answer isatty() gets no colour."""
        stream = io.BytesIO()
        stream.close()
        assert cli.use_colour("auto", stream, {}) is False

    def test_coloured_line(self, cli_run: Callable[..., Result]) -> None:
        """Colour marks time, level by severity, logger, keys and the traceback."""
        record = {
            "asctime": "T",
            "levelname": "ERROR",
            "name": "app",
            "message": "m",
            "k": 1,
            "exc_info": "E",
        }
        assert cli_run("--color=always", stdin=lines_of(record)).lines == [
            "\x1b[2mT\x1b[0m \x1b[31mERROR\x1b[0m \x1b[35mapp:\x1b[0m m \x1b[36mk\x1b[0m=1",
            "    \x1b[31mE\x1b[0m",
        ]

    def test_force_color_env(
        self, cli_run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """FORCE_COLOR colours output that is not a terminal."""
        monkeypatch.setenv("FORCE_COLOR", "1")
        assert cli_run(stdin=lines_of({"levelname": "warning"})).lines == ["\x1b[33mWARN \x1b[0m"]

    @pytest.mark.parametrize(
        ("severity", "colour"),
        [
            (60, "\x1b[1;97;41m"),
            (50, "\x1b[1;31m"),
            (25, "\x1b[1;32m"),
            (5, "\x1b[90m"),
            (None, ""),
        ],
    )
    def test_level_colour(self, severity: int | None, colour: str) -> None:
        """Each severity band has its colour; unknown levels have none."""
        assert cli.level_colour(severity) == colour

    def test_pty_colour_detection(self, tmp_path: Path) -> None:
        """On a pseudo-terminal output is coloured and hostile pass-through is escaped."""
        log = tmp_path / "app.log"
        log.write_bytes(lines_of({"levelname": "INFO", "message": "hi"}, "raw \x1b[2J line"))
        assert run_on_pty([str(log)], subprocess_env()) == [
            "\x1b[32mINFO \x1b[0m hi",
            "raw \\x1b[2J line",
        ]

    def test_pty_no_color(self, tmp_path: Path) -> None:
        """NO_COLOR turns colour off even on a terminal."""
        log = tmp_path / "app.log"
        log.write_bytes(lines_of({"levelname": "INFO", "message": "hi"}))
        assert run_on_pty([str(log)], subprocess_env(NO_COLOR="1")) == ["INFO  hi"]


def run_on_pty(argv: list[str], env: dict[str, str]) -> list[str]:
    """Run the viewer with its stdout on a pseudo-terminal; return the lines shown."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jsonlog", *argv],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=10) == 0
    assert proc.stderr is not None
    proc.stderr.close()
    return b"".join(chunks).decode().replace("\r\n", "\n").splitlines()


class TestHostileInput:
    def test_escape_sequences_in_values(self, cli_run: Callable[..., Result]) -> None:
        """ESC, CSI and other controls in any part of a record are shown escaped."""
        record = {
            "asctime": "t\x1b[2J",
            "levelname": "IN\x07FO",
            "name": "a\x1bpp",
            "message": "clear\x1b[2J\x1b[H screen\r\x9b31m tab\tok",
            "k\x1b": "v\x00",
            "list": ["\x1b"],
        }
        result = cli_run("--color=always", stdin=lines_of(record))
        [line] = result.lines
        assert "\x1b[2J" not in line
        assert "\x9b" not in line
        assert "\x00" not in line
        assert "\x07" not in line
        assert "\r" not in line
        assert "clear\\x1b[2J\\x1b[H screen\\r\\x9b31m tab\tok" in line
        assert '"k\\x1b"' in line
        assert '"v\\x00"' in line
        assert '["\\u001b"]' in line
        assert "t\\x1b[2J" in line
        assert "a\\x1bpp:" in line
        assert "IN\\x07FO" in line

    def test_escape_in_traceback_and_continuation(self, cli_run: Callable[..., Result]) -> None:
        """Tracebacks and message continuation lines are escaped too."""
        record = {"message": "a\nb\x1b[K", "exc_info": "T\x1b]0;title\x07"}
        assert cli_run("--no-color", stdin=lines_of(record)).lines == [
            "a",
            "    b\\x1b[K",
            "    T\\x1b]0;title\\x07",
        ]

    def test_pass_through_untouched_off_terminal(self, cli_run: Callable[..., Result]) -> None:
        """Off a terminal, non-JSON lines are passed through byte for byte."""
        stdin = b"raw \x1b[31mred\x1b[0m \xff\xfe bytes\n"
        assert cli_run("--no-color", stdin=stdin).out == stdin

    def test_pass_through_escaped_with_colour(self, cli_run: Callable[..., Result]) -> None:
        """When colour is on, non-JSON lines cannot rewrite the screen."""
        stdin = b"raw \x1b[31mred \x9b \xff\ttab\r\n"
        assert (
            cli_run("--color=always", stdin=stdin).out == b"raw \\x1b[31mred \\x9b \\xff\ttab\\r\n"
        )

    def test_invalid_utf8_in_record(self, cli_run: Callable[..., Result]) -> None:
        """A record with invalid UTF-8 is rendered with replacement characters."""
        stdin = b'{"message": "bad \xff byte", "k": "\xc3"}\n{"message": "next"}\n'
        assert cli_run("--no-color", stdin=stdin).lines == [
            "bad \ufffd byte k=\ufffd",
            "next",
        ]

    def test_lone_surrogate(self, cli_run: Callable[..., Result]) -> None:
        """JSON that orjson refuses (a lone surrogate) passes through unchanged."""
        stdin = b'{"message": "\\ud800"}\n'
        assert cli_run("--no-color", stdin=stdin).out == stdin

    def test_huge_line(self, cli_run: Callable[..., Result], tmp_path: Path) -> None:
        """A 100 MB record is shown whole and the next line is unharmed."""
        size = 100 * 1024 * 1024
        log = tmp_path / "big.log"
        with log.open("wb") as out:
            out.write(b'{"message": "')
            out.write(b"x" * size)
            out.write(b'", "k": 1}\n{"message": "after"}\n')
        result = cli_run("--no-color", str(log))
        first, _, rest = result.out.partition(b"\n")
        assert len(first) == size + len(" k=1")
        assert first.endswith(b"x k=1")
        assert rest == b"after\n"

    def test_huge_non_json_line(self, cli_run: Callable[..., Result]) -> None:
        """A long line that is not JSON, read in many blocks, passes through whole."""
        line = b"y" * (3 * cli._READ_SIZE + 5)
        result = cli_run("--no-color", stdin=line + b"\n" + jl({"message": "after"}) + b"\n")
        assert result.out == line + b"\nafter\n"

    def test_deep_nesting(self, cli_run: Callable[..., Result]) -> None:
        """Very deep objects neither crash nor hide the records that follow."""
        depth = 200
        nested = b'{"a":' * depth + b"1" + b"}" * depth
        too_deep = b"[" * 5000 + b"]" * 5000
        stdin = b'{"message": "m", "d": ' + nested + b"}\n" + too_deep + b'\n{"message": "after"}\n'
        lines = cli_run("--no-color", stdin=stdin).lines
        assert lines[0].startswith("m d.a.a.a.")
        assert lines[0].endswith(":1" + "}" * (depth - 32))
        assert lines[1:] == [too_deep.decode(), "after"]

    def test_nesting_deeper_than_orjson_writes(self) -> None:
        """A value orjson cannot serialise is shown as a placeholder."""
        value: list[Any] = []
        for _ in range(300):
            value = [value]
        assert cli.format_value(value) == "<too deeply nested to show>"

    def test_epoch_out_of_range(self, cli_run: Callable[..., Result]) -> None:
        """An absurd epoch time is shown as the number it is."""
        stdin = lines_of({"time": 1e300, "message": "a"}, {"time": -1e30, "message": "b"})
        assert cli_run("--no-color", stdin=stdin).lines == ["1e+300 a", "-1e+30 b"]

    def test_format_epoch(self) -> None:
        """Epoch numbers of any unit show as RFC 3339 UTC with milliseconds."""
        assert cli.format_epoch(1795000000.123) == "2026-11-18T11:06:40.123Z"
        assert cli.format_epoch(1795000000123456) == "2026-11-18T11:06:40.123Z"
        assert cli.format_epoch(1795000000123456789) == "2026-11-18T11:06:40.123Z"
        assert cli.format_epoch(1795000000) == "2026-11-18T11:06:40.000Z"
        assert cli.format_epoch(10**30) == repr(10**30)

    @settings(max_examples=200, deadline=None)
    @given(
        st.dictionaries(
            st.text(),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                lambda inner: (
                    st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
                ),
                max_leaves=10,
            ),
            max_size=6,
        )
    )
    def test_any_record_renders_safely(self, record: dict[str, Any]) -> None:
        """Any JSON object renders without raising and without a raw control character."""
        text = cli.Renderer(cli.Schema(), cli.PLAIN).render(record)
        assert not any(
            (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F for ch in text
        )
        assert "\n" not in text.split("\n", 1)[0]

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "time",
                    "asctime",
                    "level",
                    "levelname",
                    "status",
                    "name",
                    "message",
                    "msg",
                    "k",
                    "",
                ]
            ),
            unique=True,
        ),
        st.lists(
            st.none()
            | st.booleans()
            | st.integers(min_value=-(2**63), max_value=2**64)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from(["info", "ERROR", "warn", "x y", "", "\x1b[1m", "a\nb", "200"])
            | st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
            min_size=10,
            max_size=10,
        ),
    )
    def test_fast_path_matches_general_path(self, keys: list[str], values: list[Any]) -> None:
        """The shortcut for records of a known shape renders exactly as the general path."""
        record = dict(zip(keys, values, strict=False))
        renderer = cli.Renderer(cli.Schema(), cli.COLOUR)
        plan = cli._Plan.for_keys(tuple(record), cli.Schema())
        assert renderer.render(record) == renderer._render_general(record, plan)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.binary(max_size=40), max_size=8))
    def test_any_bytes_never_crash(self, lines: list[bytes]) -> None:
        """Arbitrary input bytes never raise and each input line yields output."""
        out = io.BytesIO()
        viewer = cli.Viewer(
            out,
            renderer=cli.Renderer(cli.Schema(), cli.COLOUR),
            selector=cli.Selector(cli.Schema()),
            escape_passthrough=True,
        )
        clean = [line.replace(b"\n", b"") for line in lines]
        viewer.feed(clean)
        shown = out.getvalue()
        assert shown.count(b"\n") >= len(clean)
        assert b"\x1b[2J" not in shown


class TestFiles:
    def test_several_files_and_stdin(self, cli_run: Callable[..., Result], tmp_path: Path) -> None:
        """Files and '-' are read in the order given."""
        first, second = tmp_path / "a.log", tmp_path / "b.log"
        first.write_bytes(lines_of({"message": "one"}))
        second.write_bytes(lines_of({"message": "three"}))
        result = cli_run(
            "--no-color", str(first), "-", str(second), stdin=lines_of({"message": "two"})
        )
        assert result.lines == ["one", "two", "three"]

    def test_missing_file(self, cli_run: Callable[..., Result], tmp_path: Path) -> None:
        """An unreadable file is reported, the others still shown, and the status is 1."""
        good = tmp_path / "good.log"
        good.write_bytes(lines_of({"message": "ok"}))
        missing = tmp_path / "missing.log"
        result = cli_run("--no-color", str(missing), str(good))
        assert result.code == 1
        assert result.lines == ["ok"]
        assert f"jsonlog: cannot read '{missing}': No such file or directory" in result.err

    def test_directory(self, cli_run: Callable[..., Result], tmp_path: Path) -> None:
        """A directory cannot be read as a log: status 1 with a message."""
        result = cli_run(str(tmp_path))
        assert result.code == 1
        assert "Is a directory" in result.err

    def test_iter_blocks(self) -> None:
        """Blocks hold whole lines, however the reads split them."""
        data = b"a\nbb\n" + b"c" * 25 + b"\nd"
        blocks = list(cli.iter_blocks(io.BytesIO(data), size=4))
        assert [line for block in blocks for line in block] == [b"a", b"bb", b"c" * 25, b"d"]

    @pytest.mark.parametrize("interval", ["0", "-1", "soon", "nan"])
    def test_poll_interval_must_be_positive(
        self, cli_usage_error: Callable[..., str], interval: str
    ) -> None:
        """A poll interval that is not a positive number is a usage error."""
        assert "expected a positive number of seconds" in cli_usage_error(
            "--poll-interval", interval
        )

    @pytest.mark.parametrize("follow", [False, True])
    def test_broken_pipe_in_process(
        self,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
        follow: bool,
    ) -> None:
        """A closed stdout ends main() quietly with status 0, following or not."""
        log = tmp_path / "app.log"
        log.write_bytes(lines_of({"message": "m"}))

        class ClosedPipe(io.BytesIO):
            def write(self, data: Any) -> int:
                raise BrokenPipeError(32, "Broken pipe")

        class Stdout(io.StringIO):
            buffer = ClosedPipe()

        monkeypatch.setattr(sys, "stdout", Stdout())
        argv = ["-f", str(log)] if follow else [str(log)]
        assert main(argv) == 0
        assert capsys.readouterr().err == ""

    def test_follow_stdin_with_files(self, cli_usage_error: Callable[..., str]) -> None:
        """-f cannot mix standard input with files."""
        assert "cannot follow standard input" in cli_usage_error("-f", "a.log", "-")


class TestSubprocess:
    def test_python_m_jsonlog(self, tmp_path: Path) -> None:
        """python -m jsonlog prints the same as main() and exits 0."""
        done = subprocess.run(
            [sys.executable, "-m", "jsonlog", str(SAMPLE)],
            capture_output=True,
            cwd=ROOT,
            env=subprocess_env(),
            check=False,
        )
        assert done.returncode == 0
        assert done.stderr == b""
        lines = done.stdout.decode().splitlines()
        assert lines[0] == "Starting gunicorn 23.0.0 with 2 workers"
        assert lines[1] == "2026-11-21 23:40:01,123 INFO  app: server started port=8000 workers=2"

    def test_stdin_json_pipeline(self) -> None:
        """--json reads standard input and writes records that parse as JSON."""
        stdin = lines_of(
            {"levelname": "INFO", "message": "a"}, {"levelname": "ERROR", "message": "b"}
        )
        done = subprocess.run(
            [sys.executable, "-m", "jsonlog", "--json", "--level", "error"],
            input=stdin,
            capture_output=True,
            cwd=ROOT,
            env=subprocess_env(),
            check=False,
        )
        assert done.returncode == 0
        assert [json.loads(line) for line in done.stdout.splitlines()] == [
            {"levelname": "ERROR", "message": "b"}
        ]

    def test_usage_error_exit_status(self) -> None:
        """A bad option exits 2 with a usage message."""
        done = subprocess.run(
            [sys.executable, "-m", "jsonlog", "--level", "loud"],
            capture_output=True,
            cwd=ROOT,
            env=subprocess_env(),
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2
        assert b"usage: jsonlog" in done.stderr
        assert b"unknown level 'loud'" in done.stderr

    def test_missing_file_exit_status(self, tmp_path: Path) -> None:
        """A file that cannot be read gives a non-zero status and a message."""
        done = subprocess.run(
            [sys.executable, "-m", "jsonlog", str(tmp_path / "nope.log")],
            capture_output=True,
            cwd=ROOT,
            env=subprocess_env(),
            check=False,
        )
        assert done.returncode == 1
        assert b"cannot read" in done.stderr

    def test_broken_pipe_is_quiet(self, tmp_path: Path) -> None:
        """A reader that goes away (jsonlog app.log | head) ends it quietly with status 0."""
        log = tmp_path / "app.log"
        log.write_bytes(
            lines_of(*({"levelname": "INFO", "message": f"m{i}"} for i in range(50000)))
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "jsonlog", "--no-color", str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=subprocess_env(),
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.readline() == b"INFO  m0\n"
        proc.stdout.close()
        assert proc.wait(timeout=20) == 0
        assert proc.stderr.read() == b""
        proc.stderr.close()

    def test_console_script_entry_point(self) -> None:
        """The `jsonlog` console script declared in pyproject.toml resolves to main()."""
        scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
        module, _, name = scripts["jsonlog"].partition(":")
        assert getattr(importlib.import_module(module), name) is main

    def test_python_dash_m(self, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        """`python -m jsonlog` runs main() with the command line and exits with its status."""
        monkeypatch.setattr(sys, "argv", ["jsonlog", "--no-such-option"])
        monkeypatch.delitem(sys.modules, "jsonlog.__main__", raising=False)
        with pytest.raises(SystemExit) as exited:
            runpy.run_module("jsonlog", run_name="__main__")
        assert exited.value.code == 2
        assert "--no-such-option" in capsys.readouterr().err

    def test_import_is_cheap(self) -> None:
        """Importing jsonlog.cli does not import dateutil."""
        code = "import sys, jsonlog.cli; print('dateutil' in sys.modules)"
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            cwd=ROOT,
            env=subprocess_env(),
            check=True,
        )
        assert done.stdout == b"False\n"


class TestFollow:
    def test_append_rotate_truncate(
        self,
        cli_run: Callable[..., Result],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        """-f shows appended lines, partial lines once complete, and survives rotation."""
        log = tmp_path / "app.log"
        log.write_bytes(lines_of({"message": "A"}))

        def append(path: Path, data: bytes) -> None:
            with path.open("ab") as out:
                out.write(data)

        def rotate() -> None:
            log.rename(tmp_path / "app.log.1")
            append(tmp_path / "app.log.1", lines_of({"message": "D"}))
            log.write_bytes(lines_of({"message": "E" * 40}))

        steps: Iterator[Callable[[], object]] = iter(
            [
                lambda: append(log, lines_of({"message": "B"}) + b'{"message": '),
                lambda: append(log, b'"C"}\n'),
                lambda: None,
                lambda: log.rename(tmp_path / "app.log.2"),  # gone for a while
                lambda: (tmp_path / "app.log.2").rename(log),
                rotate,
                lambda: log.write_bytes(lines_of({"message": "F"})),  # copytruncate
            ]
        )
        slept: list[float] = []

        def scripted_sleep(seconds: float) -> None:
            slept.append(seconds)
            step = next(steps, None)
            if step is None:
                raise KeyboardInterrupt
            step()

        monkeypatch.setattr(cli, "_sleep", scripted_sleep)
        result = cli_run("--no-color", "-f", "--poll-interval", "0.01", str(log))
        assert result.code == 130
        assert result.lines == ["A", "B", "C", "D", "E" * 40, "F"]
        assert set(slept) == {0.01}

    def test_rotation_flushes_partial_line(self, tmp_path: Path) -> None:
        """A last line without newline in the rotated file is shown at rotation."""
        log = tmp_path / "app.log"
        log.write_bytes(b'{"message": "partial"}')
        shown: list[bytes] = []
        calls = iter(
            [
                lambda: (log.rename(tmp_path / "old"), log.write_bytes(b'{"message": "new"}\n')),
            ]
        )

        def sleep(_: float) -> None:
            step = next(calls, None)
            if step is None:
                raise KeyboardInterrupt
            step()

        with pytest.raises(KeyboardInterrupt):
            cli.follow([str(log)], shown.extend, poll_interval=0.01, sleep=sleep)
        assert shown == [b'{"message": "partial"}', b'{"message": "new"}']

    def test_follow_missing_file(self, cli_run: Callable[..., Result], tmp_path: Path) -> None:
        """-f on a missing file fails with status 1 and a message."""
        result = cli_run("-f", str(tmp_path / "nope.log"))
        assert result.code == 1
        assert "cannot read" in result.err

    def test_follow_stdin_reads_to_end(self, cli_run: Callable[..., Result]) -> None:
        """-f with standard input reads it to its end."""
        assert cli_run("-f", "--no-color", stdin=lines_of({"message": "s"})).lines == ["s"]

    def test_real_follow_subprocess(self, tmp_path: Path) -> None:
        """A real `jsonlog -f` shows appended and rotated lines as they are written."""
        log = tmp_path / "app.log"
        log.write_bytes(lines_of({"levelname": "INFO", "message": "first"}))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jsonlog",
                "-f",
                "--poll-interval",
                "0.02",
                "--no-color",
                str(log),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=subprocess_env(),
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        try:
            assert read_line(proc.stdout) == "INFO  first"
            with log.open("ab") as out:
                out.write(lines_of({"levelname": "WARNING", "message": "second"}))
            assert read_line(proc.stdout) == "WARN  second"
            log.rename(tmp_path / "app.log.1")
            log.write_bytes(lines_of({"levelname": "ERROR", "message": "third"}))
            assert read_line(proc.stdout) == "ERROR third"
        finally:
            proc.send_signal(signal.SIGINT)
            status = proc.wait(timeout=10)
            proc.stdout.close()
            err = proc.stderr.read()
            proc.stderr.close()
        assert status == 130
        assert err == b""


def read_line(stream: Any, timeout: float = 10.0) -> str:
    """Read one line from a pipe, failing instead of hanging after *timeout* seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, "no output in time"
    return str(stream.readline().decode().rstrip("\n"))
