"""Read the fields to emit from a format string or a JSON template, once.

A format string in any of logging's styles (``%``, ``{``, ``$``) or
python-json-logger's ``,`` style selects fields by name; a JSON object used as
the format is a *template*: its keys are output keys and its values are
placeholders, literal values or nested templates. Either way the result is a
:class:`FieldPlan`, compiled in ``__init__`` into one function that builds the
record's dict without re-parsing anything per record.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import string
from collections.abc import Callable, Mapping, Sequence

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


__all__ = ["OPTIONS_KEY", "FieldPlan", "compile_builder", "parse_fields", "parse_template"]

OPTIONS_KEY = "$options"
"""Key of a JSON template whose value holds formatter options (for ini files)."""

STYLES = ("%", "{", "$", ",")

# Placeholders, by style. Names follow python-json-logger's permissive rules.
# Kept as source and compiled on first use by re's own cache: compiling them
# here would be most of the cost of ``import jsonlog``.
_PERCENT_FIELD = r"%\((?P<name>[^)]+)\)"
_PERCENT_WHOLE = r"(?i)%\((?P<name>\w+)\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa]\Z"
_TEMPLATE_FIELD = r"(?i)\$(?:\$|\{(?P<braced>[^}]+)\}|(?P<named>[_a-z][_a-z0-9]*))"
_BRACE_BASE = r"[^.\[]+"

Getter = str
"""Python source of an expression reading one field (see :func:`compile_builder`)."""


def parse_fields(fmt: str, style: str) -> list[str]:
    """Return the field names a format string uses, in order, without repeats.

    ``%(name)-8s``, ``{name:>8}``, ``{name!r}``, ``$name`` and ``${name}``
    all select ``name``.
    """
    if style == ",":
        names = [part.strip() for part in fmt.split(",")]
    elif style == "%":
        names = [match.group("name") for match in re.finditer(_PERCENT_FIELD, fmt)]
    elif style == "$":
        names = [
            match.group("braced") or match.group("named")
            for match in re.finditer(_TEMPLATE_FIELD, fmt)
        ]
    else:
        names = [_brace_base(spec) for _, spec, _, _ in string.Formatter().parse(fmt) if spec]
    return list(dict.fromkeys(name for name in names if name))


def _brace_base(spec: str) -> str:
    # "{name.attr}" and "{name[0]}" read the field "name".
    match = re.match(_BRACE_BASE, spec)
    return match.group() if match else spec


def _whole_placeholder(text: str, style: str) -> str | None:
    """Return the field name if ``text`` is exactly one placeholder, else None."""
    if style == "%":
        match = re.match(_PERCENT_WHOLE, text)
        return match.group("name") if match else None
    if style == "$":
        match = re.fullmatch(_TEMPLATE_FIELD, text)
        return (match.group("braced") or match.group("named")) if match else None
    parts = list(string.Formatter().parse(text))  # validated by template_fields
    if len(parts) == 1 and parts[0][0] == "" and parts[0][1]:
        return _brace_base(parts[0][1])
    return None


def looks_like_template(fmt: object) -> bool:
    """Tell whether ``fmt`` is meant as a JSON template (a JSON object)."""
    return isinstance(fmt, str) and fmt.lstrip().startswith("{")


def parse_template(fmt: str, style: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Return ``(template, options)`` if ``fmt`` is a JSON object, else None.

    For the ``%`` and ``$`` styles a format that starts with ``{`` but is not
    valid JSON is an error; for ``{`` it is an ordinary format string.
    """
    try:
        parsed = json.loads(fmt)
    except ValueError as error:
        if style == "{":
            return None
        raise ValueError(f"fmt looks like a JSON template but is not valid JSON: {error}") from None
    # json.loads of text starting with "{" is a dict or an error.
    options = parsed.pop(OPTIONS_KEY, {})
    if not isinstance(options, dict):
        raise TypeError(f"{OPTIONS_KEY!r} in the fmt template must be a JSON object")
    return parsed, options


class FieldPlan:
    """What a formatter emits before extras, decided once from its format.

    ``fields`` are the record fields the format reads (python-json-logger's
    ``_required_fields``); ``template`` is the output shape when the format
    is a JSON template, else ``None`` (one key per field, renamed);
    ``placed`` names ``exc_info``/``stack_info`` when the template puts them.
    """

    # A plain class: @dataclass would cost a third of import jsonlog's time.
    __slots__ = ("fields", "placed", "style", "template")

    def __init__(
        self,
        fields: list[str],
        template: dict[str, Any] | None = None,
        style: str = "%",
        placed: set[str] | None = None,
    ) -> None:
        self.fields = fields
        self.template = template
        self.style = style
        self.placed = placed if placed is not None else set()


def template_fields(template: Mapping[str, Any], style: str) -> list[str]:
    """Return the record fields a template reads, in order, validating it."""
    names: list[str] = []
    for value in template.values():
        if isinstance(value, dict):
            names.extend(template_fields(value, style))
        elif isinstance(value, str):
            names.extend(_checked_fields(value, style))
    return list(dict.fromkeys(names))


def _checked_fields(text: str, style: str) -> list[str]:
    """Return the fields of one template string, with a clear error if it is malformed."""
    try:
        if style == "%" and re.search(_PERCENT_FIELD, text):
            logging.PercentStyle(text).validate()
        return parse_fields(text, style)
    except ValueError as error:
        raise ValueError(f"fmt template value {text!r}: {error}") from None


class _Source:
    """Accumulates the generated function's source and its constants."""

    def __init__(self, style: str, defaults: Mapping[str, Any]) -> None:
        # defaults: values for fields the record lacks.
        self.style = style
        self.defaults = defaults
        self.constants: dict[str, Any] = {}

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def field(self, name: str) -> Getter:
        if name in ("exc_info", "stack_info"):
            # Formatted text, computed by the formatter only when present.
            return f"m.get({name!r})"
        if name in self.defaults:
            return f"d.get({name!r}, {self.constant(self.defaults[name])})"
        return f"d.get({name!r})"

    def value(self, template_value: Any) -> str:
        if isinstance(template_value, dict):
            return self.mapping(template_value.items())
        if isinstance(template_value, str):
            return self.string(template_value)
        if isinstance(template_value, list):
            return f"_deepcopy({self.constant(template_value)})"
        return repr(template_value)  # int, float, bool, None: immutable literals

    def string(self, text: str) -> str:
        whole = _whole_placeholder(text, self.style)
        if whole is not None:
            return self.field(whole)
        names = parse_fields(text, self.style)
        if not names:
            return repr(text)
        values = ", ".join(f"{name!r}: {self.field(name)}" for name in names)
        return f"_interpolate({text!r}, {{{values}}})"

    def mapping(self, items: Any) -> str:
        return "{" + ", ".join(f"{key!r}: {self.value(value)}" for key, value in items) + "}"


Builder = Callable[[dict[str, "Any"], dict[str, "Any"]], dict[str, "Any"]]


def compile_builder(
    plan: FieldPlan,
    *,
    defaults: Mapping[str, Any],
    placeholder_defaults: Mapping[str, Any],
    rename: Callable[[str], str],
    static_fields: Mapping[str, Any],
) -> Builder:
    """Return ``build(d, m)`` making the dict of defaults, format fields and static fields.

    ``d`` is the record's ``__dict__`` and ``m`` the message dict (holding the
    formatted ``exc_info`` and ``stack_info``). Keys come out in
    python-json-logger's order: ``defaults`` (emitted as keys), the format's
    fields, static fields. ``placeholder_defaults`` fill fields the record
    lacks.
    """
    source = _Source(plan.style, placeholder_defaults)
    items: list[tuple[str, str]] = [
        (rename(name), source.constant(value)) for name, value in defaults.items()
    ]
    if plan.template is None:
        items += [(rename(name), source.field(name)) for name in plan.fields]
    else:
        items += [(key, source.value(value)) for key, value in plan.template.items()]
    items += [(rename(key), source.constant(value)) for key, value in static_fields.items()]
    body = "{" + ", ".join(f"{key!r}: {expr}" for key, expr in items) + "}"
    namespace: dict[str, Any] = {
        "_deepcopy": copy.deepcopy,
        "_interpolate": _interpolator(plan.style),
        **source.constants,
    }
    exec(f"def build(d, m):\n    return {body}\n", namespace)  # noqa: S102 - keys and names are repr()-quoted
    builder: Builder = namespace["build"]
    return builder


def _interpolator(style: str) -> Callable[[str, dict[str, Any]], str]:
    """Return the function that renders a mixed text-and-placeholder string."""

    def interpolate(text: str, values: dict[str, Any]) -> str:
        try:
            if style == "%":
                return text % values
            if style == "$":
                return string.Template(text).safe_substitute(values)
            return text.format_map(values)
        except Exception:
            # A value that does not fit its conversion (None for %d, say):
            # render every placeholder with str() instead of losing the text.
            return _interpolate_loosely(text, values, style)

    return interpolate


_LOOSE_PLACEHOLDER = {
    "%": r"(?i)%\((\w+)\)[#0+ -]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-z]",
    "{": r"\{([^{}!:.\[]+)[^{}]*\}",
    "$": r"\$\{?(\w+)\}?",
}


def _interpolate_loosely(text: str, values: Mapping[str, Any], style: str) -> str:
    pattern = re.compile(_LOOSE_PLACEHOLDER[style])  # cached by re
    return pattern.sub(lambda match: str(values.get(match.group(1))), text)


def without_options(fmt: str | Sequence[str] | None) -> str:
    """Return a template format with its ``$options`` removed."""
    template = json.loads(str(fmt))
    template.pop(OPTIONS_KEY, None)
    return json.dumps(template)


def parse_fmt(fmt: str | Sequence[str] | None, style: str) -> tuple[FieldPlan, dict[str, Any]]:
    """Return the field plan of a format and any options embedded in its template."""
    if fmt is None:
        return FieldPlan(["message"], style=style), {}
    if not isinstance(fmt, str):
        return FieldPlan(list(dict.fromkeys(fmt)), style=style), {}
    if looks_like_template(fmt):
        parsed = parse_template(fmt, style)
        if parsed is not None:
            template, options = parsed
            names = template_fields(template, style)
            placed: set[str] = {name for name in ("exc_info", "stack_info") if name in names}
            return FieldPlan(names, template, style, placed), options
    return FieldPlan(parse_fields(fmt, style), style=style), {}
