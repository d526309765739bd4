"""Fresh, throw-away databases for the benchmarks: a temporary data dir with SQLite, or a new uniquely
named database on a PostgreSQL server, dropped afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass
class Database:
    """A fresh database: the environment every process gets, and how to clean it up."""

    vendor: str
    env: dict[str, str]
    label: str
    data_dir: Path
    pg_admin_url: str = ""
    pg_database: str = ""


def postgres_url() -> str | None:
    """The PostgreSQL server to use when none is named: ``ORBIT_TEST_POSTGRES_URL`` or 127.0.0.1:5432."""
    url = os.environ.get("ORBIT_TEST_POSTGRES_URL") or DEFAULT_PG
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=3):
            return url
    except OSError:
        return None


def _pg_admin(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    last: Exception | None = None
    for maintenance_db in ("postgres", "template1"):
        try:
            return psycopg.connect(
                urlunsplit(("postgresql", parts.netloc, f"/{maintenance_db}", parts.query, "")),
                autocommit=True,
                connect_timeout=10,
            )
        except psycopg.OperationalError as exc:
            last = exc
    raise SystemExit(f"cannot connect to PostgreSQL at {parts.hostname}:{parts.port}: {last}")


def create_database(database: str, prefix: str) -> Database:
    data_dir = Path(tempfile.mkdtemp(prefix=f"orbit-{prefix}-"))
    (data_dir / "static").mkdir()  # the static root, so that serving static files has nothing to warn about
    env = {
        "ORBIT_DATA_DIR": str(data_dir),
        "ORBIT_SECRET_KEY": secrets.token_urlsafe(48),
        "ORBIT_AUDIT_KEY": secrets.token_urlsafe(32),
        "ORBIT_DEBUG": "false",
        "ORBIT_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "orbit.settings",
    }
    if database == "sqlite":
        path = data_dir / "bench.sqlite3"
        env["ORBIT_DATABASE_URL"] = f"sqlite:///{path}"
        return Database("sqlite", env, f"SQLite ({path})", data_dir)
    parts = urlsplit(database)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise SystemExit(f"--database must be 'sqlite' or a postgres:// URL, not {database!r}")
    name = f"orbit_{prefix.replace('-', '_')}_{os.getpid()}_{secrets.token_hex(4)}"
    with _pg_admin(database) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env["ORBIT_DATABASE_URL"] = urlunsplit(("postgres", parts.netloc, f"/{name}", parts.query, ""))
    host = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    return Database("postgresql", env, f"PostgreSQL ({host}, database {name})", data_dir, database, name)


def drop_database(db: Database) -> None:
    if db.vendor == "postgresql" and db.pg_database:
        try:
            with _pg_admin(db.pg_admin_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{db.pg_database}" WITH (FORCE)')
        except Exception as exc:  # report, but keep the figures
            print(f"warning: could not drop database {db.pg_database}: {exc}", file=sys.stderr)
    shutil.rmtree(db.data_dir, ignore_errors=True)
