"""The floor the hot paths are measured against: the least a Flask route can do under the same
gunicorn settings, with and without one indexed query through the sqlite3 module."""

from __future__ import annotations

import os
import random
import sqlite3
import threading

from flask import Flask

app = Flask(__name__)
DATABASE = os.environ["FLOOR_SQLITE"]
TOP_ID = int(os.environ.get("FLOOR_TOP_ID", "1000"))
_local = threading.local()


def _connection() -> sqlite3.Connection:
    if not hasattr(_local, "connection"):
        _local.connection = sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)
    return _local.connection


@app.get("/const")
def constant() -> str:
    return "ok"


@app.get("/sql")
def indexed_query() -> str:
    row = (
        _connection()
        .execute(
            "SELECT id, name, company FROM customers WHERE id = ?",
            (random.randint(1, TOP_ID),),
        )
        .fetchone()
    )
    return repr(row)
