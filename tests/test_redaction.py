"""Tests for jsonlog.redaction: key names, paths and value patterns."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import io
import json
import logging
import logging.config
import re
import types
from collections import OrderedDict, namedtuple
from pathlib import Path
from typing import Any

import pytest
from conftest import load_ini_formatter
from hypothesis import given, settings
from hypothesis import strategies as st

from jsonlog import JsonFormatter, context, encoders, redaction
from jsonlog.formatter import RESERVED_ATTRS
from jsonlog.redaction import DEFAULT_CENSOR, DEFAULT_KEYS, Redactor

SECRET = "s3cr3t-VALUE-7f1c"
Creds = namedtuple("Creds", "user password")


def make_record(msg: Any = "hello", **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


def emit(formatter: JsonFormatter, msg: Any = "hello", **extra: Any) -> dict[str, Any]:
    return json.loads(formatter.format(make_record(msg, **extra)))


class TestKeys:
    @pytest.mark.parametrize(
        "key",
        [
            "password",
            "PASSWORD",
            "Passwd",
            "api_key",
            "API-KEY",
            "apiKey",
            "X-Api-Key",
            "Authorization",
            "Set-Cookie",
            "cookie",
            "session",
            "session_id",
            "private_key",
            "db_password",
            "accessToken",
            "client_secret",
            "http.request.header.authorization",
            "http.response.header.set-cookie",
        ],
    )
    def test_default_keys(self, key: str) -> None:
        """Listed names match whatever their case, separators or prefix."""
        data = emit(JsonFormatter(redact=True), **{key: SECRET})
        assert data[key] == DEFAULT_CENSOR

    @pytest.mark.parametrize(
        "key", ["user", "max_tokens", "token_count", "passenger", "compass", "author"]
    )
    def test_harmless_keys_kept(self, key: str) -> None:
        """Keys that merely contain a listed word are kept."""
        assert emit(JsonFormatter(redact=True), **{key: "v"})[key] == "v"

    def test_nested_dicts_and_lists(self) -> None:
        """Secrets are found at any depth of dicts and lists; other values are kept."""
        data = emit(
            JsonFormatter(redact=True),
            payload={"users": [{"name": "ada", "password": SECRET}], "token": {"a": 1}},
        )
        assert data["payload"] == {
            "users": [{"name": "ada", "password": DEFAULT_CENSOR}],
            "token": DEFAULT_CENSOR,
        }

    def test_caller_objects_untouched(self) -> None:
        """The caller's extra, nested dicts and lists are not modified."""
        payload = {"users": [{"name": "ada", "password": SECRET}], "t": ("Bearer abcdef",)}
        before = copy.deepcopy(payload)
        emit(JsonFormatter(redact=True), payload=payload)
        assert payload == before

    def test_dict_message_untouched(self) -> None:
        """A dict message is redacted in the output and left whole for the caller."""
        message = {"event": "login", "auth": {"password": SECRET}}
        data = emit(JsonFormatter(redact=True), msg=message)
        assert data["auth"] == {"password": DEFAULT_CENSOR}
        assert message["auth"] == {"password": SECRET}

    def test_nothing_to_redact_keeps_objects(self) -> None:
        """With nothing to redact, nested values are returned as the same objects."""
        redactor = Redactor()
        value = {"a": [1, {"b": "text"}], "c": ("x",)}
        assert redactor.redact(value) is value

    def test_remove_with_censor_none(self) -> None:
        """censor=None removes redacted keys at the top and nested."""
        data = emit(JsonFormatter(redact=True, censor=None), password=SECRET, user={"token": 1})
        assert "password" not in data
        assert data["user"] == {}

    def test_custom_censor(self) -> None:
        """The censor text is configurable."""
        assert emit(JsonFormatter(redact=True, censor="***"), password=SECRET)["password"] == "***"

    def test_extra_keys_added_to_defaults(self) -> None:
        """A list of names adds to the default list."""
        data = emit(JsonFormatter(redact=["ssn"]), ssn="123", password=SECRET, sub_ssn="9")
        assert data["ssn"] == data["password"] == data["sub_ssn"] == DEFAULT_CENSOR

    def test_defaults_off(self) -> None:
        """defaults=False redacts only the names given."""
        data = emit(JsonFormatter(redact={"keys": ["pin"], "defaults": False}), pin=1, password=2)
        assert data == {"message": "hello", "pin": DEFAULT_CENSOR, "password": 2}

    def test_no_keys_at_all(self) -> None:
        """With defaults off and no names, no key is redacted."""
        redactor = Redactor(defaults=False)
        assert redactor.is_secret_key("password") is False

    def test_context_fields_redacted(self) -> None:
        """Bound context fields are redacted like extras."""
        with context.bound(session_id=SECRET):
            assert emit(JsonFormatter(redact=True))["session_id"] == DEFAULT_CENSOR

    def test_preset_output_redacted(self) -> None:
        """Redaction runs after the preset, so nested header fields are caught."""
        data = emit(
            JsonFormatter(preset="ecs", redact=True),
            **{"http.request.header.authorization": "Bearer abc", "http.request.method": "GET"},
        )
        assert data["http"]["request"] == {
            "header": {"authorization": DEFAULT_CENSOR},
            "method": "GET",
        }

    def test_mapping_subclass_and_non_str_keys(self) -> None:
        """Other mappings are redacted into dicts; non-string keys are kept."""
        value = OrderedDict([("password", SECRET), (1, "one")])
        assert Redactor().redact(value) == {"password": DEFAULT_CENSOR, 1: "one"}

    def test_cache_is_bounded(self) -> None:
        """The key-name cache is cleared when it grows past its bound."""
        redactor = Redactor()
        for index in range(5000):
            redactor.is_secret_key(f"k{index}")
        assert len(redactor._cache) <= 4096

    def test_deep_nesting_is_censored(self) -> None:
        """Values nested beyond the walk depth are replaced, never passed through."""
        value: Any = {"password": SECRET}
        for _ in range(150):
            value = {"n": value}
        assert SECRET not in json.dumps(Redactor().redact(value))
        listed: Any = [SECRET]
        for _ in range(150):
            listed = [listed]
        assert "too deep" in json.dumps(Redactor().redact(listed))

    def test_other_objects_kept(self) -> None:
        """Values that are not containers or strings are left to the encoder."""
        marker = object()
        assert Redactor().redact(marker) is marker
        assert Redactor().redact(None) is None

    def test_str_subclass(self) -> None:
        """A str subclass is scanned as text."""

        class Text(str):
            pass

        assert Redactor().redact(Text("Bearer abcdefgh")) == f"Bearer {DEFAULT_CENSOR}"


class TestPatterns:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Authorization: Bearer eyJhbGciOi.x-y_z", f"Authorization: Bearer {DEFAULT_CENSOR}"),
            ("bearer abc", f"bearer {DEFAULT_CENSOR}"),
            ("Basic dXNlcjpwYXNzd29yZA==", f"Basic {DEFAULT_CENSOR}"),
            ("get https://bob:hunter2@db.local/x", f"get https://{DEFAULT_CENSOR}@db.local/x"),
            ("postgres://u:p@h:5432/d", f"postgres://{DEFAULT_CENSOR}@h:5432/d"),
            ("redis://:s3cr3t@cache:6379/0", f"redis://{DEFAULT_CENSOR}@cache:6379/0"),
            ("postgres://app:p@ss@db/x", f"postgres://{DEFAULT_CENSOR}@db/x"),
            ("https://ghp_abc123@github.com/o/r", f"https://{DEFAULT_CENSOR}@github.com/o/r"),
            ("https://u:p@h/?to=a@b.c", f"https://{DEFAULT_CENSOR}@h/?to=a@b.c"),
            ("https://example.com/a@b", "https://example.com/a@b"),
            ("https://example.com?to=a@b.c#x@y", "https://example.com?to=a@b.c#x@y"),
            ("see http://example.com, mail bob@x.com", "see http://example.com, mail bob@x.com"),
            (
                "GET /cb?code=1&access_token=abc&p=2",
                f"GET /cb?code=1&access_token={DEFAULT_CENSOR}&p=2",
            ),
            ("login user=ada password=hunter2 ok", f"login user=ada password={DEFAULT_CENSOR} ok"),
            ("x Api-Key=K1;y=2", f"x Api-Key={DEFAULT_CENSOR};y=2"),
            ("csrftoken=abc,next", f"csrftoken={DEFAULT_CENSOR},next"),
            ("author=bob&a=b", "author=bob&a=b"),
            ("token= (empty)", "token= (empty)"),
            ("plain text", "plain text"),
            ("https://example.com/path", "https://example.com/path"),
            ("basic idea", "basic idea"),
        ],
    )
    def test_default_patterns(self, text: str, expected: str) -> None:
        """Bearer tokens, Basic credentials and a URL's user and password are censored in text."""
        assert emit(JsonFormatter(redact=True), msg=text)["message"] == expected

    def test_user_pattern(self) -> None:
        """A user regular expression is censored wherever it matches."""
        formatter = JsonFormatter(redact_patterns=[r"\b\d{4}-\d{4}-\d{4}-\d{4}\b"])
        data = emit(formatter, msg="card 1234-5678-9012-3456 ok", note=["x 1111-2222-3333-4444"])
        assert data["message"] == f"card {DEFAULT_CENSOR} ok"
        assert data["note"] == [f"x {DEFAULT_CENSOR}"]

    def test_compiled_pattern_and_censor_none(self) -> None:
        """Compiled patterns work; with censor=None matches get the default censor."""
        formatter = JsonFormatter(redact_patterns=[re.compile("sk_live_\\w+")], censor=None)
        assert emit(formatter, msg="key sk_live_abc")["message"] == f"key {DEFAULT_CENSOR}"

    def test_censor_with_backslash(self) -> None:
        """A censor text with backslashes is written literally."""
        formatter = JsonFormatter(redact=True, censor=r"\1\g<0>")
        assert emit(formatter, msg="Bearer abc")["message"] == r"Bearer \1\g<0>"

    def test_patterns_off_with_defaults_off(self) -> None:
        """defaults=False also turns off the default value patterns."""
        formatter = JsonFormatter(redact={"defaults": False, "keys": ["x"]})
        assert emit(formatter, msg="Bearer abc")["message"] == "Bearer abc"


class TestPaths:
    def test_dotted_path(self) -> None:
        """A dotted path redacts that value only."""
        data = emit(JsonFormatter(redact_paths=["user.email"]), user={"email": "a@b", "id": 1})
        assert data["user"] == {"email": DEFAULT_CENSOR, "id": 1}

    def test_path_through_lists_and_wildcard(self) -> None:
        """Lists are looked through and * matches any key."""
        users = [{"card": {"number": "4111", "brand": "visa"}}, "plain"]
        formatter = JsonFormatter(redact_paths=["users.*.number"])
        data = emit(formatter, users=users)
        assert data["users"] == [{"card": {"number": DEFAULT_CENSOR, "brand": "visa"}}, "plain"]
        assert users[0] == {"card": {"number": "4111", "brand": "visa"}}

    def test_wildcard_last_segment(self) -> None:
        """A path ending in * redacts every value of that object."""
        data = emit(JsonFormatter(redact_paths=["card.*"]), card={"number": 1, "cvc2": 2})
        assert data["card"] == {"number": DEFAULT_CENSOR, "cvc2": DEFAULT_CENSOR}

    def test_dotted_key_matches_path(self) -> None:
        """A flat dotted key (as access-log fields are) matches the same path."""
        formatter = JsonFormatter(redact_paths=["http.request.header.x-user"])
        data = emit(formatter, **{"http.request.header.x-user": "ada"})
        assert data["http.request.header.x-user"] == DEFAULT_CENSOR

    def test_path_removes_with_censor_none(self) -> None:
        """censor=None removes the key a path names."""
        data = emit(JsonFormatter(redact_paths=["user.email"], censor=None), user={"email": "e"})
        assert data["user"] == {}

    def test_missing_path_keeps_data(self) -> None:
        """A path that matches nothing changes nothing."""
        user = {"id": 1}
        data = emit(JsonFormatter(redact_paths=["user.email", "user.id.x"]), user=user)
        assert data["user"] == {"id": 1}

    def test_path_in_preset_shape(self) -> None:
        """Paths name the output shape, after the preset."""
        formatter = JsonFormatter(preset="ecs", redact_paths=["client.ip"])
        data = emit(formatter, **{"client.address": "1.2.3.4"})
        assert data["client"] == {"address": "1.2.3.4", "ip": DEFAULT_CENSOR}

    def test_deep_path_stops(self) -> None:
        """A path walk stops at the depth bound instead of recursing without end."""
        value: Any = []
        value.append(value)
        redactor = Redactor(paths=["a"])
        assert redactor._path(value, ("a",), 0) is not None


class TestEncoderMode:
    def test_wraps_encoder(self) -> None:
        """The formatter redacts through its encoder, not a processor, by default."""
        formatter = JsonFormatter(redact=True)
        assert isinstance(formatter.encoder, redaction.RedactingEncoder)

    def test_subclass_gets_processor(self) -> None:
        """A subclass that encodes by itself gets the redactor as a processor."""

        class Custom(JsonFormatter):
            def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
                return json.dumps(log_data)

        formatter = Custom(redact=True)
        assert not isinstance(formatter.encoder, redaction.RedactingEncoder)
        assert emit(formatter, password=SECRET)["password"] == DEFAULT_CENSOR

    def test_subclass_redacts_inside_objects(self) -> None:
        """With the redactor as a processor, secrets inside dataclasses are found too."""

        @dataclasses.dataclass
        class Login:
            user: str
            password: str

        class Custom(JsonFormatter):
            def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
                return super().jsonify_log_record(log_data)

        data = emit(Custom(redact=True), login=Login("ada", SECRET))
        assert data["login"] == {"user": "ada", "password": DEFAULT_CENSOR}

    @pytest.mark.parametrize(
        "value",
        [
            Creds("ada", SECRET),
            types.SimpleNamespace(user="ada", password=SECRET),
        ],
        ids=["namedtuple", "SimpleNamespace"],
    )
    def test_secret_inside_named_fields(self, value: Any) -> None:
        """Named tuples and namespaces are objects of named fields: their keys are redacted."""
        line = JsonFormatter(redact=True).format(make_record(creds=value))
        assert SECRET not in line
        assert json.loads(line)["creds"] == {"user": "ada", "password": DEFAULT_CENSOR}

    def test_secret_inside_dataclass(self) -> None:
        """Secrets inside objects the encoder turns into dicts are found too."""

        @dataclasses.dataclass
        class Login:
            user: str
            password: str

        data = emit(JsonFormatter(redact=True), login=Login("ada", SECRET))
        assert data["login"] == {"user": "ada", "password": DEFAULT_CENSOR}

    def test_false_alarm_keeps_line(self) -> None:
        """A line that only looks suspicious is written unchanged."""
        formatter = JsonFormatter(redact=True)
        record = make_record("a basic idea", session_count=3)
        assert formatter.format(record) == JsonFormatter().format(record)

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    def test_both_encoders(self, encoder: str) -> None:
        """Text and bytes encoders are both searched."""
        formatter = JsonFormatter(redact=True, encoder=encoder)
        data = emit(formatter, msg="x Bearer abc", nested={"Api-Key": SECRET})
        assert data["message"] == f"x Bearer {DEFAULT_CENSOR}"
        assert data["nested"] == {"Api-Key": DEFAULT_CENSOR}

    def test_paths_walk_every_record(self) -> None:
        """With paths the data is walked even when the line looks harmless."""
        data = emit(JsonFormatter(redact_paths=["user.name"]), user={"name": "ada"})
        assert data["user"] == {"name": DEFAULT_CENSOR}

    def test_empty_key_list_trigger(self) -> None:
        """With no key names at all the key search never fires."""
        redactor = Redactor(defaults=False)
        assert redactor.key_trigger == rb"(?!)"
        formatter = JsonFormatter(redact=redactor)
        assert emit(formatter, password="p")["password"] == "p"


class TestExactCheck:
    """The check on the encoded line never lets through what the walk would redact."""

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    @pytest.mark.parametrize("indent", [None, 2, 4])
    @pytest.mark.parametrize(
        "key",
        ["DB_PassWord", "X-Api-Key", "accessToken", "Set-Cookie", "x.AUTHORIZATION", 'a"password'],
    )
    def test_key_spellings_in_nested_lists(
        self, encoder: str, indent: int | None, key: str
    ) -> None:
        """Mixed case, '-', camelCase ends and escaped quotes are found deep in lists."""
        formatter = JsonFormatter(redact=True, encoder=encoder, json_indent=indent)
        data = emit(formatter, items=[[{"ok": 1}, {key: SECRET}]])
        assert data["items"] == [[{"ok": 1}, {key: DEFAULT_CENSOR}]]

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    def test_kelvin_sign_key(self, encoder: str) -> None:
        """A key spelled with the Kelvin sign (lowercased to 'k') is a secret key."""
        record = make_record()
        record.__dict__["to\u212aen"] = SECRET  # not a keyword: NFKC would make it "token"
        data = json.loads(JsonFormatter(redact=True, encoder=encoder).format(record))
        assert data["to\u212aen"] == DEFAULT_CENSOR

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    def test_non_ascii_listed_key(self, encoder: str) -> None:
        """A non-ASCII listed name matches its uppercase spelling."""
        formatter = JsonFormatter(redact=["пароль"], encoder=encoder)
        assert emit(formatter, nested={"ПАРОЛЬ": SECRET})["nested"] == {"ПАРОЛЬ": DEFAULT_CENSOR}

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    def test_long_s_in_basic(self, encoder: str) -> None:
        """'Ba\u017fic' (long s) matches the Basic pattern, as the text pattern says."""
        data = emit(JsonFormatter(redact=True, encoder=encoder), msg="Ba\u017fic dXNlcjpwYXNz")
        assert data["message"] == f"Ba\u017fic {DEFAULT_CENSOR}"

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    @pytest.mark.parametrize("letter", ["\u0131", "\u0130"])
    def test_dotless_and_dotted_i_in_basic(self, encoder: str, letter: str) -> None:
        """'Bas\u0131c' and 'Bas\u0130c' match the Basic pattern (re.I folds both to 'i')."""
        formatter = JsonFormatter(redact=True, encoder=encoder)
        data = emit(formatter, msg=f"Bas{letter}c dXNlcjpwYXNz", city="Z\u00fcrich")
        assert data["message"] == f"Bas{letter}c {DEFAULT_CENSOR}"

    @pytest.mark.parametrize(
        "options", [{"encoder": "json"}, {"encoder": "orjson"}, {"json_ensure_ascii": True}]
    )
    def test_harmless_escapes_keep_the_line(
        self, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Escaped non-ASCII and control characters cannot spell a secret: no redacted copy."""
        copies: list[Any] = []
        redacted = redaction.RedactingEncoder._redacted

        def counted(self: redaction.RedactingEncoder, data: dict[str, Any]) -> Any:
            copies.append(data)
            return redacted(self, data)

        monkeypatch.setattr(redaction.RedactingEncoder, "_redacted", counted)
        formatter = JsonFormatter(redact=True, **options)
        record = make_record("caf\u00e9 \x1b[1mready\x1b[0m", city="Z\u00fcrich", n={"ü": 1})
        assert formatter.format(record) == JsonFormatter(**options).format(record)
        assert copies == []
        data = emit(formatter, msg="\u00e9 Bearer abc", n={"\u00e9_Token": SECRET})
        assert data["message"] == f"\u00e9 Bearer {DEFAULT_CENSOR}"
        assert data["n"] == {"\u00e9_Token": DEFAULT_CENSOR}
        assert len(copies) == 1

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    def test_non_ascii_listed_key_beside_escapes(self, encoder: str) -> None:
        """A non-ASCII listed name is found even in a line whose other text json escapes."""
        formatter = JsonFormatter(redact=["contrase\u00f1a"], encoder=encoder)
        data = emit(formatter, msg="caf\u00e9", form={"Contrase\u00d1a": SECRET})
        assert data["form"] == {"Contrase\u00d1a": DEFAULT_CENSOR}

    @pytest.mark.parametrize("encoder", ["orjson", "json"])
    def test_parameter_in_nested_and_flat_records(self, encoder: str) -> None:
        """A name=value parameter is found in a record with nesting and in one without."""
        formatter = JsonFormatter(redact=True, encoder=encoder)
        nested = emit(formatter, tags=["a"], url="/cb?Access_Token=abc&p=1")
        assert nested["url"] == f"/cb?Access_Token={DEFAULT_CENSOR}&p=1"
        flat = emit(formatter, url="/cb?API-KEY=abc")
        assert flat["url"] == f"/cb?API-KEY={DEFAULT_CENSOR}"

    def test_mixed_case_bearer_in_nested_list(self) -> None:
        """'bEaReR' in a string inside nested lists is found."""
        data = emit(JsonFormatter(redact=True), deep=[["x", ["bEaReR tok123"]]])
        assert data["deep"] == [["x", [f"bEaReR {DEFAULT_CENSOR}"]]]

    def test_escaped_slashes(self) -> None:
        """A serializer writing '\\/' cannot hide URL credentials."""

        def slashes(data: Any, **options: Any) -> str:
            return json.dumps(data, **options).replace("/", "\\/")

        formatter = JsonFormatter(redact=True, json_serializer=slashes)
        data = emit(formatter, url="https://bob:hunter2@db.local/x")
        assert data["url"] == f"https://{DEFAULT_CENSOR}@db.local/x"

    def test_non_str_key(self) -> None:
        """A non-str key is checked as the text it is written as."""
        formatter = JsonFormatter(redact=["5"])
        assert emit(formatter, nested={5: SECRET, 6: "x"})["nested"] == {
            "5": DEFAULT_CENSOR,
            "6": "x",
        }

    def test_user_serializer_keys(self) -> None:
        """With a user serializer keys are checked on the data, at every depth."""

        def spaced(data: Any, **options: Any) -> str:
            return json.dumps(data, separators=(",", " : "), **options)

        formatter = JsonFormatter(redact=True, json_serializer=spaced)
        data = emit(formatter, n={"Token": SECRET}, m=[{"id": 1}], t=(1, 2))
        assert data["n"] == {"Token": DEFAULT_CENSOR}
        assert data["m"] == [{"id": 1}]

    def test_object_values_are_walked(self) -> None:
        """A value that may encode as an object is walked when keys are checked on the data."""

        def plain(data: Any, **options: Any) -> str:
            return json.dumps(data, **options)

        formatter = JsonFormatter(redact=True, json_serializer=plain)
        data = emit(formatter, when=OrderedDict(secret=SECRET), l=[["x"]])
        assert data["when"] == {"secret": DEFAULT_CENSOR}

    def test_known_keys_and_scalars_kept(self) -> None:
        """Known harmless keys and scalar objects keep the line unchanged, twice over."""

        def plain(data: Any, **options: Any) -> str:
            return json.dumps(data, **options)

        formatter = JsonFormatter(redact=True, json_serializer=plain)
        record = make_record("hé", user={"id": 1, "tags": ["a"]}, at=datetime.date(2026, 1, 2))
        plain_formatter = JsonFormatter(json_serializer=plain)
        assert formatter.format(record) == plain_formatter.format(record)
        assert formatter.format(record) == plain_formatter.format(record)

    def test_keys_on_data_without_patterns(self) -> None:
        """Without the default patterns, keys checked on the data are all that is checked."""

        def plain(data: Any, **options: Any) -> str:
            return json.dumps(data, **options)

        formatter = JsonFormatter(
            redact={"defaults": False, "keys": ["pin"]}, json_serializer=plain
        )
        data = emit(formatter, msg="Bearer abc", n={"m": {"PIN": 1}})
        assert data["n"] == {"m": {"PIN": DEFAULT_CENSOR}}
        record = make_record("Bearer abc", ok={"x": [2]})
        assert formatter.format(record) == JsonFormatter(json_serializer=plain).format(record)

    def test_listed_name_json_escapes(self) -> None:
        """A listed name with a quote is checked on the data, not searched in the text."""
        formatter = JsonFormatter(redact=['my"key'])
        data = emit(formatter, n={'MY"KEY': SECRET}, ok={"x": 1})
        assert data["n"] == {'MY"KEY': DEFAULT_CENSOR}
        record = make_record("hello", ok={"x": 1})
        assert formatter.format(record) == JsonFormatter().format(record)

    def test_text_keys_without_patterns(self) -> None:
        """With text keys and no default patterns, a harmless line is kept as it is."""
        formatter = JsonFormatter(redact={"defaults": False, "keys": ["pin"]}, encoder="json")
        record = make_record("Bearer abc", n={"x": 1})
        assert formatter.format(record) == JsonFormatter(encoder="json").format(record)
        assert emit(formatter, n={"Pin": 1})["n"] == {"Pin": DEFAULT_CENSOR}

    @pytest.mark.parametrize(
        ("extra", "expected"),
        [
            ({"Api-Key": SECRET}, {"Api-Key": DEFAULT_CENSOR}),
            ({"note": f"BEARER {SECRET}"}, {"note": f"BEARER {DEFAULT_CENSOR}"}),
            ({"note": "x bAsIc dXNlcjpwYXNz"}, {"note": f"x bAsIc {DEFAULT_CENSOR}"}),
            ({"url": "ftp://u:pw@h"}, {"url": f"ftp://{DEFAULT_CENSOR}@h"}),
            ({"note": "by Bob, basically"}, {"note": "by Bob, basically"}),
        ],
    )
    def test_flat_records(self, extra: dict[str, Any], expected: dict[str, Any]) -> None:
        """A record with nothing nested is checked on its own keys and its text."""
        data = emit(JsonFormatter(redact=True), **extra)
        assert {key: data[key] for key in expected} == expected

    def test_flat_records_without_patterns(self) -> None:
        """Without the default patterns a flat record is checked on its keys only."""
        formatter = JsonFormatter(redact={"defaults": False, "keys": ["pin"]})
        record = make_record("Bearer abc", n=1)
        assert formatter.format(record) == JsonFormatter().format(record)
        assert emit(formatter, PIN=1)["PIN"] == DEFAULT_CENSOR

    def test_harmless_key_cache_is_bounded(self) -> None:
        """The set of keys known harmless is cleared when full."""
        encoder = redaction.RedactingEncoder(
            encoders.JsonEncoder(serializer=json.dumps), Redactor(), encoders.default
        )
        for index in range(redaction._CACHE_SIZE + 10):
            encoder({f"k{index}": 1})
        assert len(encoder._safe) < redaction._CACHE_SIZE


class TestLastResort:
    """Records that fail on the way out are still redacted."""

    def test_failing_encoder(self) -> None:
        """An encoder that always raises falls back to orjson, still through redaction."""

        def broken(data: dict[str, Any]) -> str:
            raise RuntimeError("encoder bug")

        data = emit(JsonFormatter(encoder=broken, redact=True), password="hunter2")
        assert data["password"] == DEFAULT_CENSOR

    def test_failing_hook(self) -> None:
        """The minimal record written when a hook raises has its message redacted."""

        class Broken(JsonFormatter):
            def add_fields(self, log_data: Any, record: Any, message_dict: Any) -> None:
                raise RuntimeError("hook bug")

        line = Broken(redact=True).format(make_record("sent Authorization: Bearer abc.def.ghi"))
        assert "abc.def.ghi" not in line
        assert json.loads(line)["format_error"] == "RuntimeError: hook bug"

    def test_default_censor_is_the_formatter_default(self) -> None:
        """JsonFormatter's censor default is redaction's DEFAULT_CENSOR."""
        assert JsonFormatter.__init__.__kwdefaults__["censor"] == DEFAULT_CENSOR


class TestWithLimits:
    """Redaction sees every value whole: size limits cut after it, never before."""

    def test_url_cut_after_redaction(self) -> None:
        """A URL whose '@' falls past the cut still has its password censored."""
        formatter = JsonFormatter(redact=True, max_message_length=30)
        line = formatter.format(make_record("connecting postgres://app:s3cr3tpassword@db/x"))
        assert "s3cr" not in line
        assert json.loads(line)["message"].startswith("connecting postgres://[REDACTE")

    def test_user_pattern_before_string_cut(self) -> None:
        """A card number a string cap would cut is matched by the user's pattern first."""
        formatter = JsonFormatter(redact_patterns=[r"\b\d{16}\b"], max_string_length=12)
        data = emit(formatter, card="4111222233334444")
        assert data["card"] == DEFAULT_CENSOR
        assert "truncated" not in data

    @settings(max_examples=100, deadline=None)
    @given(
        password=st.text(alphabet="abcdefXYZ0123456789._-!", min_size=6, max_size=20),
        cut=st.integers(min_value=1, max_value=60),
    )
    def test_url_password_never_leaks_whatever_the_cut(self, password: str, cut: int) -> None:
        """No cut of the message lets a URL's password through, whole or in part."""
        formatter = JsonFormatter(redact=True, max_message_length=cut)
        line = formatter.format(make_record(f"db at postgres://app:{password}@db.local/x"))
        assert password[:6] not in json.loads(line)["message"]

    def test_line_limit_with_secret_key(self) -> None:
        """Over max_line_bytes, a secret key's value is censored, not cut."""
        formatter = JsonFormatter(redact=True, max_line_bytes=256)
        data = emit(formatter, password="p" * 400, note="n" * 400)
        assert data["password"] == DEFAULT_CENSOR
        assert "note" in data["truncated"]


class TestConfig:
    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"redact": "password"}, TypeError, "redact must be"),
            ({"redact": {"keys": "password"}}, TypeError, "list of strings"),
            ({"redact": {"keys": [1]}}, TypeError, "list of strings"),
            ({"redact": {"colour": 1}}, ValueError, "options must be among"),
            ({"redact": False, "redact_paths": ["a"]}, ValueError, "contradicts"),
            ({"redact_patterns": ["("]}, ValueError, "invalid regular expression"),
            ({"redact_patterns": [3]}, TypeError, "regular expressions"),
            ({"redact_paths": ["a..b"]}, ValueError, "dotted key paths"),
            ({"redact": True, "censor": 3}, TypeError, "censor"),
            ({"redact_patterns": "secret"}, TypeError, "redact_patterns must be a list"),
            ({"redact_paths": "user"}, TypeError, "redact_paths must be a list"),
            ({"redact": {"patterns": "secret"}}, TypeError, r'redact\["patterns"\] must be'),
            ({"redact": {"paths": "user.pw"}}, TypeError, r'redact\["paths"\] must be'),
            ({"censor": "***"}, ValueError, "no effect without redaction"),
            ({"redact": False, "censor": None}, ValueError, "no effect without redaction"),
        ],
    )
    def test_bad_config(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Bad redaction options are refused at construction, naming the option."""
        with pytest.raises(error, match=match):
            JsonFormatter(**kwargs)

    def test_off_by_default(self) -> None:
        """Without a redaction keyword nothing is redacted."""
        assert emit(JsonFormatter(), password="p")["password"] == "p"

    def test_false_is_off(self) -> None:
        """redact=False gives no redactor."""
        assert redaction.from_options(False, None, None, DEFAULT_CENSOR) is None

    def test_redactor_instance(self) -> None:
        """A Redactor instance is used as it is."""
        redactor = Redactor(keys=["pin"], defaults=False)
        assert redaction.from_options(redactor, None, None, None) is redactor
        formatter = JsonFormatter(redact=redactor)
        assert isinstance(formatter.encoder, redaction.RedactingEncoder)
        assert emit(formatter, pin=1)["pin"] == DEFAULT_CENSOR

    def test_dict_options(self) -> None:
        """A dict of options reaches the Redactor, censor and paths included."""
        formatter = JsonFormatter(redact={"censor": "#", "paths": ["a.b"], "patterns": ["x+"]})
        data = emit(formatter, a={"b": 1}, msg="axxb")
        assert data["a"] == {"b": "#"}
        assert data["message"] == "a#b"

    def test_file_config(self, tmp_path: Path) -> None:
        """Redaction options reach the formatter from an ini file through $options."""
        options = {
            "redact": ["pin"],
            "redact_paths": ["user.email"],
            "redact_patterns": [r"\d{4}-\d{4}"],
            "censor": "<hidden>",
        }
        fmt = json.dumps({"message": "%(message)s", "$options": options})
        stream = load_ini_formatter(tmp_path, fmt)
        logging.getLogger("x").info(
            "card 1234-5678",
            extra={"pin": 1, "password": "p", "user": {"email": "e", "id": 2}},
        )
        data = json.loads(stream.getvalue())
        assert data == {
            "message": "card <hidden>",
            "pin": "<hidden>",
            "password": "<hidden>",
            "user": {"email": "<hidden>", "id": 2},
        }

    def test_dict_config(self) -> None:
        """dictConfig passes the redaction keywords."""
        stream = io.StringIO()
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {
                    "json": {"()": "jsonlog.JsonFormatter", "redact": True, "censor": None}
                },
                "handlers": {
                    "out": {"class": "logging.StreamHandler", "formatter": "json", "stream": stream}
                },
                "root": {"handlers": ["out"], "level": "INFO"},
            }
        )
        logging.getLogger("y").info("m", extra={"token": "t", "keep": 1})
        assert json.loads(stream.getvalue()) == {"message": "m", "keep": 1}


# -- properties -----------------------------------------------------------------

_VARIANTS = st.sampled_from(sorted(DEFAULT_KEYS)).flatmap(
    lambda key: st.sampled_from(
        [key, key.upper(), key.replace("_", "-"), key.title(), f"db_{key}", f"x.{key}"]
    )
)
_PLAIN_KEYS = st.text(alphabet="abcdefghij", min_size=1, max_size=6).filter(
    lambda key: key not in RESERVED_ATTRS
)
_LEAVES = st.one_of(st.integers(), st.text(alphabet="xyz ", max_size=8), st.none())


def _secret_trees() -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(_PLAIN_KEYS, children, max_size=3),
            st.dictionaries(_VARIANTS, st.just(SECRET) | children, min_size=1, max_size=2),
        )

    return st.recursive(_LEAVES, extend, max_leaves=12)


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(
        extras=st.dictionaries(_PLAIN_KEYS | _VARIANTS, _secret_trees(), max_size=4),
        encoder=st.sampled_from(["orjson", "json"]),
    )
    def test_default_key_values_never_leak(self, extras: dict[str, Any], encoder: str) -> None:
        """No value under a default-listed key appears in the output, at any depth."""
        extras = {key: value for key, value in extras.items() if key not in RESERVED_ATTRS}
        for key in list(extras):
            if Redactor().is_secret_key(key):
                extras[key] = SECRET
        before = copy.deepcopy(extras)
        for preset in (None, "ecs", "otel"):
            formatter = JsonFormatter(redact=True, preset=preset, encoder=encoder)
            line = formatter.format(make_record(**extras))
            assert SECRET not in line
            json.loads(line)
        assert extras == before

    @settings(max_examples=100, deadline=None)
    @given(secret=st.text(alphabet="abcdefXYZ0123456789._-", min_size=1, max_size=20))
    def test_bearer_token_never_leaks(self, secret: str) -> None:
        """Whatever the token, 'Bearer <token>' text never carries it."""
        token = f"tok{secret}"
        line = JsonFormatter(redact=True).format(make_record(f"auth Bearer {token} done"))
        assert token not in line


_TRICKY_KEYS = _VARIANTS | st.sampled_from(
    [
        "accessToken",
        "ok",
        "to\u212aen",
        "T\u00f6ken",
        "\u00e9_Token",
        "Token\u00e9",
        'x"secret',
        "a\\b",
        "Basic",
        "id",
    ]
)
# Letters of the key names and pattern words, the four non-ASCII characters
# that match or lowercase to an ASCII letter, and harmless non-ASCII ones
# (json.dumps escapes both kinds).
_TRICKY_ALPHABET = 'bBeEaArRsSiIcC:/ \u017f\u0131\u0130\u212a\u00e9\u00fc"\\x'
_TRICKY_TEXT = (
    st.text(alphabet=_TRICKY_ALPHABET, max_size=14)
    | st.sampled_from(
        [
            "Bearer abcdef",
            "bAsIc dXNlcjpwYXNz",
            "https://u:p@h",
            "ba\u017fic QWxhZGRpbjpv",
            "?access_token=abc",
            "u=a&Api-Key=k",
            "a=b&c=d",
            "coo\u212aie=x",
            "PASSWORD=\u00e9",
        ]
    )
    | st.builds("".join, st.lists(st.sampled_from(["tok", "en", "=", "&", "?", "x", " ", "TOKEN"])))
)
_TRICKY = st.recursive(
    st.one_of(_TRICKY_TEXT, st.integers(-(2**63), 2**63 - 1), st.none()),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(_TRICKY_KEYS | _PLAIN_KEYS, children, max_size=3)
    ),
    max_leaves=10,
)
_ENCODERS = [
    encoders.OrjsonEncoder(),
    encoders.OrjsonEncoder(indent=2),
    encoders.OrjsonEncoder(ensure_ascii=True),
    encoders.JsonEncoder(),
    encoders.JsonEncoder(indent=2, ensure_ascii=False),
    encoders.JsonEncoder(serializer=json.dumps),
]


class TestExactProperty:
    @settings(max_examples=300, deadline=None)
    @given(
        data=st.dictionaries(_TRICKY_KEYS | _PLAIN_KEYS, _TRICKY | _TRICKY_TEXT, max_size=4),
        encoder=st.sampled_from(_ENCODERS),
    )
    def test_check_agrees_with_walk(self, data: dict[str, Any], encoder: Any) -> None:
        """The encoder writes what redacting every record would write."""
        redactor = Redactor()
        walked = encoder(redactor.redact_all(encoders.sanitize(data, encoders.default)))
        checking = redaction.RedactingEncoder(encoder, redactor, encoders.default)
        assert json.loads(checking(data)) == json.loads(walked)
        if checking.dumps is not None:  # the formatter's direct call
            assert json.loads(checking.dumps(data)) == json.loads(walked)
