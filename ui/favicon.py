"""The tab icon: our own file, inlined in the page as a data URL. A material icon would be fetched
from fonts.gstatic.com on every page load, a third-party request from a public-sector service; a
file path would be read, hashed and registered as a media file again on every run. The URL is made
here, once per process (app.py runs again on every run and would read the file each time)."""

from __future__ import annotations

import base64
from pathlib import Path

FAVICON = "data:image/png;base64," + base64.b64encode((Path(__file__).resolve().parent / "favicon.png").read_bytes()).decode()
