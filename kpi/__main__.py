"""``python -m kpi``: see kpi/cli.py."""

from kpi.cli import run

raise SystemExit(run())
