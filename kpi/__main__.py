"""``python -m kpi``: see kpi/cli.py."""

import atexit
import os
import sys

from kpi.cli import run

code = run()
# Leave without the interpreter's final teardown: Arrow's and the store's native thread pools can
# abort the process while they are destroyed ("terminate called without an active exception",
# exit −6, seen once in a test run after all output was written). The exit handlers (the log
# file, the reader's child process) still run, and everything written is flushed first.
atexit._run_exitfuncs()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
