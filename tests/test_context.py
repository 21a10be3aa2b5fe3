"""Tests for jsonlog.context: bound fields and trace correlation."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from opentelemetry import trace

from jsonlog import JsonFormatter, context


def make_record(msg: str = "hi", **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("app", logging.INFO, __file__, 10, msg, (), None)
    record.__dict__.update(extra)
    return record


def emit(formatter: JsonFormatter, **extra: Any) -> dict[str, Any]:
    return json.loads(formatter.format(make_record(**extra)))


class TestBind:
    def test_bound_fields_appear_in_records(self) -> None:
        """Fields bound with bind() are added to every record."""
        context.bind(request_id="r1", user="ada")
        assert emit(JsonFormatter())["request_id"] == "r1"
        assert emit(JsonFormatter())["user"] == "ada"

    def test_unbind_removes_fields(self) -> None:
        """unbind() removes the named fields and ignores unknown ones."""
        context.bind(a=1, b=2)
        context.unbind("a", "missing")
        assert dict(context.get_context()) == {"b": 2}

    def test_unbind_of_absent_name_keeps_mapping(self) -> None:
        """unbind() of names that are not bound leaves the same mapping."""
        context.bind(a=1)
        before = context.get_context()
        context.unbind("zzz")
        assert context.get_context() is before

    def test_reset_restores_previous_fields(self) -> None:
        """reset(token) restores the fields bound before bind()."""
        context.bind(a=1)
        token = context.bind(a=2, b=3)
        context.reset(token)
        assert dict(context.get_context()) == {"a": 1}

    def test_mapping_is_read_only(self) -> None:
        """get_context() returns a mapping that cannot be changed in place."""
        context.bind(a=1)
        with pytest.raises(TypeError):
            context.get_context()["a"] = 2  # type: ignore[index]

    def test_extra_wins_over_context(self) -> None:
        """An extra with the same name as a bound field replaces it in that record."""
        context.bind(user="ctx")
        assert emit(JsonFormatter(), user="extra")["user"] == "extra"

    def test_record_fields_win_over_context(self) -> None:
        """A bound field named like a format field does not replace it."""
        context.bind(message="from context")
        assert emit(JsonFormatter("%(message)s"))["message"] == "hi"

    def test_context_false_ignores_fields(self) -> None:
        """context=False leaves bound fields out."""
        context.bind(request_id="r1")
        assert "request_id" not in emit(JsonFormatter(context=False))

    def test_context_must_be_bool(self) -> None:
        """A non-bool context keyword is refused at construction."""
        with pytest.raises(TypeError, match="context"):
            JsonFormatter(context="yes")  # type: ignore[arg-type]

    def test_trace_ids_must_be_bool(self) -> None:
        """A non-bool trace_ids keyword is refused at construction."""
        with pytest.raises(TypeError, match="trace_ids"):
            JsonFormatter(trace_ids=1)  # type: ignore[arg-type]


class TestBound:
    def test_fields_only_inside_block(self) -> None:
        """bound() adds fields inside the with block and removes them after."""
        formatter = JsonFormatter()
        with context.bound(job="j1") as fields:
            assert fields["job"] == "j1"
            assert emit(formatter)["job"] == "j1"
        assert "job" not in emit(formatter)

    def test_nested_blocks_restore_outer(self) -> None:
        """An inner bound() overrides a field and the outer value comes back."""
        with context.bound(step="outer"):
            with context.bound(step="inner"):
                assert context.get_context()["step"] == "inner"
            assert context.get_context()["step"] == "outer"

    def test_restored_after_exception(self) -> None:
        """bound() restores the fields when the block raises."""
        with pytest.raises(RuntimeError), context.bound(a=1):
            raise RuntimeError
        assert dict(context.get_context()) == {}


class TestIsolation:
    def test_many_concurrent_tasks_do_not_leak(self) -> None:
        """Each of many concurrent asyncio tasks sees only its own request id."""
        formatter = JsonFormatter()

        async def handle(i: int) -> list[Any]:
            context.bind(request_id=i)
            seen = []
            for _ in range(5):
                await asyncio.sleep(0)
                seen.append(emit(formatter).get("request_id"))
            return seen

        async def main() -> list[list[Any]]:
            return await asyncio.gather(*(handle(i) for i in range(200)))

        results = asyncio.run(main())
        assert results == [[i] * 5 for i in range(200)]
        assert dict(context.get_context()) == {}

    def test_many_threads_with_copied_context(self) -> None:
        """Threads running a copied context see the parent's fields plus their own only."""
        formatter = JsonFormatter()
        context.bind(parent="p")
        barrier = threading.Barrier(16)

        def work(i: int) -> tuple[Any, Any]:
            context.bind(worker=i)
            barrier.wait()
            data = emit(formatter)
            return data.get("parent"), data.get("worker")

        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(contextvars.copy_context().run, work, i) for i in range(16)]
            results = [future.result() for future in futures]
        assert results == [("p", i) for i in range(16)]
        assert "worker" not in context.get_context()

    def test_plain_thread_does_not_inherit(self) -> None:
        """A thread started without copy_context() starts with no fields."""
        context.bind(a=1)
        seen: list[Any] = []
        thread = threading.Thread(target=lambda: seen.append(dict(context.get_context())))
        thread.start()
        thread.join()
        assert seen == [{}]


class TestContextFilter:
    def test_captures_fields_at_creation(self) -> None:
        """ContextFilter keeps the producer's fields for a record formatted elsewhere."""
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(context.ContextFilter())
        logger = logging.getLogger("test_context_filter")
        logger.propagate = False
        logger.addHandler(handler)
        try:
            with context.bound(request_id="r9"):
                record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "m", (), None)
                handler.filter(record)
            line = handler.format(record)
        finally:
            logger.removeHandler(handler)
        data = json.loads(line)
        assert data["request_id"] == "r9"
        assert "_jsonlog_context" not in data

    def test_no_fields_no_attribute(self) -> None:
        """ContextFilter adds nothing to the record when no field is bound."""
        record = make_record()
        assert context.ContextFilter().filter(record) is True
        assert not hasattr(record, context.RECORD_ATTRIBUTE)


class TestTrace:
    @pytest.fixture
    def span(self) -> Iterator[None]:
        span_context = trace.SpanContext(
            trace_id=0x0AF7651916CD43DD8448EB211C80319C,
            span_id=0x00F067AA0BA902B7,
            is_remote=False,
            trace_flags=trace.TraceFlags(1),
        )
        with trace.use_span(trace.NonRecordingSpan(span_context)):
            yield

    @pytest.fixture
    def no_otel(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setitem(sys.modules, "opentelemetry", None)
        monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
        monkeypatch.setattr(context, "_trace_module", context._UNRESOLVED)
        yield
        context._trace_module = context._UNRESOLVED

    @pytest.mark.usefixtures("span")
    def test_ids_of_active_span(self) -> None:
        """The active span's ids are added as lowercase hex."""
        data = emit(JsonFormatter())
        assert data["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
        assert data["span_id"] == "00f067aa0ba902b7"
        assert "trace_flags" not in data

    @pytest.mark.usefixtures("span")
    def test_current_trace_has_flags(self) -> None:
        """current_trace() returns the ids and the flags."""
        assert context.current_trace() == (
            "0af7651916cd43dd8448eb211c80319c",
            "00f067aa0ba902b7",
            1,
        )

    def test_no_active_span(self) -> None:
        """Without an active span no trace field is added."""
        data = emit(JsonFormatter())
        assert "trace_id" not in data
        assert context.current_trace() is None

    @pytest.mark.usefixtures("span")
    def test_trace_ids_false(self) -> None:
        """trace_ids=False leaves the ids out even with an active span."""
        assert "trace_id" not in emit(JsonFormatter(trace_ids=False))

    @pytest.mark.usefixtures("span")
    def test_extra_trace_id_wins(self) -> None:
        """A record's own trace_id is kept."""
        assert emit(JsonFormatter(), trace_id="mine")["trace_id"] == "mine"

    @pytest.mark.usefixtures("no_otel")
    def test_not_installed_is_remembered(self) -> None:
        """Without opentelemetry the lookup returns None and caches the absence."""
        assert context.current_trace() is None
        assert context._trace_module is None
        assert "trace_id" not in emit(JsonFormatter())

    @pytest.mark.usefixtures("no_otel")
    def test_not_installed_costs_nothing(self) -> None:
        """Without opentelemetry a formatter has no trace step to run per record."""
        assert context.add_trace_ids not in JsonFormatter()._processors
        assert JsonFormatter(preset="otel")._trace_lookup is None

    def test_unfindable_spec_means_not_installed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A find_spec that raises counts as not installed."""

        def broken(name: str) -> None:
            raise ValueError(name)

        monkeypatch.setattr(context.importlib.util, "find_spec", broken)
        assert context.trace_lookup(trace_ids=True) is None

    def test_installed_adds_the_step(self) -> None:
        """With opentelemetry-api installed the trace step is there."""
        assert context.add_trace_ids in JsonFormatter()._processors

    def test_broken_span_is_ignored(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A span API that raises gives no ids rather than an error."""

        class Broken:
            def get_current_span(self) -> Any:
                raise RuntimeError("boom")

        monkeypatch.setattr(context, "_trace_module", Broken())
        assert context.current_trace() is None

    def test_installed_lookup(self) -> None:
        """With opentelemetry-api installed the lookup is current_trace, unless turned off."""
        assert context.trace_lookup(trace_ids=True) is context.current_trace
        assert context.trace_lookup(trace_ids=False) is None
        assert context.add_trace_ids not in JsonFormatter(preset="ecs")._processors
