"""Real security tools against this code and the running app on loopback: bandit over the
source, pip-audit over the pinned requirements, sqlmap against the search, filter and sort
parameters of a signed-in session."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crm.api.tokens import create_token
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import POSTGRES_URL, LiveServer, login
from tests.factories import make_customer, make_user
from tests.security.conftest import FULL

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own tools with fixed arguments
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


#: bandit and pip-audit read the code and the requirements, never the database: the SQLite run
#: does them, and the PostgreSQL run beside it would only repeat the same answer
READS_NO_DATABASE = pytest.mark.skipif(
    POSTGRES_URL is not None, reason="reads the code, not the database: the SQLite run does it"
)


def show(tool: str, line: str) -> None:
    """The tool's summary line, in the output of `make security` (pytest -s)."""
    print(f"\n[{tool}] {line}")


@READS_NO_DATABASE
def test_bandit_finds_no_high_severity_issue() -> None:
    result = run(str(BIN / "bandit"), "-r", "crm", "--severity-level", "high", "--format", "txt")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = re.search(
        r"Total issues \(by severity\):\s+Undefined: \d+\s+"
        r"Low: (\d+)\s+Medium: (\d+)\s+High: (\d+)",
        result.stdout,
    )
    assert summary and summary.group(3) == "0", result.stdout
    low, medium, high = summary.groups()
    show(
        "bandit",
        f"Total issues (by severity, high reported): Low: {low} Medium: {medium} High: {high}",
    )


@READS_NO_DATABASE
def test_pip_audit_finds_no_known_vulnerability() -> None:
    result = run(
        str(BIN / "pip-audit"), "-r", "requirements.txt", "--progress-spinner", "off", timeout=300
    )
    output = result.stdout + result.stderr
    if "ConnectionError" in output or "Failed to resolve" in output:
        pytest.skip("the advisory service (PyPI) is not reachable from this machine")
    assert result.returncode == 0, output
    assert "No known vulnerabilities found" in output, output
    unaudited = output.count("could not be audited")
    note = (
        f"; {unaudited} pinned versions are unknown to the advisory service reachable here"
        if unaudited
        else ""
    )
    show("pip-audit", f"No known vulnerabilities found{note}")


#: (path, parameters) a signed-in supervisor's session sends to the search, filters and sorts
SQLMAP_TARGETS = [
    (
        "/customers/?q=13800&tier=key&region=north&tag=vip&owner=1&sort=name",
        "q,tier,region,tag,sort",
    ),
    ("/customers/quick-search?q=13800", "q"),
    ("/cases/queue?state=open&department=service", "state,department"),
    (
        "/admin/audit/?action=auth.login&object_type=user&object_id=1",
        "action,object_type,object_id",
    ),
]


@pytest.fixture
def signed_in_server(app):
    with app.app_context():
        make_user(username="boss", roles=["supervisor", "admin"])
        actor = make_user(username="agent.li", roles=["agent"])
        for number in range(3):
            make_customer(actor=actor, name=f"客户{number}", phones=[f"1380013800{number}"])
        db.session.commit()
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    cookie = client.get_cookie("crm_session").value
    with LiveServer(app) as server:
        yield server.url, cookie


@pytest.mark.skipif(shutil.which("sqlmap", path=str(BIN)) is None, reason="sqlmap not installed")
@pytest.mark.parametrize(("path", "parameters"), SQLMAP_TARGETS)
def test_sqlmap_finds_no_injection(signed_in_server, tmp_path, path, parameters) -> None:
    url, cookie = signed_in_server
    depth = ["--level", "3", "--risk", "2"] if FULL else ["--level", "1", "--risk", "1"]
    techniques = "BEUST" if FULL else "BEU"
    result = run(
        str(BIN / "sqlmap"),
        "-u",
        f"{url}{path}",
        "--cookie",
        f"crm_session={cookie}",
        "-p",
        parameters,
        "--batch",
        "--technique",
        techniques,
        *depth,
        "--output-dir",
        str(tmp_path),
        "--disable-coloring",
        "--flush-session",
    )
    output = result.stdout
    assert "is vulnerable" not in output and "injectable" in output, output[-3000:]
    assert "all tested parameters do not appear to be injectable" in output, output[-3000:]
    # The session held: a redirect to the sign-in page would have tested nothing.
    assert "/login" not in output, output[-3000:]
    show("sqlmap", f"{path}: all tested parameters do not appear to be injectable")


def test_schemathesis_cli_finds_no_failure(app, live_server) -> None:
    with app.app_context():
        boss = make_user(username="boss", roles=["supervisor"])
        agent = make_user(username="agent.li", roles=["agent"])
        make_customer(actor=agent, name="张三", phones=["13800138000"])
        token = create_token(actor=boss, name="schemathesis", now=utcnow())[1]
        db.session.commit()
    result = run(
        str(BIN / "schemathesis"),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        "50" if FULL else "10",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance",
        "--no-color",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    summary = [line for line in output.splitlines() if "passed" in line or "failed" in line]
    assert summary, output[-2000:]
    show("schemathesis", summary[-1].strip(" ="))
