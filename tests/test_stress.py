"""A short run of ``benchmarks/stress_writes.py``: concurrent writers lose nothing and never see a lock error."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "stress_writes.py"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/orbit"
SECONDS = 3
WRITERS = 4


def postgres_server() -> str:
    """The URL of a PostgreSQL server to test against; skip (or fail when CI=true) when none answers."""
    configured = os.environ.get("ORBIT_DATABASE_URL", "")
    url = os.environ.get("ORBIT_TEST_POSTGRES_URL") or (
        configured if configured.startswith(("postgres://", "postgresql://")) else PG_DEFAULT
    )
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=3):
            pass
    except OSError as exc:
        message = f"PostgreSQL at {parts.hostname}:{parts.port or 5432} does not answer ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires it")
        print(message)
        pytest.skip(message)
    return url


def run_stress(database: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_") and k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--database", database, "--seconds", str(SECONDS), "--writers", str(WRITERS)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def figure(output: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)}\s+([\d.]+)\s*$", output, re.MULTILINE)
    assert match, f"{name!r} missing from the report:\n{output}"
    return float(match.group(1))


def assert_passed(code: int, output: str) -> None:
    assert code == 0, output
    assert "RESULT: PASS" in output, output
    assert "[FAIL]" not in output, output
    for check in (
        "no lost updates",
        'no "database is locked"',
        "audit rows of the records == creates + committed writes",
        "audit chain verifies",
    ):
        assert re.search(rf"^\[PASS\] {re.escape(check)}", output, re.MULTILINE), f"{check!r} not passed:\n{output}"
    assert figure(output, '"database is locked"') == 0
    assert figure(output, "errors") == 0
    commits = figure(output, "commits")
    assert commits > 0
    assert figure(output, "commits/second") > 0
    writer_rows = re.findall(r"^writer \d+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", output, re.MULTILINE)
    assert len(writer_rows) == WRITERS, output
    assert sum(int(row[0]) for row in writer_rows) == commits


def test_stress_sqlite() -> None:
    code, output = run_stress("sqlite")
    print(output)
    assert_passed(code, output)


def test_stress_postgresql() -> None:
    server = postgres_server()
    code, output = run_stress(server)
    print(output)
    assert_passed(code, output)


def test_stress_rejects_an_unknown_database() -> None:
    code, output = run_stress("mysql://localhost/orbit")
    assert code != 0
    assert "--database must be 'sqlite' or a postgres:// URL" in output
