"""A short run of ``benchmarks/stress_writes.py``: concurrent writers lose nothing and never see a lock error."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support import ROOT, clean_env, postgres_server

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "benchmarks" / "stress_writes.py"
SECONDS = 3
WRITERS = 4


def run_stress(database: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--database", database, "--seconds", str(SECONDS), "--writers", str(WRITERS)],
        env=clean_env(),
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
