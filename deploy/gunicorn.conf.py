"""gunicorn settings for production: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

Workers follow the machine: two per core plus one, as many as memory allows at about 300 MB
each (a worker holds ~200 MB once warm, more while it writes an export). Override any of it
without editing this file, e.g. ``GUNICORN_CMD_ARGS="--workers 8"`` in the service's
environment; the command line wins over both.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

#: memory set aside per worker (README, "Production": measured RSS plus headroom)
WORKER_BUDGET_BYTES = 300 * 1024 * 1024


def _cores() -> int:
    # The cores this process may run on (a container or a cgroup may allow fewer than exist).
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _memory_bytes() -> int:
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def worker_count(cores: int, memory_bytes: int) -> int:
    """Two workers per core plus one, fewer if memory would run short, never below two (one
    worker busy with a slow export must not make everyone wait)."""
    return max(2, min(2 * cores + 1, memory_bytes // WORKER_BUDGET_BYTES))


# nginx on the same host forwards here (deploy/nginx/crm.conf, upstream crm_app). With nginx
# on another host, bind the private address and name nginx in forwarded_allow_ips too.
bind = "127.0.0.1:8000"
workers = worker_count(_cores(), _memory_bytes())
# Two threads per worker: a request waiting on the database does not hold up the next one.
worker_class = "gthread"
threads = 2
# A worker silent this long is hung and is replaced; long exports stream, so they keep it alive.
timeout = 60
graceful_timeout = 30
# nginx keeps connections to the upstream open (keepalive 16); close idle ones after this.
keepalive = 5
# Recycle workers now and then, so a slow leak cannot grow for weeks; jittered, so that they do
# not all restart at once.
max_requests = 5000
max_requests_jitter = 500
# gunicorn trusts X-Forwarded-Proto from these addresses only; the app itself reads the client
# address and scheme through ProxyFix with CRM_TRUSTED_PROXIES=1 (one nginx in front).
forwarded_allow_ips = "127.0.0.1,::1"
# To the journal (systemd): errors, and one access line per request with its request id (nginx's,
# or one the app made: crm/logs.py).
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'


def on_starting(_server: Any) -> None:
    """/metrics adds up the request figures of every worker from files in one directory
    (prometheus_client's multiprocess mode, crm/metrics.py). The master makes it before any
    worker starts, so every worker inherits it; a reload keeps it, so counts go on rising.
    Set ``PROMETHEUS_MULTIPROC_DIR`` to choose it: it is emptied at start, as the figures of an
    earlier master's workers would otherwise be added in."""
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if chosen:
        for stale in Path(chosen).glob("*.db"):
            stale.unlink()
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="crm-metrics-")
        os.environ["CRM_METRICS_DIR_MADE"] = "1"


def on_exit(_server: Any) -> None:
    if os.environ.get("CRM_METRICS_DIR_MADE"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
