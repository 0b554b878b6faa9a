"""Where each database connection of the test process was opened, so that a PostgreSQL connection
garbage-collected while still open can be traced to the test and code that opened it.

psycopg's ResourceWarning names only the connection's address, and it is raised by whichever
later test happens to be running when the collector runs. The address is unique while the
connection lives, so the latest connection opened at that address is the one collected: its
test and the project's frames on the way to opening it are listed after the run.
"""

from __future__ import annotations

import re
import traceback

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

_ADDRESS = re.compile(r"<psycopg\.Connection object at (0x[0-9a-f]+)>")
_opened: dict[int, str] = {}
_collected_open: list[str] = []
_current_test = ["(no test running)"]


def _project_frames() -> str:
    frames = [
        f"    {frame.filename.split('/work/', 1)[-1]}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_stack()[:-2]
        if not any(part in frame.filename for part in ("/site-packages/", "/lib/python", "/.venv/"))
    ]
    return "\n".join(frames[-8:])


@event.listens_for(Pool, "connect")
def _remember_origin(dbapi_connection: object, _record: object) -> None:
    _opened[id(dbapi_connection)] = f"{_current_test[0]}\n{_project_frames()}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current_test[0] = item.nodeid


def pytest_warning_recorded(warning_message: object, when: str, nodeid: str) -> None:
    match = _ADDRESS.search(str(getattr(warning_message, "message", "")))
    if match:
        origin = _opened.get(int(match[1], 16), "(opened outside a pool: origin unknown)")
        _collected_open.append(f"collected during {nodeid or when}; opened in {origin}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _collected_open:
        terminalreporter.section("database connections collected while still open")
        for line in _collected_open:
            terminalreporter.write_line(line)
