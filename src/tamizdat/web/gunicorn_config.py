"""gunicorn's settings for `tamizdat serve`, which names this module to it with `--config`.

`serve` prepares the release in Django, then replaces itself with gunicorn, giving it the
address, the worker counts and its paths on the command line. This module imports nothing of
Django, so gunicorn's master, which only watches its workers, stays small: before, the master
was the `serve` command itself and held the whole loaded site (about 135 MiB) for nothing.
Each worker loads the site when it starts.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

# `serve --with-worker` names the background worker it started before handing over to gunicorn:
# the worker ends with the server.
TASK_WORKER_PID = "TAMIZDAT_SERVE_TASK_WORKER_PID"
TASK_WORKER_STOP_SECONDS = 10

worker_class = "gthread"
accesslog = "-"
# Method, path without the query, status, bytes, time: never the reader's address, nor a query
# that may hold what they searched for.
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    pid = int(os.environ.get(TASK_WORKER_PID) or 0)
    if not pid:
        return
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + TASK_WORKER_STOP_SECONDS
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.1)
    except (ProcessLookupError, ChildProcessError):
        pass  # it ended already (and gunicorn, reaping its own children, collected it)
