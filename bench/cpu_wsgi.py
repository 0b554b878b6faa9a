"""The app as `bench/capacity.py` serves it: ``wsgi:app`` plus a note, per request the load
driver marked with ``X-Bench-Kind``, of the CPU time the app spent on it (this thread's CPU
clock, so the other thread of a gthread worker does not count). One line per request to a file
per worker in ``$CAP_CPU_DIR``; the driver adds them up per kind. Bench only: production serves
``wsgi:app`` itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from wsgi import app as _app

_files: dict[int, IO[str]] = {}


def _log() -> IO[str]:
    pid = os.getpid()
    if pid not in _files:
        _files[pid] = open(  # noqa: SIM115 - kept open for the worker's life
            os.path.join(os.environ["CAP_CPU_DIR"], f"{pid}.log"), "a", buffering=1
        )
    return _files[pid]


def app(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    kind = environ.get("HTTP_X_BENCH_KIND")
    if not kind:
        return _app(environ, start_response)
    started = time.thread_time()
    result = _app(environ, start_response)
    try:
        body = list(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    _log().write(f"{kind}\t{(time.thread_time() - started) * 1000:.3f}\n")
    return body
