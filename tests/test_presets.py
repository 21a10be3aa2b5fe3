"""Tests for jsonlog.presets: ECS, Cloud Logging, OpenTelemetry and Datadog shapes."""

from __future__ import annotations

import datetime
import io
import json
import logging
import logging.config
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ecs_logging
import pytest
from conftest import load_ini_formatter
from opentelemetry import trace

from jsonlog import JsonFormatter, context, presets

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0x00F067AA0BA902B7
ACCESS = {
    "http.request.method": "GET",
    "url.path": "/items",
    "url.query": "page=2",
    "network.protocol.version": "1.1",
    "http.response.status_code": 200,
    "http.response.body.size": 512,
    "client.address": "203.0.113.9",
    "user_agent.original": "curl/8.5",
    "http.request.header.referer": "https://example.com/",
    "duration_ms": 123.4,
    "http.request.header.x-request-id": "abc",
}


def ecs_spec_path() -> Path:
    """Return the vendored spec, else the shared copy beside the repository."""
    vendored = ROOT / "tests" / "data" / "ecs-logging-spec.json"
    if vendored.exists():
        return vendored
    return Path(__file__).parents[1].parent / "shared" / "ecs-logging-spec.json"


ECS_SPEC: dict[str, Any] = json.loads(ecs_spec_path().read_text(encoding="utf-8"))


class EcsSpecError(AssertionError):
    """The document breaks a rule of ecs-logging's specification."""


def _lookup(data: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    if dotted in data:
        return True, data[dotted]
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def validate_ecs(line: str) -> dict[str, Any]:
    """Check one line against the ecs-logging specification; return the parsed document.

    Required fields, types, the order of indexed fields, ``top_level_field``
    fields as dotted top-level keys, other dotted fields nested, and the key
    sanitization of ``labels``.
    """
    data = json.loads(line)
    keys = list(data)
    for name, rule in ECS_SPEC["fields"].items():
        found, value = _lookup(data, name)
        if rule.get("required") and not found:
            raise EcsSpecError(f"missing required field {name}")
        if rule.get("top_level_field") and found and name not in data:
            raise EcsSpecError(f"{name} must be a dotted top-level key")
        if found and "." in name and not rule.get("top_level_field") and name in data:
            raise EcsSpecError(f"{name} must be nested, not a dotted key")
        if not found:
            continue
        kind = rule["type"]
        if kind == "string" and not isinstance(value, str):
            raise EcsSpecError(f"{name} must be a string, got {value!r}")
        if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
            raise EcsSpecError(f"{name} must be an integer, got {value!r}")
        if kind == "object" and not isinstance(value, dict):
            raise EcsSpecError(f"{name} must be an object, got {value!r}")
        if kind == "datetime":
            datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
        if "index" in rule and keys[rule["index"]] != name:
            raise EcsSpecError(f"{name} must be key number {rule['index']}, keys are {keys}")
        sanitization = rule.get("sanitization", {}).get("key")
        if sanitization:
            for key in value:
                if any(bad in key for bad in sanitization["replacements"]):
                    raise EcsSpecError(f"{name} key {key!r} is not sanitized")
    return data


@pytest.fixture
def span() -> Iterator[None]:
    span_context = trace.SpanContext(
        trace_id=TRACE_ID, span_id=SPAN_ID, is_remote=False, trace_flags=trace.TraceFlags(1)
    )
    with trace.use_span(trace.NonRecordingSpan(span_context)):
        yield


def make_record(
    msg: Any = "hello %s",
    args: tuple[Any, ...] = ("world",),
    level: int = logging.INFO,
    exc: bool = False,
    **extra: Any,
) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("bad value")
        except ValueError:
            exc_info = sys.exc_info()
    record = logging.LogRecord(
        "app.web", level, "/srv/app/web.py", 42, msg, args, exc_info, func="handle"
    )
    record.__dict__.update(extra)
    return record


def emit(formatter: JsonFormatter, **kwargs: Any) -> dict[str, Any]:
    return json.loads(formatter.format(make_record(**kwargs)))


def record_from_spec(spec: dict[str, Any]) -> logging.LogRecord:
    """Build a record with fixed time, process and thread from a golden-file spec."""
    record = logging.LogRecord(
        spec.get("name", "app.web"),
        spec.get("levelno", logging.INFO),
        spec.get("pathname", "/srv/app/web.py"),
        spec.get("lineno", 42),
        spec.get("msg", "hello"),
        tuple(spec.get("args", ())),
        None,
        func=spec.get("funcName", "handle"),
        sinfo=spec.get("stack_info"),
    )
    record.created = spec.get("created", 1767225600.125)
    record.msecs = (record.created - int(record.created)) * 1000
    record.process = spec.get("process", 4242)
    record.processName = "MainProcess"
    record.thread = spec.get("thread", 139936)
    record.threadName = "MainThread"
    if "exc_text" in spec:
        record.exc_text = spec["exc_text"]
    record.__dict__.update(spec.get("extra", {}))
    return record


def golden_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(GOLDEN.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            cases.append((f"{path.stem}:{case['name']}", {**case, "file": path.stem}))
    return cases


class TestGolden:
    @pytest.mark.parametrize(("name", "case"), golden_cases(), ids=[n for n, _ in golden_cases()])
    def test_matches_golden(
        self, name: str, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each preset writes exactly the golden document, key order included."""
        for key in ("OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME", "GOOGLE_CLOUD_PROJECT"):
            monkeypatch.delenv(key, raising=False)
        for key in ("DD_SERVICE", "DD_ENV", "DD_VERSION"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "checkout")
        formatter = JsonFormatter(case.get("fmt"), preset=case["file"], **case.get("options", {}))
        record = record_from_spec(case["record"])
        if case.get("trace"):
            span_context = trace.SpanContext(
                trace_id=TRACE_ID,
                span_id=SPAN_ID,
                is_remote=False,
                trace_flags=trace.TraceFlags(1),
            )
            with trace.use_span(trace.NonRecordingSpan(span_context)):
                line = formatter.format(record)
        else:
            line = formatter.format(record)
        assert json.dumps(json.loads(line)) == json.dumps(case["expected"])
        if case["file"] == "ecs":
            validate_ecs(line)

    def test_every_preset_has_a_golden_file(self) -> None:
        """A golden file exists for each preset name."""
        assert {path.stem for path in GOLDEN.glob("*.json")} == set(presets.PRESETS)


class TestEcsSpec:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {},
            {"exc": True},
            {"level": logging.WARNING, "user": {"id": 7}, "event.action": "login"},
            ACCESS,
            {"labels": {"a.b": 1, "c*d": 2, "e\\f": 3}},
            {"msg": {"event": "dict message"}, "args": ()},
        ],
        ids=["plain", "exception", "extras", "access", "labels", "dict-message"],
    )
    def test_output_satisfies_spec(self, kwargs: dict[str, Any]) -> None:
        """Every kind of record gives a document that passes the ecs-logging spec checks."""
        validate_ecs(JsonFormatter(preset="ecs").format(make_record(**kwargs)))

    @pytest.mark.usefixtures("span")
    def test_trace_output_satisfies_spec(self) -> None:
        """With an active span the ids are trace.id and span.id and the spec still holds."""
        data = validate_ecs(JsonFormatter(preset="ecs").format(make_record()))
        assert data["trace"] == {"id": "0af7651916cd43dd8448eb211c80319c"}
        assert data["span"] == {"id": "00f067aa0ba902b7"}

    def test_validator_rejects_wrong_order(self) -> None:
        """The spec check fails a document whose first keys are out of order."""
        with pytest.raises(EcsSpecError, match="key number"):
            validate_ecs(
                json.dumps(
                    {
                        "log.level": "info",
                        "@timestamp": "2026-01-01T00:00:00.000Z",
                        "ecs.version": "1.6.0",
                    }
                )
            )

    def test_validator_rejects_nested_level(self) -> None:
        """The spec check fails a nested log.level."""
        with pytest.raises(EcsSpecError, match="top-level"):
            validate_ecs(
                json.dumps(
                    {
                        "@timestamp": "2026-01-01T00:00:00.000Z",
                        "log": {"level": "info"},
                        "message": "m",
                        "ecs.version": "1.6.0",
                    }
                )
            )

    def test_validator_rejects_missing_version(self) -> None:
        """The spec check fails a document without ecs.version."""
        with pytest.raises(EcsSpecError, match=r"ecs\.version"):
            validate_ecs(
                json.dumps({"@timestamp": "2026-01-01T00:00:00.000Z", "log.level": "info"})
            )

    def test_validator_rejects_dotted_logger(self) -> None:
        """The spec check fails a dotted log.logger key."""
        with pytest.raises(EcsSpecError, match="nested"):
            validate_ecs(
                json.dumps(
                    {
                        "@timestamp": "2026-01-01T00:00:00.000Z",
                        "log.level": "info",
                        "message": "m",
                        "ecs.version": "1",
                        "log.logger": "x",
                    }
                )
            )

    def test_validator_rejects_wrong_types(self) -> None:
        """The spec check fails a non-integer line number and a non-string message."""
        base = {"@timestamp": "2026-01-01T00:00:00.000Z", "log.level": "info"}
        with pytest.raises(EcsSpecError, match="integer"):
            validate_ecs(
                json.dumps(
                    {
                        **base,
                        "message": "m",
                        "ecs.version": "1",
                        "log": {"origin": {"file": {"line": "7"}}},
                    }
                )
            )
        with pytest.raises(EcsSpecError, match="string"):
            validate_ecs(json.dumps({**base, "message": 3, "ecs.version": "1"}))
        with pytest.raises(EcsSpecError, match="object"):
            validate_ecs(json.dumps({**base, "message": "m", "ecs.version": "1", "labels": 3}))
        with pytest.raises(EcsSpecError, match="sanitized"):
            validate_ecs(
                json.dumps({**base, "message": "m", "ecs.version": "1", "labels": {"a.b": 1}})
            )


class TestEcs:
    def test_same_fields_as_ecs_logging(self) -> None:
        """The fields ecs-logging-python writes for a record come out the same."""
        record = make_record(exc=True)
        ours = json.loads(JsonFormatter(preset="ecs").format(record))
        theirs = json.loads(ecs_logging.StdlibFormatter().format(record))
        for key in ("@timestamp", "log.level", "message", "ecs.version", "process"):
            assert ours[key] == theirs[key], key
        assert ours["log"]["logger"] == theirs["log"]["logger"]
        assert ours["log"]["origin"] == theirs["log"]["origin"]
        assert ours["error"]["message"] == theirs["error"]["message"]
        assert ours["error"]["type"] == theirs["error"]["type"]

    def test_access_fields_mapped(self) -> None:
        """Access-log fields become ECS http, url, client, user_agent and event fields."""
        data = emit(JsonFormatter(preset="ecs"), **ACCESS)
        assert data["http"] == {
            "request": {
                "method": "GET",
                "referrer": "https://example.com/",
                "header": {"x-request-id": "abc"},
            },
            "response": {"status_code": 200, "body": {"bytes": 512}},
            "version": "1.1",
        }
        assert data["url"] == {"path": "/items", "query": "page=2"}
        assert data["client"] == {"address": "203.0.113.9", "ip": "203.0.113.9"}
        assert data["user_agent"] == {"original": "curl/8.5"}
        assert data["event"] == {"duration": 123_400_000}

    def test_dotted_extra_merges_into_standard_object(self) -> None:
        """A dotted extra under log.* joins the standard log object."""
        data = emit(JsonFormatter(preset="ecs"), **{"log.custom": "x"})
        assert data["log"]["custom"] == "x"
        assert data["log"]["logger"] == "app.web"

    def test_caller_dict_not_modified(self) -> None:
        """Merging dotted extras into an extra dict leaves the caller's dict untouched."""
        user = {"id": 7, "tags": {"a": 1}}
        data = emit(
            JsonFormatter(preset="ecs"), user=user, **{"user.name": "ada", "user.tags.b": 2}
        )
        assert data["user"] == {"id": 7, "tags": {"a": 1, "b": 2}, "name": "ada"}
        assert user == {"id": 7, "tags": {"a": 1}}

    def test_dict_extra_merges_into_standard_object(self) -> None:
        """An extra dict named like a standard object is merged into it, not replacing it."""
        extra_log = {"origin": {"extra": 1}, "tag": "t"}
        data = emit(JsonFormatter(preset="ecs"), log=extra_log)
        assert data["log"]["logger"] == "app.web"
        assert data["log"]["origin"]["function"] == "handle"
        assert data["log"]["origin"]["extra"] == 1
        assert data["log"]["tag"] == "t"
        assert extra_log == {"origin": {"extra": 1}, "tag": "t"}

    def test_blocked_path_keeps_dotted_key(self) -> None:
        """A dotted extra whose parent is a plain value stays a dotted key."""
        data = emit(JsonFormatter(preset="ecs"), user="ada", **{"user.id": 7})
        assert data["user"] == "ada"
        assert data["user.id"] == 7

    def test_stack_info_is_error_stack_trace(self) -> None:
        """stack_info without an exception goes to error.stack_trace."""
        record = make_record()
        record.stack_info = "Stack (most recent call last):\n  here"
        data = json.loads(JsonFormatter(preset="ecs").format(record))
        assert data["error"]["stack_trace"] == record.stack_info

    def test_stack_info_with_exception_kept(self) -> None:
        """stack_info beside an exception is kept under its own key."""
        record = make_record(exc=True)
        record.stack_info = "Stack (most recent call last):\n  here"
        data = json.loads(JsonFormatter(preset="ecs").format(record))
        assert data["stack_info"] == record.stack_info
        assert data["error"]["type"] == "ValueError"

    def test_stack_info_array(self) -> None:
        """A stack formatted as lines is joined back into text."""
        record = make_record()
        record.stack_info = "Stack:\n  here"
        data = json.loads(JsonFormatter(preset="ecs", stack_info_as_array=True).format(record))
        assert data["error"]["stack_trace"] == "Stack:\n  here"

    def test_structured_exception_format(self) -> None:
        """exc_format='structured' still fills error.*."""
        data = emit(JsonFormatter(preset="ecs", exc_format="structured"), exc=True)
        assert data["error"]["type"] == "ValueError"
        assert data["error"]["message"] == "bad value"
        assert "Traceback" in data["error"]["stack_trace"]

    def test_exception_text_only(self) -> None:
        """A record carrying only exc_text (from a queue) gives type and message from it."""
        record = make_record()
        record.exc_text = "Traceback (most recent call last):\nKeyError: 'k'"
        data = json.loads(JsonFormatter(preset="ecs").format(record))
        assert data["error"]["type"] == "KeyError"
        assert data["error"]["message"] == "'k'"

    def test_bad_duration_kept(self) -> None:
        """A duration that is not a number is kept as it is."""
        assert emit(JsonFormatter(preset="ecs"), duration_ms="n/a")["event"]["duration"] == "n/a"

    def test_non_string_message(self) -> None:
        """A non-string message object is written as its text."""
        data = emit(JsonFormatter(preset="ecs"), msg=12, args=())
        assert data["message"] == "12"


class TestGcp:
    @pytest.mark.parametrize(
        ("level", "severity"),
        [
            (0, "DEFAULT"),
            (5, "DEBUG"),
            (10, "DEBUG"),
            (20, "INFO"),
            (25, "INFO"),
            (30, "WARNING"),
            (40, "ERROR"),
            (50, "CRITICAL"),
            (60, "CRITICAL"),
        ],
    )
    def test_severity(self, level: int, severity: str) -> None:
        """Logging levels map to Cloud Logging's LogSeverity names."""
        assert emit(JsonFormatter(preset="gcp"), level=level)["severity"] == severity

    @pytest.mark.parametrize(
        ("ms", "text"),
        [(123.0, "0.123s"), (0, "0s"), (1500, "1.5s"), (0.001, "0.000001s"), ("x", "x")],
    )
    def test_latency(self, ms: Any, text: str) -> None:
        """Durations become Cloud Logging's seconds text."""
        assert presets.gcp_latency(ms) == text

    def test_http_request(self) -> None:
        """Access-log fields become httpRequest with Cloud Logging's names."""
        data = emit(JsonFormatter(preset="gcp"), **ACCESS)
        assert data["httpRequest"] == {
            "requestMethod": "GET",
            "requestUrl": "/items?page=2",
            "protocol": "HTTP/1.1",
            "status": 200,
            "responseSize": "512",
            "remoteIp": "203.0.113.9",
            "userAgent": "curl/8.5",
            "referer": "https://example.com/",
            "latency": "0.1234s",
        }
        assert data["http.request.header.x-request-id"] == "abc"

    def test_query_before_path(self) -> None:
        """requestUrl is path then query whatever order the fields come in."""
        record = make_record()
        record.__dict__.update({"url.query": "a=1", "url.path": "/p", "x": 1})
        data = json.loads(JsonFormatter(preset="gcp").format(record))
        assert data["httpRequest"]["requestUrl"] == "/p?a=1"

    def test_empty_query_ignored(self) -> None:
        """An empty query adds no question mark."""
        data = emit(JsonFormatter(preset="gcp"), **{"url.path": "/p", "url.query": ""})
        assert data["httpRequest"]["requestUrl"] == "/p"

    def test_exception_in_message(self) -> None:
        """The traceback follows the message so Error Reporting picks it up."""
        data = emit(JsonFormatter(preset="gcp"), exc=True, level=logging.ERROR)
        assert data["message"].startswith("hello world\nTraceback (most recent call last):")
        assert data["message"].endswith("ValueError: bad value")

    def test_exception_without_message(self) -> None:
        """With an empty message the traceback is the message."""
        data = emit(JsonFormatter(preset="gcp"), exc=True, msg="", args=())
        assert data["message"].startswith("Traceback")

    @pytest.mark.usefixtures("span")
    def test_trace_with_project(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With GOOGLE_CLOUD_PROJECT the trace is the full resource name."""
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "shop-prod")
        data = emit(JsonFormatter(preset="gcp"))
        assert data["logging.googleapis.com/trace"] == (
            "projects/shop-prod/traces/0af7651916cd43dd8448eb211c80319c"
        )
        assert data["logging.googleapis.com/spanId"] == "00f067aa0ba902b7"
        assert data["logging.googleapis.com/trace_sampled"] is True
        assert "trace_id" not in data

    def test_source_location(self) -> None:
        """sourceLocation carries file, line and function."""
        data = emit(JsonFormatter(preset="gcp"))
        assert data["logging.googleapis.com/sourceLocation"] == {
            "file": "/srv/app/web.py",
            "line": 42,
            "function": "handle",
        }

    def test_user_http_request_merged(self) -> None:
        """An httpRequest given by hand is replaced by the access fields' object."""
        data = emit(JsonFormatter(preset="gcp"), httpRequest="x", **{"url.path": "/p"})
        assert data["httpRequest"] == {"requestUrl": "/p"}


class TestOtel:
    @pytest.mark.parametrize(
        ("level", "number"),
        [
            (0, 0),
            (5, 1),
            (10, 5),
            (11, 6),
            (13, 8),
            (15, 8),
            (20, 9),
            (21, 10),
            (30, 13),
            (40, 17),
            (50, 21),
            (51, 22),
            (60, 24),
        ],
    )
    def test_severity_number(self, level: int, number: int) -> None:
        """Logging levels map to OpenTelemetry SeverityNumbers."""
        assert presets.otel_severity_number(level) == number

    def test_shape(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Body, severity, attributes, resource and scope are where the data model puts them."""
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,bad,x=a%20b")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "checkout")
        data = emit(JsonFormatter(preset="otel"), exc=True, user="ada")
        assert data["body"] == "hello world"
        assert data["severity_text"] == "INFO"
        assert data["severity_number"] == 9
        assert data["resource"]["service.name"] == "checkout"
        assert data["resource"]["deployment.environment"] == "prod"
        assert data["resource"]["x"] == "a b"
        assert data["resource"]["process.pid"] == os.getpid()
        assert data["scope"] == {"name": "app.web"}
        attributes = data["attributes"]
        assert attributes["exception.type"] == "ValueError"
        assert attributes["exception.message"] == "bad value"
        assert "Traceback" in attributes["exception.stacktrace"]
        assert attributes["user"] == "ada"
        assert attributes["code.line.number"] == 42

    def test_access_fields_keep_otel_names(self) -> None:
        """Access-log fields stay in attributes under their OpenTelemetry names."""
        attributes = emit(JsonFormatter(preset="otel"), **ACCESS)["attributes"]
        for key, value in ACCESS.items():
            assert attributes[key] == value

    @pytest.mark.usefixtures("span")
    def test_trace(self) -> None:
        """trace_id, span_id and trace_flags are top-level hex fields."""
        data = emit(JsonFormatter(preset="otel"))
        assert data["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
        assert data["span_id"] == "00f067aa0ba902b7"
        assert data["trace_flags"] == 1

    def test_resource_extra_merges(self) -> None:
        """A resource mapping given as an extra is merged into the resource."""
        formatter = JsonFormatter(preset=presets.OtelPreset(resource={"service.name": "s"}))
        data = emit(formatter, resource={"host.name": "h"})
        assert data["resource"]["service.name"] == "s"
        assert data["resource"]["host.name"] == "h"


class TestDatadog:
    @pytest.mark.parametrize(
        ("level", "status"),
        [
            (0, "info"),
            (10, "debug"),
            (20, "info"),
            (30, "warning"),
            (40, "error"),
            (50, "critical"),
        ],
    )
    def test_status(self, level: int, status: str) -> None:
        """Logging levels map to Datadog status values."""
        assert emit(JsonFormatter(preset="datadog"), level=level)["status"] == status

    @pytest.mark.usefixtures("span")
    def test_trace_ids_in_datadog_form(self) -> None:
        """dd.trace_id is the low 64 bits in decimal, dd.span_id the span id in decimal."""
        data = emit(JsonFormatter(preset="datadog"))
        assert data["dd"] == {
            "trace_id": str(TRACE_ID & 0xFFFFFFFFFFFFFFFF),
            "span_id": str(SPAN_ID),
        }
        assert data["trace_id"] == "0af7651916cd43dd8448eb211c80319c"

    def test_error_and_logger(self) -> None:
        """Exceptions fill error.kind/message/stack; the logger is logger.name."""
        data = emit(JsonFormatter(preset="datadog"), exc=True)
        assert data["error"]["kind"] == "ValueError"
        assert data["error"]["message"] == "bad value"
        assert data["error"]["stack"].startswith("Traceback")
        assert data["logger"] == {
            "name": "app.web",
            "thread_name": "MainThread",
            "method_name": "handle",
        }

    def test_access_fields(self) -> None:
        """Access-log fields become Datadog's http.*, network.* and duration."""
        data = emit(JsonFormatter(preset="datadog"), **ACCESS)
        assert data["http"]["method"] == "GET"
        assert data["http"]["url"] == "/items?page=2"
        assert data["http"]["status_code"] == 200
        assert data["http"]["useragent"] == "curl/8.5"
        assert data["http"]["referer"] == "https://example.com/"
        assert data["http"]["version"] == "1.1"
        assert data["network"] == {"client": {"ip": "203.0.113.9"}, "bytes_written": 512}
        assert data["duration"] == 123_400_000

    def test_client_port(self) -> None:
        """uvicorn's client port is Datadog's network.client.port."""
        data = emit(JsonFormatter(preset="datadog"), **{**ACCESS, "client.port": 5555})
        assert data["network"]["client"] == {"ip": "203.0.113.9", "port": 5555}

    def test_query_first_and_empty(self) -> None:
        """http.url is built whatever the order; an empty query adds nothing."""
        record = make_record()
        record.__dict__.update({"url.query": "a=1", "url.path": "/p"})
        assert json.loads(JsonFormatter(preset="datadog").format(record))["http"]["url"] == (
            "/p?a=1"
        )
        data = emit(JsonFormatter(preset="datadog"), **{"url.path": "/q", "url.query": ""})
        assert data["http"]["url"] == "/q"


class TestComposition:
    def test_rename_preset_key(self) -> None:
        """rename_fields renames a preset's top-level key."""
        data = emit(JsonFormatter(preset="gcp", rename_fields={"severity": "level"}))
        assert data["level"] == "INFO"
        assert "severity" not in data

    def test_rename_extra_then_nest(self) -> None:
        """A renamed extra is placed under its new (dotted) name."""
        data = emit(JsonFormatter(preset="ecs", rename_fields={"uid": "user.id"}), uid=7)
        assert data["user"] == {"id": 7}

    def test_static_fields(self) -> None:
        """Static fields are carried over, nested where the schema nests."""
        data = emit(JsonFormatter(preset="ecs", static_fields={"service.name": "shop"}))
        assert data["service"] == {"name": "shop"}
        validate_ecs(json.dumps(data))

    def test_static_field_overrides_standard(self) -> None:
        """A static field with a preset key's name replaces it."""
        data = emit(JsonFormatter(preset="ecs", static_fields={"ecs.version": "8.11.0"}))
        assert data["ecs.version"] == "8.11.0"

    def test_format_fields_replaced(self) -> None:
        """Record fields named by a format string are not repeated; others are kept."""
        formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(relativeCreated)d", preset="ecs"
        )
        data = emit(formatter)
        assert "levelname" not in data
        assert "asctime" not in data
        assert "relativeCreated" in data
        assert data["message"] == "hello world"

    def test_template_keys_kept(self) -> None:
        """A template's own keys stay alongside the preset's fields."""
        formatter = JsonFormatter('{"lvl": "%(levelname)s", "team": "core"}', preset="datadog")
        data = emit(formatter)
        assert data["lvl"] == "INFO"
        assert data["team"] == "core"
        assert data["message"] == "hello world"

    def test_context_fields(self) -> None:
        """Context fields are placed like extras."""
        with context.bound(**{"user.id": "u1"}):
            assert emit(JsonFormatter(preset="ecs"))["user"] == {"id": "u1"}

    def test_renamed_message_key(self) -> None:
        """A renamed message is still read as the message."""
        data = emit(JsonFormatter(preset="ecs", rename_fields={"message": "msg"}))
        assert data["msg"] == "hello world"

    def test_dict_message(self) -> None:
        """A dict message gives its keys as fields and an empty message."""
        data = emit(JsonFormatter(preset="datadog"), msg={"event": "signup"}, args=())
        assert data["event"] == "signup"
        assert data["message"] == ""

    def test_custom_preset_instance(self) -> None:
        """A Preset instance is accepted as preset=."""
        gcp = presets.GcpPreset(project="p1")
        assert JsonFormatter(preset=gcp).preset is gcp

    def test_preset_name_case_insensitive(self) -> None:
        """Preset names are matched without regard to case."""
        assert isinstance(JsonFormatter(preset="ECS").preset, presets.EcsPreset)

    @pytest.mark.parametrize("bad", ["splunk", 3, ""])
    def test_unknown_preset(self, bad: Any) -> None:
        """An unknown preset is refused with the accepted names."""
        with pytest.raises(ValueError, match="preset must be one of 'ecs', 'gcp'"):
            JsonFormatter(preset=bad)

    def test_base_preset_is_abstract(self) -> None:
        """The Preset base class does not shape anything by itself."""
        with pytest.raises(NotImplementedError):
            presets.Preset().standard(make_record(), "", None, None)
        with pytest.raises(NotImplementedError):
            presets.Preset().place({}, "k", 1)

    def test_no_preset(self) -> None:
        """Without a preset the formatter has none."""
        assert JsonFormatter().preset is None


class TestCollisions:
    """A record's own fields never replace what the preset wrote for the record."""

    def test_datadog_status_extra(self) -> None:
        """An extra named status keeps its value under extra; status stays the level."""
        data = emit(JsonFormatter(preset="datadog"), level=logging.ERROR, status="shipped")
        assert data["status"] == "error"
        assert data["extra"] == {"status": "shipped"}

    def test_ecs_error_extra_with_exception(self) -> None:
        """A string extra named error keeps the exception's error object intact."""
        data = emit(JsonFormatter(preset="ecs"), exc=True, error="oops")
        assert data["error"]["type"] == "ValueError"
        assert data["error"]["stack_trace"].startswith("Traceback")
        assert data["extra"] == {"error": "oops"}
        validate_ecs(json.dumps(data))

    def test_error_extra_without_exception_is_placed(self) -> None:
        """Without an exception nothing is replaced: the extra goes where it says."""
        assert emit(JsonFormatter(preset="datadog"), error="oops")["error"] == "oops"

    def test_object_extras_merge(self) -> None:
        """Objects merge where no value is replaced."""
        data = emit(JsonFormatter(preset="ecs"), exc=True, error={"code": "E42"}, log={"x": 1})
        assert data["error"]["code"] == "E42"
        assert data["error"]["type"] == "ValueError"
        assert data["log"] == {**data["log"], "x": 1, "logger": "app.web"}
        assert "extra" not in data

    def test_object_extra_replacing_a_leaf(self) -> None:
        """An object that would replace one of the preset's values goes under extra whole."""
        data = emit(JsonFormatter(preset="ecs"), exc=True, error={"code": "E42", "type": "Mine"})
        assert data["error"]["type"] == "ValueError"
        assert "code" not in data["error"]
        assert data["extra"] == {"error": {"code": "E42", "type": "Mine"}}

    def test_dotted_extras(self) -> None:
        """Dotted extras are checked at their nested place: log.level and log.logger stay."""
        data = emit(JsonFormatter(preset="ecs"), **{"log.level": "x", "log.logger": "y"})
        assert data["log.level"] == "info"
        assert data["log"]["logger"] == "app.web"
        assert data["extra"] == {"log": {"level": "x", "logger": "y"}}
        validate_ecs(json.dumps(data))

    def test_gcp_keys_stay_flat(self) -> None:
        """With gcp the moved field keeps a flat dotted key, as gcp writes every field."""
        data = emit(JsonFormatter(preset="gcp"), severity="LOW", time="noon")
        assert data["severity"] == "INFO"
        assert data["extra.severity"] == "LOW"
        assert data["extra.time"] == "noon"

    def test_otel_attribute(self) -> None:
        """With otel a field named like one of the record's attributes is not lost."""
        data = emit(JsonFormatter(preset="otel"), **{"code.line.number": "n/a", "team": "a"})
        assert data["attributes"]["code.line.number"] == 42
        assert data["attributes"]["extra.code.line.number"] == "n/a"
        assert data["attributes"]["team"] == "a"

    def test_otel_renamed_attributes(self) -> None:
        """Renaming otel's attributes key does not lose the extras."""
        formatter = JsonFormatter(preset="otel", rename_fields={"attributes": "attrs"})
        data = emit(formatter, team="a")
        assert data["attrs"]["code.line.number"] == 42
        assert data["attributes"] == {"team": "a"}

    def test_context_and_dict_message_fields(self) -> None:
        """Context fields and dict-message keys are a record's own fields too."""
        with context.bound(status="bound"):
            data = emit(JsonFormatter(preset="datadog"), msg={"timestamp": 1}, args=())
        assert data["status"] == "info"
        assert data["extra"] == {"timestamp": 1, "status": "bound"}

    def test_renamed_preset_key(self) -> None:
        """A preset key renamed by rename_fields is protected under its new name."""
        formatter = JsonFormatter(preset="gcp", rename_fields={"severity": "sev"})
        data = emit(formatter, sev="LOW")
        assert data["sev"] == "INFO"
        assert data["extra.sev"] == "LOW"

    @pytest.mark.parametrize("preset", sorted(presets.PRESETS))
    def test_non_str_keys(self, preset: str) -> None:
        """Non-string keys of a dict message are written as their text, the record intact."""
        formatter = JsonFormatter(preset=preset)
        line = formatter.format(make_record(msg={5: "five", None: "none"}, args=()))
        assert "format_error" not in line
        assert '"5":"five"' in line
        assert '"None":"none"' in line

    def test_many_keys(self) -> None:
        """The set of harmless keys is bounded; fields are placed after it is cleared."""
        formatter = JsonFormatter(preset="datadog")
        for index in range(presets._KNOWN_SIZE + 5):
            assert emit(formatter, **{f"k{index}": index})[f"k{index}"] == index


class TestTraceFields:
    """The span's ids never mix with a record's own trace_id or span_id field."""

    @pytest.mark.usefixtures("span")
    @pytest.mark.parametrize("preset", sorted(presets.PRESETS))
    def test_own_trace_id_with_span(self, preset: str) -> None:
        """A non-hex trace_id extra neither breaks the record nor replaces the span's ids."""
        data = emit(
            JsonFormatter(preset=preset), level=logging.ERROR, trace_id="3f2b8c1e-4d5a-4f6b"
        )
        assert "format_error" not in data
        line = json.dumps(data)
        span_ids = ("0af7651916cd43dd8448eb211c80319c", str(TRACE_ID & 0xFFFFFFFFFFFFFFFF))
        assert any(span_id in line for span_id in span_ids)
        assert "3f2b8c1e-4d5a-4f6b" in line

    @pytest.mark.usefixtures("span")
    def test_datadog_ids_come_from_the_span(self) -> None:
        """dd.trace_id is the span's, the record's trace_id goes under extra."""
        data = emit(JsonFormatter(preset="datadog"), trace_id="mine", span_id="also-mine")
        assert data["dd"]["trace_id"] == str(TRACE_ID & 0xFFFFFFFFFFFFFFFF)
        assert data["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
        assert data["extra"] == {"trace_id": "mine", "span_id": "also-mine"}

    @pytest.mark.usefixtures("span")
    def test_ecs_and_gcp_ids_come_from_the_span(self) -> None:
        """trace.id and logging.googleapis.com/trace are the span's."""
        ecs = emit(JsonFormatter(preset="ecs"), trace_id="mine")
        assert ecs["trace"] == {"id": "0af7651916cd43dd8448eb211c80319c"}
        assert ecs["trace_id"] == "mine"
        gcp = emit(JsonFormatter(preset="gcp"), trace_id="mine")
        assert gcp["logging.googleapis.com/trace"] == "0af7651916cd43dd8448eb211c80319c"
        assert gcp["trace_id"] == "mine"

    @pytest.mark.parametrize("preset", sorted(presets.PRESETS))
    def test_own_trace_id_without_span(self, preset: str) -> None:
        """Without a span a record's trace_id field is kept like any other field."""
        line = JsonFormatter(preset=preset).format(make_record(trace_id="req-7"))
        assert "req-7" in line

    @pytest.mark.usefixtures("span")
    def test_trace_ids_false(self) -> None:
        """trace_ids=False leaves the span out of the preset's fields."""
        data = emit(JsonFormatter(preset="datadog", trace_ids=False))
        assert "dd" not in data
        assert "trace_id" not in data


class TestDatadogTags:
    @pytest.fixture(autouse=True)
    def _no_tags(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for key in ("DD_SERVICE", "DD_ENV", "DD_VERSION"):
            monkeypatch.delenv(key, raising=False)

    def test_from_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """DD_SERVICE, DD_ENV and DD_VERSION become dd.service, dd.env and dd.version."""
        monkeypatch.setenv("DD_SERVICE", "checkout")
        monkeypatch.setenv("DD_ENV", "prod")
        monkeypatch.setenv("DD_VERSION", "1.4.2")
        data = emit(JsonFormatter(preset="datadog"))
        assert data["dd"] == {"service": "checkout", "env": "prod", "version": "1.4.2"}

    @pytest.mark.usefixtures("span")
    def test_with_span(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The tags and the span's ids share the dd object."""
        monkeypatch.setenv("DD_SERVICE", "checkout")
        data = emit(JsonFormatter(preset="datadog"))
        assert data["dd"] == {
            "service": "checkout",
            "trace_id": str(TRACE_ID & 0xFFFFFFFFFFFFFFFF),
            "span_id": str(SPAN_ID),
        }

    def test_explicit_and_empty(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Explicit tags win over the environment; an empty one leaves the tag out."""
        monkeypatch.setenv("DD_ENV", "prod")
        preset = presets.DatadogPreset(service="api", env="", version="2")
        assert emit(JsonFormatter(preset=preset))["dd"] == {"service": "api", "version": "2"}

    def test_none_set(self) -> None:
        """Without tags and without a span there is no dd object."""
        assert "dd" not in emit(JsonFormatter(preset="datadog"))

    def test_ddtrace_injected_ids_join_the_tags(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """ddtrace's dd.trace_id and dd.span_id record attributes merge into dd."""
        monkeypatch.setenv("DD_SERVICE", "checkout")
        data = emit(
            JsonFormatter(preset="datadog"),
            **{"dd.trace_id": "123", "dd.span_id": "456", "dd.service": "checkout"},
        )
        assert data["dd"] == {"service": "checkout", "trace_id": "123", "span_id": "456"}
        assert data["extra"] == {"dd": {"service": "checkout"}}


class TestConfig:
    @pytest.mark.parametrize(
        ("cls", "key"),
        [
            (presets.EcsFormatter, "@timestamp"),
            (presets.GcpFormatter, "severity"),
            (presets.OtelFormatter, "severity_number"),
            (presets.DatadogFormatter, "status"),
        ],
    )
    def test_classes_fix_preset(self, cls: type[JsonFormatter], key: str) -> None:
        """Each formatter class writes its preset's shape."""
        assert key in json.loads(cls().format(make_record()))

    def test_file_config(self, tmp_path: Path) -> None:
        """An ini file selects a preset class and passes options through $options."""
        stream = load_ini_formatter(
            tmp_path,
            '{"$options": {"static_fields": {"service.name": "shop"}}}',
            cls="jsonlog.presets.EcsFormatter",
        )
        logging.getLogger("shop").info("ready", extra={"order.id": 9})
        data = validate_ecs(stream.getvalue())
        assert data["service"] == {"name": "shop"}
        assert data["order"] == {"id": 9}

    def test_file_config_preset_option(self, tmp_path: Path) -> None:
        """preset given in $options of a plain JsonFormatter works from an ini file."""
        stream = load_ini_formatter(tmp_path, '{"$options": {"preset": "otel"}}')
        logging.getLogger("x").warning("w")
        data = json.loads(stream.getvalue())
        assert data["severity_number"] == 13
        assert data["body"] == "w"

    def test_dict_config(self) -> None:
        """dictConfig passes preset= to the formatter factory."""
        stream = io.StringIO()
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"dd": {"()": "jsonlog.JsonFormatter", "preset": "datadog"}},
                "handlers": {
                    "out": {"class": "logging.StreamHandler", "formatter": "dd", "stream": stream}
                },
                "root": {"handlers": ["out"], "level": "INFO"},
            }
        )
        logging.getLogger("y").error("e")
        data = json.loads(stream.getvalue())
        assert data["status"] == "error"

    def test_preset_twice_refused(self) -> None:
        """A preset class with preset in $options is refused as given twice."""
        with pytest.raises(ValueError, match="given both"):
            presets.EcsFormatter('{"$options": {"preset": "gcp"}}')
