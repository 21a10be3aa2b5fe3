"""Run the log viewer: ``python -m jsonlog``."""

from jsonlog.cli import main

raise SystemExit(main())
