"""Where the data directory is: one rule for the dashboard and the command line.

``--data`` (the command line's option) beats the environment variable ``STYRKORT_DATA``, which
beats the bundled ``data/`` beside the code. The dashboard has no ``--data``, so it follows
``STYRKORT_DATA`` or the bundled directory; a command run in the same environment therefore reads
and writes the directory the dashboard shows. Before this rule the command line ignored
``STYRKORT_DATA`` and wrote into the checkout's ``data/`` while the app read elsewhere.

The tables themselves may live elsewhere: ``STYRKORT_STORE=s3://bucket/prefix`` puts them in
object storage (``kpi.store.delta.store_for``), while the catalogue, the settings and the cache
stay in the data directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

BUNDLED_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
ENVIRONMENT_VARIABLE = "STYRKORT_DATA"

Origin = Literal["--data", "STYRKORT_DATA", "inbyggd"]


@dataclass(frozen=True)
class DataLocation:
    path: Path
    origin: Origin  # which rule chose it, for messages

    def describe(self) -> str:
        """'/srv/styrkort (från STYRKORT_DATA)', for a Swedish message that says where to look."""
        said = {"--data": "från --data", "STYRKORT_DATA": f"från {ENVIRONMENT_VARIABLE}", "inbyggd": "den medföljande data/"}
        return f"{self.path} ({said[self.origin]})"


def locate(explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> DataLocation:
    """The data directory and which rule chose it: ``explicit`` (``--data``), else ``STYRKORT_DATA``,
    else the bundled ``data/``. An empty or blank value counts as not given, since ``STYRKORT_DATA=``
    in a service file means "unset", not "the current directory"."""
    if explicit is not None and str(explicit).strip():
        return DataLocation(_absolute(explicit), "--data")
    value = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE, "")
    if value.strip():
        return DataLocation(_absolute(value), "STYRKORT_DATA")
    return DataLocation(BUNDLED_DATA_DIR, "inbyggd")


def data_dir(explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The data directory by the rule above (see :func:`locate`)."""
    return locate(explicit, environ).path


def _absolute(value: str | os.PathLike[str]) -> Path:
    # "~" is expanded because a quoted value in a service file or .env is not expanded by a shell.
    # The path is made absolute but symlinks are kept: the store's lock and messages name the
    # directory the way the operator wrote it.
    return Path(os.path.expanduser(os.fspath(value))).absolute()
