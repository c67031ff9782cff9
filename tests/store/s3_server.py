"""A local S3-compatible server for the object-storage tests: moto's server, one request at a time.

Run as ``python tests/store/s3_server.py PORT``. moto checks a conditional write
(``If-None-Match: *``, ``If-Match``) and then stores the object as two steps, and its own server
answers requests in threads, so two requests racing for one key could both pass the check. S3
itself makes the check and the write one atomic step; handling one request at a time here gives
the tests that same guarantee, so a test of two importers measures Styrkort, not a race in moto.
It also prints one line per commit file written, with its If-None-Match header.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_app = DomainDispatcherApplication(create_backend_app)
_one_at_a_time = threading.Lock()


def serial(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = str(environ.get("PATH_INFO", ""))
    if environ.get("REQUEST_METHOD") == "PUT" and "/_delta_log/" in path and path.endswith(".json"):
        # For the tests: whether each commit file was written with a condition (If-None-Match: *).
        print(f"commit {path} If-None-Match={environ.get('HTTP_IF_NONE_MATCH', '')}", flush=True)
    with _one_at_a_time:
        return list(_app(environ, start_response))


if __name__ == "__main__":
    run_simple("127.0.0.1", int(sys.argv[1]), serial, threaded=True)
