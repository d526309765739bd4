"""Plain helpers for the tests that run the real ``orbit`` command (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Data shared beside the clone (reference data, IATI and BPMN corpora); never committed.
SHARED = ROOT.parent / "shared"
ORBIT = Path(sys.executable).with_name("orbit")
if not ORBIT.exists():
    ORBIT = ROOT / ".venv" / "bin" / "orbit"
#: The same keys in every module that shares the demo database (see the ``demo_template`` fixture).
AUDIT_KEY = "orbit-tests-audit-key-0123456789"
SECRET_KEY = "orbit-tests-secret-key-0123456789abcdefghijklmnop"
#: The tables whose row counts tell whether two databases hold the same data.
COUNTED_TABLES = (
    "governance_auditevent",
    "auth_user",
    "organisation_orgunit",
    "organisation_membership",
)
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/orbit"


@dataclass(frozen=True)
class DemoTemplate:
    """The database one ``orbit demo`` left behind, and what it printed (see the ``demo_template`` fixture)."""

    database: Path
    output: str


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ``ORBIT_*`` setting (nor Django's settings module), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(extra)
    return env


def orbit_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """An environment for ``orbit`` with its data in ``data_dir`` and the tests' keys; ``extra`` overrides."""
    return clean_env(
        **{"ORBIT_DATA_DIR": str(data_dir), "ORBIT_SECRET_KEY": SECRET_KEY, "ORBIT_AUDIT_KEY": AUDIT_KEY, **extra}
    )


def orbit(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run this checkout's ``orbit`` command; never raises on a non-zero exit."""
    return subprocess.run(
        [str(ORBIT), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must have succeeded."""
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def copy_db(source: Path, data_dir: Path) -> Path:
    """Copy an Orbit SQLite database into ``data_dir`` with SQLite's backup API (a whole, consistent copy)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dest = sqlite3.connect(data_dir / "orbit.sqlite3")
    try:
        src.backup(dest)
    finally:
        dest.close()
        src.close()
    return data_dir


def sqlite_counts(data_dir: Path) -> dict[str, int]:
    """Rows in each of :data:`COUNTED_TABLES` of the SQLite database in ``data_dir``."""
    with sqlite3.connect(data_dir / "orbit.sqlite3") as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}


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


@contextmanager
def postgres_databases(prefix: str, count: int = 1) -> Iterator[list[str]]:
    """``count`` fresh, empty PostgreSQL databases named ``<prefix>_<random>``, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(postgres_server())
    admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    names = [f"{prefix}_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [urlunsplit(("postgres", parts.netloc, f"/{name}", "", "")) for name in names]
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def shared_path(*parts: str) -> Path:
    """A file under ../shared; skipped with a reason when absent, a failure in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (../shared is not beside this clone)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " and CI=true requires it")
        pytest.skip(message)
    return path
