"""``import jsonlog`` stays cheap: it loads nothing heavy that logging and orjson do not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("typing", "dateutil", "decimal", "pathlib", "base64", "urllib.parse")

_PROBE = """
import json, sys
import logging, orjson
before = set(sys.modules)
import jsonlog
print(json.dumps(sorted(set(sys.modules) - before)))
"""


class TestImport:
    def test_no_heavy_modules(self) -> None:
        """import jsonlog adds none of the modules that dominate its import time."""
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        ).stdout
        added = json.loads(out)
        assert [name for name in added if name in HEAVY] == []
        assert "jsonlog" in added
