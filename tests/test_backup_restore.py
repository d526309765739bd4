"""``orbit backup`` and ``orbit restore``: a consistent copy that restores whole, and never by accident."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import (
    COUNTED_TABLES,
    ORBIT,
    ROOT,
    DemoTemplate,
    copy_db,
    ok,
    orbit,
    orbit_env,
    postgres_databases,
    sqlite_counts,
)

pytestmark = pytest.mark.slow


def verified_count(env: dict[str, str]) -> int:
    output = ok(orbit(env, "audit", "verify"))
    match = re.search(r"OK\b.*?(\d+) audit events", output)
    assert match, output
    return int(match.group(1))


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line message of a refused command."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --------------------------------------------------------------------------- SQLite


def sqlite_dump(data_dir: Path) -> list[str]:
    conn = sqlite3.connect(data_dir / "orbit.sqlite3")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def source(demo_template: DemoTemplate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo loaded."""
    return copy_db(demo_template.database, tmp_path_factory.mktemp("backup-source"))


@pytest.fixture(scope="module")
def backup_file(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("backups") / "orbit.backup"
    output = ok(orbit(orbit_env(source), "backup", str(target)))
    assert str(target) in output
    return target


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("migrated")
    ok(orbit(orbit_env(data_dir), "migrate", "--no-input", "-v", "0"))
    return data_dir / "orbit.sqlite3"


@pytest.fixture
def migrated(migrated_template: Path, tmp_path: Path) -> Path:
    """A data dir whose database is migrated (not empty) but holds no demo data."""
    return copy_db(migrated_template, tmp_path / "migrated")


def test_sqlite_round_trip(source: Path, backup_file: Path, tmp_path: Path) -> None:
    assert backup_file.read_bytes()[:16] == b"SQLite format 3\x00"
    fresh = tmp_path / "fresh"
    env = orbit_env(fresh)
    ok(orbit(env, "restore", str(backup_file)))
    assert sqlite_counts(fresh) == sqlite_counts(source)
    assert verified_count(env) == verified_count(orbit_env(source)) == sqlite_counts(source)["governance_auditevent"]
    # Restored data is usable: the demo finds everything in place and adds nothing.
    ok(orbit(env, "demo", "--no-migrate", timeout=300))
    assert sqlite_counts(fresh) == sqlite_counts(source)


def test_restored_log_needs_the_same_audit_key(backup_file: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    ok(orbit(orbit_env(fresh), "restore", str(backup_file)))
    result = orbit(orbit_env(fresh, ORBIT_AUDIT_KEY="a-different-audit-key-0123456789"), "audit", "verify")
    assert result.returncode != 0
    assert "seq 1" in result.stdout + result.stderr


def test_restore_refuses_a_database_that_is_not_empty(source: Path, backup_file: Path, migrated: Path) -> None:
    before = sqlite_dump(migrated)
    message = refusal(orbit(orbit_env(migrated), "restore", str(backup_file)))
    assert "not empty" in message and "--force" in message, message
    assert sqlite_dump(migrated) == before

    ok(orbit(orbit_env(migrated), "restore", "--force", str(backup_file)))
    assert sqlite_counts(migrated) == sqlite_counts(source)
    assert verified_count(orbit_env(migrated)) == sqlite_counts(source)["governance_auditevent"]


@pytest.mark.parametrize(
    "content",
    [b"this is not a backup\n", b"PGDMP" + bytes(200), b"SQLite format 3\x00" + bytes(84) + b"garbage" * 100],
    ids=["text", "pg-dump-header", "corrupt-sqlite"],
)
def test_restore_refuses_a_file_that_is_not_a_backup(content: bytes, migrated: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(content)
    before = sqlite_dump(migrated)
    message = refusal(orbit(orbit_env(migrated), "restore", "--force", str(bogus)))
    assert "bogus.backup" in message, message
    assert sqlite_dump(migrated) == before

    fresh = tmp_path / "fresh"
    refusal(orbit(orbit_env(fresh), "restore", str(bogus)))
    assert table_names(fresh) == set()


def table_names(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "orbit.sqlite3") as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_restore_refuses_a_sqlite_database_that_is_not_an_orbit_backup(migrated: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('hello')")
    conn.close()
    before = sqlite_dump(migrated)
    message = refusal(orbit(orbit_env(migrated), "restore", "--force", str(other)))
    assert "not an Orbit backup" in message, message
    assert sqlite_dump(migrated) == before


def test_restore_refuses_a_missing_file(migrated: Path, tmp_path: Path) -> None:
    message = refusal(orbit(orbit_env(migrated), "restore", str(tmp_path / "nowhere.backup")))
    assert "nowhere.backup" in message


def test_backup_does_not_overwrite_without_force(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "existing.backup"
    target.write_text("keep me")
    message = refusal(orbit(orbit_env(source), "backup", str(target)))
    assert "--force" in message
    assert target.read_text() == "keep me"
    ok(orbit(orbit_env(source), "backup", "--force", str(target)))
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"


WRITER = """
import pathlib, time
from orbit.core.context import audit_context
from orbit.organisation.models import OrgUnit
from orbit.organisation.services import org_unit_update, system_actor
actor = system_actor()
stop = pathlib.Path({stop!r})
deadline = time.monotonic() + 90  # a bound in case the test dies
count = 0
with audit_context(source="cli", reason="backup test writer"):
    while not stop.exists() and time.monotonic() < deadline:
        unit = OrgUnit.objects.get(code={code!r})
        org_unit_update(actor=actor, unit=unit, expected_version=unit.version, city=f"city {{count}}")
        count += 1
print(count)
"""


def test_backup_taken_while_writes_go_on_is_consistent(source: Path, tmp_path: Path) -> None:
    work = copy_db(source / "orbit.sqlite3", tmp_path / "live")
    env = orbit_env(work)
    code = "BDT"
    base_version, base_events = update_state(source / "orbit.sqlite3", code)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [str(ORBIT), "shell", "-v", "0", "-c", WRITER.format(stop=str(stop), code=code)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    backups = []
    try:
        deadline = time.monotonic() + 60
        while update_state(work / "orbit.sqlite3", code)[0] == base_version:  # wait for the first commit
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.1)
        for index in range(2):
            target = tmp_path / f"during-{index}.backup"
            ok(orbit(env, "backup", str(target)))
            backups.append(target)
        running = writer.poll() is None
        stop.touch()
        out, err = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=10)
    assert writer.returncode == 0, err
    assert running, "the writer stopped before the backups were taken"
    written = int(out.strip())
    assert written > 0

    versions = []
    for target in backups:
        version, events = update_state(target, code)
        assert version - base_version == events - base_events, f"{target.name}: record and log disagree"
        versions.append(version)
    assert all(base_version < version <= base_version + written for version in versions), versions
    # The copy taken mid-write verifies as it stands.
    assert verified_count(orbit_env(tmp_path / "check", ORBIT_DATABASE_URL=f"sqlite:///{backups[-1]}")) > 0


def update_state(database: Path, code: str) -> tuple[int, int]:
    """The version of unit ``code`` and the number of its update events in ``database``."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)
    try:
        unit_id, version = conn.execute(
            "SELECT id, version FROM organisation_orgunit WHERE code = ?", (code,)
        ).fetchone()
        events = conn.execute(
            "SELECT COUNT(*) FROM governance_auditevent WHERE object_type = 'organisation.orgunit'"
            " AND object_id = ? AND action = 'update'",
            (str(unit_id),),
        ).fetchone()[0]
    finally:
        conn.close()
    return version, events


# --------------------------------------------------------------------------- PostgreSQL

SEED = """
from orbit.core.context import audit_context
from orbit.organisation.services import org_unit_create, org_unit_update, system_actor, user_create
actor = system_actor()
with audit_context(source="cli", reason="backup test data"):
    root = org_unit_create(actor=actor, code="B-ROOT", name={"en": "Backup test root"}, type="organisation")
    units = [
        org_unit_create(actor=actor, code=f"B-{i}", name={"en": f"Backup test {i}"}, type="department", parent=root)
        for i in range(5)
    ]
    for unit in units:
        org_unit_update(actor=actor, unit=unit, expected_version=unit.version, city="Geneva")
    user_create(actor=actor, username="backup.user", password=None)
print("seeded")
"""


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    """Two fresh, empty PostgreSQL databases, dropped afterwards."""
    with postgres_databases("orbit_backup", 2) as (first, second):
        yield first, second


def pg_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}


def test_postgresql_round_trip(pg_databases: tuple[str, str], tmp_path: Path) -> None:
    first_url, second_url = pg_databases
    first = orbit_env(tmp_path / "first", ORBIT_DATABASE_URL=first_url)
    second = orbit_env(tmp_path / "second", ORBIT_DATABASE_URL=second_url)
    ok(orbit(first, "migrate", "--no-input", "-v", "0"))
    ok(orbit(first, "shell", "-v", "0", "-c", SEED))
    expected = pg_counts(first_url)
    assert expected["governance_auditevent"] >= 12

    target = tmp_path / "orbit.pgdump"
    ok(orbit(first, "backup", str(target)))
    assert target.read_bytes()[:5] == b"PGDMP"

    ok(orbit(second, "restore", str(target), timeout=180))
    assert pg_counts(second_url) == expected
    assert verified_count(second) == expected["governance_auditevent"]

    # Not empty now: refused without --force, nothing changed; replaced with --force.
    ok(orbit(first, "shell", "-v", "0", "-c", SEED.replace("B-", "C-").replace("backup.user", "other.user")))
    grown = pg_counts(first_url)
    message = refusal(orbit(first, "restore", str(target)))
    assert "not empty" in message and "--force" in message
    assert pg_counts(first_url) == grown
    ok(orbit(first, "restore", "--force", str(target), timeout=180))
    assert pg_counts(first_url) == expected
    assert verified_count(first) == expected["governance_auditevent"]

    # A file that is not a pg_dump archive is refused.
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"SQLite format 3\x00" + bytes(100))
    message = refusal(orbit(second, "restore", "--force", str(bogus)))
    assert "bogus.backup" in message
    assert pg_counts(second_url) == expected
