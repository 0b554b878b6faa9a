"""Every rule of the URL map, asked by each role and anonymously: path parameters filled with
hostile values (0, negative, past 64 bits, very long, NUL, bad UTF-8, markup, other scripts'
digits), and the query arguments the views read (found in the source) set to hostile values.
No answer may be a server error, no HTML may carry the markup back unescaped, and no answer but
a static file may be stored by a cache.

Bounded: each rule gets a few path values per role (every value over the six identities), one
request on real objects (the permission matrix's paths) and, for the API, the role's token.
"""

from __future__ import annotations

import random
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from crm.api.tokens import create_token
from crm.audit.forms import AuditFilterForm
from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import csrf_token
from tests.security.conftest import FULL
from tests.test_permissions import MATRIX, objects  # noqa: F401 (a fixture)

IDENTITIES = ["anonymous", "agent", "supervisor", "trainer", "qa", "admin"]
MARKUP = "<i id=x>"
BAD_UTF8 = "%ff%fe"
#: path values, percent-encoded as they travel
PATH_VALUES = [
    str(2**63),
    "0",
    "-1",
    str(2**64),
    str(10**30),
    "x" * 2000,
    "%00",
    BAD_UTF8,
    quote(MARKUP),
    quote("١٢"),
    quote("²"),
    "1.5",
    quote("../../etc/passwd", safe=""),
]
#: path values per rule and identity (six identities cover every value), and requests on real
#: objects per rule; `make security` (CRM_SECURITY_FULL=1) tries every value and more queries
PER_IDENTITY = len(PATH_VALUES) if FULL else 2
REAL_ROUNDS = 6 if FULL else 1
#: for any query argument (NUL is not among them: any NUL refuses the whole request, 400, and
#: one path value tries that)
GENERIC = [
    "",
    "0",
    "-1",
    str(2**63),
    str(2**64),
    str(10**30),
    "9" * 5000,
    "x" * 3000,
    quote(MARKUP),
    BAD_UTF8,
    quote("²"),
    quote("١"),
    quote("²³⁴⁵⁶"),
    quote("١٢٣٤٥٦٧٨"),
    quote(" 1"),
    "1e309",
    "NaN",
]
#: shaped like what the argument expects, but out of range or malformed
SHAPED = {
    ("month",): ["9999-12", "0001-01", "2026-13", "1999-12", "99999-01"],
    ("quarter",): ["2026Q0", "2026Q5", "9999Q4", "0001Q1", "1999Q1"],
    ("start", "end", "period", "date_from", "date_to", "day"): [
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "1999-12-31",
    ],
    ("after", "before", "cursor"): [
        f"9999-12-31|{2**63}",
        "2026-01-01|-1",
        f"0001-01-01T00:00:00|{10**30}",
        "x|1",
        "|",
        f"{2**63}|{2**63}",
    ],
    ("page",): [str(2**63), str(10**30), "-5"],
    ("mode",): ["month", "quarter", "range"],
    ("format",): ["csv", "xlsx", "pdf"],
    ("next",): ["//evil.example", "javascript:alert(1)"],
}
#: values every argument gets at once, in one GET per rule: any argument echoed as markup, or
#: read as an id without a bound, shows on every view that reads it
EVERY_ARGUMENT = [quote(MARKUP), str(2**63)] if FULL else [quote(MARKUP)]
ARG_PATTERNS = (
    r"args\.get\(\s*\"(\w+)\"",
    r"args\[\s*\"(\w+)\"\s*\]",
    r"(?:arg_id|_int_arg|_arg)\(\s*\"(\w+)\"",
)
#: forms bound to the query string, whose fields are arguments too
QUERY_FORMS = (AuditFilterForm,)
#: API path ids filled with real objects, by parameter name
API_OBJECTS = {"customer_id": "customer", "case_id": "case", "task_id": "task"}


def query_arguments() -> list[str]:
    """The query-string arguments any view reads, found in the application's source."""
    source = "\n".join(p.read_text() for p in Path("crm").rglob("*.py"))
    names = {name for pattern in ARG_PATTERNS for name in re.findall(pattern, source)}
    for form in QUERY_FORMS:
        names |= {k for k, v in vars(form).items() if isinstance(v, UnboundField)}
    return sorted(names)


ARGUMENTS = query_arguments()


def hostile_query(rng: random.Random) -> str:
    """Some of the arguments, each with a hostile value (already percent-encoded)."""
    pairs = []
    for name in ARGUMENTS:
        if rng.random() < 0.5:
            shaped = next((v for names, v in SHAPED.items() if name in names), [])
            pairs.append(f"{name}={rng.choice([*shaped, *shaped, *GENERIC])}")
    return "&".join(pairs)


class Probe(NamedTuple):
    endpoint: str
    method: str
    url: str


def probes(app: Flask, identity: int, real: dict[str, int]) -> Iterator[Probe]:
    """The requests for one identity: hostile path values for every rule with parameters, and
    each rule once more on real objects (or bare), all with hostile query arguments."""
    rng = random.Random(f"route-fuzz-{identity}")  # noqa: S311 (repeatable, not secret)
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: _position(rule.endpoint))
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.arguments:
                offset = identity * PER_IDENTITY % len(PATH_VALUES)
                values = {PATH_VALUES[0], *(PATH_VALUES * 2)[offset : offset + PER_IDENTITY]}
                for value in sorted(values):
                    path = re.sub(r"<[^>]+>", value, rule.rule)
                    yield Probe(rule.endpoint, method, f"{path}?{hostile_query(rng)}")
            path = _real_path(rule.rule, rule.endpoint, method, real)
            # The hostile arguments first: a view reads the first of repeated arguments.
            path, _sep, real_query = path.partition("?")
            queries = [hostile_query(rng) for _round in range(REAL_ROUNDS)]
            if method == "GET":
                queries += ["&".join(f"{name}={v}" for name in ARGUMENTS) for v in EVERY_ARGUMENT]
            for query in queries:
                yield Probe(rule.endpoint, method, f"{path}?{query}&{real_query}")


def _position(endpoint: str) -> int:
    """The permission matrix's order (deleting a customer comes last), then the API."""
    order = [key[0] for key in MATRIX]
    return order.index(endpoint) if endpoint in order else len(order)


def _real_path(rule: str, endpoint: str, method: str, real: dict[str, int]) -> str:
    if (endpoint, method) in MATRIX:
        return MATRIX[endpoint, method].path.format(**real)
    if endpoint == "static":
        return "/static/css/app.css"
    return re.sub(r"<int:(\w+)>", lambda m: str(real[API_OBJECTS[m.group(1)]]), rule)


def _send(client: FlaskClient, probe: Probe, csrf: str, token: str | None) -> list:
    """The answer, and the page a redirect leads to: a message flashed with the redirect
    (a refused value, say) is shown there."""
    path, _sep, query = probe.url.partition("?")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if probe.method == "GET":
        # Buffered: a file sent from disk is read and closed at once.
        response = client.get(path, query_string=query, headers=headers, buffered=True)
    elif path.startswith("/api/"):
        response = client.open(
            path, method=probe.method, query_string=query, headers=headers, json={}
        )
    else:
        response = client.open(
            path, method=probe.method, query_string=query, data={"csrf_token": csrf}
        )
    location = response.headers.get("Location", "")
    # Not to the sign-in page: anonymous requests all end there, and it shows nothing of theirs.
    redirected = response.status_code in (301, 302, 303, 307, 308)
    if redirected and location.startswith("/") and not location.startswith("/login"):
        return [response, client.get(location)]
    return [response]


def _faults(response, probe: Probe) -> list[str]:
    faults = []
    body = response.get_data()  # also runs a streamed export to its end, inside its request
    if response.status_code >= 500:
        faults.append(f"{response.status_code}")
    if response.mimetype == "text/html" and MARKUP.encode() in body:
        faults.append("markup echoed")
    # Static files (also where a redirect such as /favicon.ico leads) are fingerprinted and kept.
    static = probe.endpoint == "static" or response.request.path.startswith("/static/")
    kept = static and response.status_code in (200, 304)
    if not kept and response.headers.get("Cache-Control") != "no-store":
        faults.append(f"Cache-Control {response.headers.get('Cache-Control')!r}")
    return faults


def _where(error: Exception) -> str:
    """The application's innermost line the error passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/crm/" in f.filename] or frames
    return f"{ours[-1].filename.rsplit('/crm/', 1)[-1]}:{ours[-1].lineno}"


def _sign_in(app: Flask, client: FlaskClient, login_as, role: str) -> str | None:
    """Sign the client in as a new user with ``role``; returns that user's API token."""
    user = login_as(role)
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.id == user.id))
        raw = create_token(actor=owner, name="fuzz", now=utcnow())[1]
        db.session.commit()
    return raw


@pytest.mark.parametrize("identity", range(len(IDENTITIES)), ids=IDENTITIES)
def test_no_route_fails_on_hostile_values(app, client, login_as, objects, identity) -> None:  # noqa: F811
    token = None
    if IDENTITIES[identity] != "anonymous":
        token = _sign_in(app, client, login_as, IDENTITIES[identity])
    csrf = csrf_token(client, "/login" if token is None else "/account")
    asked, failures = set(), []
    for probe in probes(app, identity, objects):
        if probe.endpoint == "auth.logout" and token is not None:
            continue  # signing out would end the session the rest of the walk needs
        asked.add((probe.endpoint, probe.method))
        try:
            faults = [
                fault
                for response in _send(client, probe, csrf, token)
                for fault in _faults(response, probe)
            ]
        except Exception as error:  # the test app lets errors through
            faults = [f"{error!r:.200} at {_where(error)}"]
        failures += [(probe.endpoint, probe.method, fault, probe.url[:160]) for fault in faults]
    every = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert asked | {("auth.logout", "POST")} == every
    assert not failures, "\n".join(" ".join(failure) for failure in failures)
