"""Every example in examples/ and the README's first example run, and print what they promise."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# Every script; the server apps run as scripts print a demo record, and
# tests/test_servers.py serves them with real gunicorn and uvicorn.
SCRIPTS = sorted(EXAMPLES.rglob("*.py"))


def run_example(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an example as a user would, with this checkout importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_prints_json_lines(path: Path) -> None:
    """The example exits 0; each stdout line starting with { is one JSON object."""
    result = run_example(path)
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert objects, f"{path.name} printed no JSON"
    assert all(isinstance(obj, dict) for obj in objects)


def _readme_block(after: str, lang: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(after)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(text, start)
    assert match, f"no {lang} block after {after!r}"
    return match.group(1)


class TestReadme:
    """The README shows real code and the real output of that code."""

    def test_quickstart_code_is_the_example_file(self) -> None:
        """The README's code block is examples/quickstart.py, verbatim."""
        code = _readme_block("<!-- quickstart -->", "python")
        assert code.strip() in (EXAMPLES / "quickstart.py").read_text()

    def test_quickstart_output_is_what_it_prints(self) -> None:
        """The JSON shown in the README is what the example prints (time aside)."""
        shown = json.loads(_readme_block("<!-- quickstart-output -->", "json"))
        printed = json.loads(run_example(EXAMPLES / "quickstart.py").stdout)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", printed.pop("asctime"))
        shown.pop("asctime")
        assert printed == shown
        assert list(printed) == list(shown)
