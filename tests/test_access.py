"""Tests for jsonlog.access: typed fields from gunicorn and uvicorn access records."""

from __future__ import annotations

import datetime
import io
import json
import logging
import logging.config
import textwrap
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms
from hypothesis import given
from hypothesis import strategies as st

from jsonlog import JsonFormatter, access

GUNICORN_FORMAT = Config().access_log_format
UVICORN_FORMAT = '%s - "%s %s HTTP/%s" %d'
TYPED_KEYS = {
    "http.request.method",
    "url.path",
    "url.query",
    "network.protocol.version",
    "http.response.status_code",
    "http.response.body.size",
    "client.address",
    "user_agent.original",
    "http.request.header.referer",
    "duration_ms",
}


def gunicorn_atoms(
    *,
    headers: list[tuple[str, str]] | None = None,
    environ: dict[str, Any] | None = None,
    sent: int | None = 12,
    status: str = "200 OK",
    elapsed: datetime.timedelta = datetime.timedelta(seconds=1, microseconds=2345),
) -> SafeAtoms:
    """Return the atoms gunicorn's own Logger.atoms builds, wrapped as gunicorn logs them."""
    request_headers = (
        [("HOST", "example.test"), ("USER-AGENT", 'curl/"8"'), ("X-REQUEST-ID", "r-1")]
        if headers is None
        else headers
    )
    base_environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/items/7?page=2",
        "PATH_INFO": "/items/7",
        "QUERY_STRING": "page=2",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.10",
        "wsgi.input": io.BytesIO(b""),
        "gunicorn.socket": threading.Lock(),
    }
    base_environ.update(
        {"HTTP_" + name.replace("-", "_"): value for name, value in request_headers}
    )
    base_environ.update(environ or {})
    response = SimpleNamespace(
        status=status, sent=sent, headers=[("Content-Type", "text/plain"), ("X-Cache", "HIT")]
    )
    request = SimpleNamespace(headers=request_headers)
    glogger = Logger.__new__(Logger)  # atoms() needs no configured logger
    return SafeAtoms(glogger.atoms(response, request, base_environ, elapsed))


def access_record(args: Any, name: str = "gunicorn.access", msg: str = GUNICORN_FORMAT) -> Any:
    """Return the record a logger named ``name`` makes of ``logger.info(msg, args)``."""
    packed = (args,) if isinstance(args, dict) else args
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, packed, None)


def emit(formatter: JsonFormatter, record: logging.LogRecord) -> dict[str, Any]:
    """Format ``record``, check it is one line, and return the parsed JSON."""
    line = formatter.format(record)
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


class TestUnescape:
    def test_quotes(self) -> None:
        """A user agent like curl/"8" comes back exactly as sent."""
        assert access.unescape('curl/\\"8\\"') == 'curl/"8"'

    def test_backslash_quote_in_original(self) -> None:
        """A value that really contained backslash-quote survives the round trip."""
        original = 'a\\"b\\\\"c\\'
        assert access.unescape(SafeAtoms({"a": original})["a"]) == original

    def test_without_quotes_unchanged(self) -> None:
        """Backslashes without quotes are left alone."""
        assert access.unescape("C:\\path\\n") == "C:\\path\\n"

    @given(st.text())
    def test_inverts_gunicorn_escaping(self, original: str) -> None:
        """unescape inverts gunicorn's SafeAtoms escaping for every string."""
        assert access.unescape(SafeAtoms({"a": original})["a"]) == original


class TestGunicornFields:
    def test_typed_fields_from_real_atoms(self) -> None:
        """gunicorn's own atoms give every typed field with its JSON type."""
        data = emit(JsonFormatter(), access_record(gunicorn_atoms()))
        assert {key: data[key] for key in TYPED_KEYS - {"http.request.header.referer"}} == {
            "http.request.method": "GET",
            "url.path": "/items/7",
            "url.query": "page=2",
            "network.protocol.version": "1.1",
            "http.response.status_code": 200,
            "http.response.body.size": 12,
            "client.address": "192.0.2.10",
            "user_agent.original": 'curl/"8"',
            "duration_ms": 1002.345,
        }

    def test_message_is_the_configured_access_line(self) -> None:
        """The message is gunicorn's rendered access line, escaping included."""
        atoms = gunicorn_atoms()
        data = emit(JsonFormatter(), access_record(atoms))
        assert data["message"] == GUNICORN_FORMAT % atoms
        assert '"curl/\\"8\\""' in data["message"]

    def test_custom_access_format(self) -> None:
        """A custom --access-logformat changes the message, not the typed fields."""
        data = emit(JsonFormatter(), access_record(gunicorn_atoms(), msg="%(m)s %(U)s -> %(s)s"))
        assert data["message"] == "GET /items/7 -> 200"
        assert data["http.response.status_code"] == 200

    def test_no_atom_or_environ_object_leaks(self) -> None:
        """Only the typed fields are added: no raw atoms, args or environ objects."""
        data = emit(JsonFormatter(), access_record(gunicorn_atoms()))
        assert set(data) == {"message"} | TYPED_KEYS - {"http.request.header.referer"}

    def test_referer(self) -> None:
        """The Referer header becomes http.request.header.referer, un-escaped."""
        headers = [("REFERER", 'https://a.test/"x"')]
        data = emit(JsonFormatter(), access_record(gunicorn_atoms(headers=headers)))
        assert data["http.request.header.referer"] == 'https://a.test/"x"'
        assert "user_agent.original" not in data

    def test_dash_header_kept(self) -> None:
        """A user agent that really is "-" is kept; a missing one is left out."""
        data = emit(JsonFormatter(), access_record(gunicorn_atoms(headers=[("USER-AGENT", "-")])))
        assert data["user_agent.original"] == "-"

    def test_unknown_size(self) -> None:
        """With no size known (b is '-'), the body size is left out."""
        data = emit(JsonFormatter(), access_record(gunicorn_atoms(sent=None)))
        assert "http.response.body.size" not in data

    def test_size_from_b_when_B_missing(self) -> None:
        """A hand-made atoms mapping with only b still gives an integer size."""
        data = emit(JsonFormatter(), access_record({"b": "42", "s": 201}))
        assert data["http.response.body.size"] == 42
        assert data["http.response.status_code"] == 201

    @pytest.mark.parametrize("status", [1000, -1, 2**64, "9999 Big"])
    def test_status_out_of_range_left_out(self, status: Any) -> None:
        """A status outside 0-999 is left out rather than written as a number or string."""
        assert access.gunicorn_fields({"s": status}) == {}

    def test_bad_status_left_out(self) -> None:
        """A status that is not a number is left out, and the record is still written."""
        data = emit(JsonFormatter(), access_record({"s": "abc", "m": "GET", "B": True}))
        assert "http.response.status_code" not in data
        assert "http.response.body.size" not in data
        assert data["http.request.method"] == "GET"

    @pytest.mark.parametrize(
        ("atoms", "expected"),
        [
            ({"L": "0.250000", "M": 9}, 250.0),
            ({"L": "oops", "M": 9}, 9.0),
            ({"T": 2}, 2000.0),
            ({"D": True, "T": 1}, 1000.0),
            ({"D": "7"}, None),
        ],
        ids=["L", "M", "T", "bool-D", "none"],
    )
    def test_duration_fallbacks(self, atoms: dict[str, Any], expected: float | None) -> None:
        """Without D, the duration comes from L, then M, then T, in milliseconds."""
        assert access.gunicorn_fields(atoms).get("duration_ms") == expected

    def test_configured_headers_and_environ(self) -> None:
        """Chosen request/response headers and environ keys are added by name."""
        formatter = JsonFormatter(
            access_request_headers=["X-Request-ID", "x-absent"],
            access_response_headers=["x-cache"],
            access_environ=["REMOTE_USER", "wsgi.input"],
        )
        atoms = gunicorn_atoms(environ={"REMOTE_USER": 'ada "l"'})
        data = emit(formatter, access_record(atoms))
        assert data["http.request.header.x-request-id"] == "r-1"
        assert data["http.response.header.x-cache"] == "HIT"
        assert data["wsgi.environ.REMOTE_USER"] == 'ada "l"'
        assert data["wsgi.environ.wsgi.input"].startswith("<_io.BytesIO object")
        assert "http.request.header.x-absent" not in data

    def test_non_string_environ_header_value(self) -> None:
        """A header atom that is not a string is written as its text."""
        fields = access.gunicorn_fields({"{x-n}i": 5, "{x-o}o": object()}, request_headers=["x-n"])
        assert fields == {"http.request.header.x-n": 5}

    def test_wsgi_latin1_redecoded_as_utf8(self) -> None:
        """UTF-8 bytes carried as WSGI latin-1 text come out as the client's text."""
        sent = "café ☕".encode().decode("latin-1")
        data = emit(JsonFormatter(), access_record(gunicorn_atoms(headers=[("USER-AGENT", sent)])))
        assert data["user_agent.original"] == "café ☕"

    def test_invalid_utf8_kept_as_latin1(self) -> None:
        """Bytes that are not UTF-8 keep their latin-1 reading."""
        data = emit(
            JsonFormatter(), access_record(gunicorn_atoms(headers=[("USER-AGENT", "\xe9t\xe9")]))
        )
        assert data["user_agent.original"] == "\xe9t\xe9"

    def test_plain_dict_not_unescaped(self) -> None:
        """A plain dict logged by hand was never escaped, so it is taken as is."""
        data = emit(JsonFormatter(), access_record({"a": 'x\\"y', "s": "200"}))
        assert data["user_agent.original"] == 'x\\"y'

    def test_dict_subclass_learned_once(self) -> None:
        """A dict subclass that is not gunicorn's SafeAtoms is not un-escaped."""

        class Atoms(dict[str, Any]):
            pass

        assert access.is_escaped(Atoms()) is False
        assert access.is_escaped(SafeAtoms({})) is True

    def test_protocol_other_than_http(self) -> None:
        """A protocol string without the HTTP/ prefix is kept whole."""
        assert access.gunicorn_fields({"H": "SPDY"}) == {"network.protocol.version": "SPDY"}


class TestUvicornFields:
    def test_tuple_fields(self) -> None:
        """uvicorn's 5-tuple gives the same field names as gunicorn."""
        args = ("127.0.0.1:52814", "POST", "/a%20b?x=1&y=%22", "1.1", 201)
        data = emit(JsonFormatter(), access_record(args, "uvicorn.access", UVICORN_FORMAT))
        assert data == {
            "message": '127.0.0.1:52814 - "POST /a%20b?x=1&y=%22 HTTP/1.1" 201',
            "client.address": "127.0.0.1",
            "client.port": 52814,
            "http.request.method": "POST",
            "url.path": "/a%20b",
            "url.query": "x=1&y=%22",
            "network.protocol.version": "1.1",
            "http.response.status_code": 201,
        }

    @pytest.mark.parametrize(
        ("client", "expected"),
        [
            ("::1:8080", {"client.address": "::1", "client.port": 8080}),
            ("", {}),
            ("unix-socket", {"client.address": "unix-socket"}),
        ],
        ids=["ipv6", "unknown", "no-port"],
    )
    def test_client_address(self, client: str, expected: dict[str, Any]) -> None:
        """The client "host:port" splits at its last colon; an empty one is left out."""
        fields = access.uvicorn_fields((client, "GET", "/", "1.1", 200))
        assert {k: v for k, v in fields.items() if k.startswith("client.")} == expected

    def test_odd_items(self) -> None:
        """Items of unexpected types are left out rather than failing."""
        assert access.uvicorn_fields((None, None, None, None, "x")) == {}

    def test_color_message_dropped(self) -> None:
        """uvicorn's ANSI color_message extra never reaches the output."""
        record = access_record(
            ("1.2.3.4:5", "GET", "/", "1.1", 200), "uvicorn.access", UVICORN_FORMAT
        )
        record.color_message = "\x1b[1mGET / HTTP/1.1\x1b[0m"
        assert "color_message" not in emit(JsonFormatter(), record)

    def test_color_message_dropped_on_any_logger(self) -> None:
        """color_message is dropped from uvicorn.error records too (it is dropped everywhere)."""
        record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "up", (), None)
        record.color_message = "\x1b[1mup\x1b[0m"
        assert emit(JsonFormatter(), record) == {"message": "up"}


class TestRecognition:
    def test_other_logger_untouched(self) -> None:
        """A mapping-args record on another logger gets no access fields."""
        record = access_record({"s": "200", "m": "GET"}, name="app", msg="%(m)s %(s)s")
        assert emit(JsonFormatter(), record) == {"message": "GET 200"}

    def test_access_logger_with_other_args(self) -> None:
        """A record on an access logger with another args shape gets no fields."""
        record = access_record(("a", "b"), "uvicorn.access", "%s %s")
        assert emit(JsonFormatter(), record) == {"message": "a b"}

    def test_disabled(self) -> None:
        """access_log=False adds no fields and keeps color_message."""
        record = access_record(
            ("1.2.3.4:5", "GET", "/", "1.1", 200), "uvicorn.access", UVICORN_FORMAT
        )
        record.color_message = "c"
        data = emit(JsonFormatter(access_log=False), record)
        assert data == {"message": '1.2.3.4:5 - "GET / HTTP/1.1" 200', "color_message": "c"}

    def test_custom_logger_names(self) -> None:
        """access_loggers chooses which loggers are read."""
        formatter = JsonFormatter(access_loggers=["proxy.access"])
        args = ("1.2.3.4:5", "GET", "/", "1.1", 200)
        assert (
            emit(formatter, access_record(args, "proxy.access", UVICORN_FORMAT))["url.path"] == "/"
        )
        assert "url.path" not in emit(
            formatter, access_record(args, "uvicorn.access", UVICORN_FORMAT)
        )

    def test_rename_fields(self) -> None:
        """rename_fields renames access fields too."""
        formatter = JsonFormatter(rename_fields={"duration_ms": "took_ms"})
        data = emit(formatter, access_record(gunicorn_atoms()))
        assert data["took_ms"] == 1002.345
        assert "duration_ms" not in data

    def test_processor_failure_keeps_record(self) -> None:
        """An access record whose data cannot be read is still written, with the error."""
        record = access_record(
            ("1.2.3.4:5", "GET", "/", "1.1", 200), "uvicorn.access", UVICORN_FORMAT
        )
        record.__dict__[access.PRESERVED_ATTR] = "garbage"
        data = emit(JsonFormatter(), record)
        assert data["message"] == '1.2.3.4:5 - "GET / HTTP/1.1" 200'
        assert data["access_log_error"].startswith("ValueError")

    def test_fields_of_other_logger_empty(self) -> None:
        """AccessFields.fields reads nothing from a record of another logger."""
        record = access_record(("1.2.3.4:5", "GET", "/", "1.1", 200), "app", UVICORN_FORMAT)
        assert access.AccessFields().fields(record) == {}

    def test_preserved_unknown_kind(self) -> None:
        """Preserved data of an unknown kind adds nothing."""
        record = access_record(("x",), "uvicorn.access", "%s")
        record.__dict__[access.PRESERVED_ATTR] = ("other", {})
        assert emit(JsonFormatter(), record) == {"message": "x"}


class TestPortable:
    def test_gunicorn_atoms_unescaped_and_scalar(self) -> None:
        """Portable gunicorn atoms are un-escaped and hold only picklable scalars."""
        kind, atoms = access.portable(access_record(gunicorn_atoms()))  # type: ignore[misc]
        assert kind == "gunicorn"
        assert atoms["a"] == 'curl/"8"'
        assert all(isinstance(v, str | int | float | type(None)) for v in atoms.values())

    def test_same_fields_as_direct(self) -> None:
        """Fields read from portable data equal the fields read from the live record."""
        processor = access.AccessFields(request_headers=["x-request-id"], environ=["REMOTE_ADDR"])
        live = access_record(gunicorn_atoms())
        moved = access_record("x", msg="%s")
        moved.__dict__[access.PRESERVED_ATTR] = access.portable(live)
        assert access.portable(moved) is moved.__dict__[access.PRESERVED_ATTR]
        assert processor.fields(moved) == processor.fields(live)

    def test_uvicorn_and_other(self) -> None:
        """uvicorn tuples are kept; other args give None."""
        args = ("1.2.3.4:5", "GET", "/", "1.1", 200)
        assert access.portable(access_record(args, "uvicorn.access")) == ("uvicorn", args)
        assert access.portable(access_record(("a",), "uvicorn.access")) is None


class TestConfiguration:
    @pytest.mark.parametrize(
        ("keywords", "error"),
        [
            ({"access_log": "yes"}, TypeError),
            ({"access_request_headers": "x-request-id"}, TypeError),
            ({"access_response_headers": 5}, TypeError),
            ({"access_environ": [""]}, ValueError),
            ({"access_loggers": [None]}, ValueError),
        ],
        ids=["log", "headers-str", "response-int", "environ-empty", "loggers-none"],
    )
    def test_bad_config_rejected(self, keywords: dict[str, Any], error: type[Exception]) -> None:
        """Bad access options fail at construction, naming the parameter."""
        with pytest.raises(error, match=next(iter(keywords))):
            JsonFormatter(**keywords)

    def test_ini_options_through_fileconfig(self, tmp_path: Any) -> None:
        """Access options in an ini file's "$options" reach the formatter via fileConfig."""
        ini = tmp_path / "logging.ini"
        ini.write_text(
            textwrap.dedent(
                """\
                [loggers]
                keys=root,access

                [handlers]
                keys=memory

                [formatters]
                keys=json

                [logger_root]
                level=WARNING
                handlers=

                [logger_access]
                level=INFO
                handlers=memory
                propagate=0
                qualname=gunicorn.access

                [handler_memory]
                class=StreamHandler
                formatter=json
                args=(sys.stderr,)

                [formatter_json]
                class=jsonlog.JsonFormatter
                format={"msg": "%(message)s",
                        "$options": {"access_request_headers": ["X-Request-Id"],
                                     "access_environ": ["REMOTE_USER"]}}
                """
            ),
            encoding="utf-8",
        )
        logging.config.fileConfig(ini, disable_existing_loggers=False)
        logger = logging.getLogger("gunicorn.access")
        try:
            stream = io.StringIO()
            logger.handlers[0].setStream(stream)  # type: ignore[attr-defined]
            logger.info("%(r)s", gunicorn_atoms(environ={"REMOTE_USER": "ada"}))
            data = json.loads(stream.getvalue())
        finally:
            logger.handlers.clear()
            logger.propagate = True
            logger.setLevel(logging.NOTSET)
        assert data["msg"] == "GET /items/7?page=2 HTTP/1.1"
        assert data["http.request.header.x-request-id"] == "r-1"
        assert data["wsgi.environ.REMOTE_USER"] == "ada"


# Header values as gunicorn's parser delivers them: latin-1 text without CR, LF or NUL.
_header_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\r\n\x00", exclude_categories=["Cs"]),
    max_size=200,
)


class TestProperties:
    @given(user_agent=_header_text, request_id=_header_text)
    def test_any_header_value_round_trips(self, user_agent: str, request_id: str) -> None:
        """Any header text the client sent as UTF-8 comes back exactly, in one JSON line."""
        wire = [
            ("USER-AGENT", user_agent.encode().decode("latin-1")),
            ("X-REQUEST-ID", request_id.encode().decode("latin-1")),
        ]
        formatter = JsonFormatter(access_request_headers=["x-request-id"])
        data = emit(formatter, access_record(gunicorn_atoms(headers=wire)))
        assert data.get("user_agent.original", "") == user_agent
        assert data.get("http.request.header.x-request-id", "") == request_id
        assert data["http.response.status_code"] == 200

    @given(
        st.dictionaries(
            st.sampled_from(["h", "m", "U", "q", "H", "s", "B", "b", "a", "f", "D", "L", "M", "T"]),
            st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary()),
        )
    )
    def test_odd_atoms_never_break_the_record(self, atoms: dict[str, Any]) -> None:
        """Atoms of any type give one JSON line with the message, never an error."""
        data = emit(JsonFormatter(), access_record(SafeAtoms(atoms), msg="%(s)s"))
        assert "message" in data
        assert "access_log_error" not in data
        status = data.get("http.response.status_code")
        assert status is None or 0 <= status < 1000
        size = data.get("http.response.body.size")
        assert size is None or (isinstance(size, int) and size >= 0)
