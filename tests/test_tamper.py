"""Tampering with the audit log directly in the database is refused, or reported at the row.

Each case runs the real ``orbit`` command in its own data dir and edits the
database file (or a fresh PostgreSQL database) the way someone with direct
access to it could.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ORBIT, ROOT, DemoTemplate, copy_db, orbit, orbit_env, postgres_databases

pytestmark = pytest.mark.slow

TABLE = "governance_auditevent"


def verify(env: dict[str, str]) -> tuple[int, str]:
    result = orbit(env, "audit", "verify")
    return result.returncode, result.stdout + result.stderr


def broken_at(output: str) -> int:
    match = re.search(r"broken at seq (\d+)", output)
    assert match, f"no sequence number reported in:\n{output}"
    return int(match.group(1))


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="module")
def demo_db(demo_template: DemoTemplate) -> Path:
    return demo_template.database


@pytest.fixture
def data_dir(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database."""
    return copy_db(demo_db, tmp_path / "data")


def db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "orbit.sqlite3", isolation_level=None)


def drop_triggers(conn: sqlite3.Connection) -> list[str]:
    names = [
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=?", (TABLE,))
    ]
    for name in names:
        conn.execute(f'DROP TRIGGER "{name}"')
    return names


def row_count(conn: sqlite3.Connection) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0]


def middle_seq(conn: sqlite3.Connection) -> int:
    count = row_count(conn)
    assert count >= 10, "the demo should write a few dozen audit events"
    return count // 2


def test_untouched_log_verifies_with_count_and_head(data_dir: Path) -> None:
    code, output = verify(orbit_env(data_dir))
    assert code == 0, output
    with db(data_dir) as conn:
        count = row_count(conn)
        last_seq, last_hmac = conn.execute(f"SELECT seq, hmac FROM {TABLE} ORDER BY seq DESC LIMIT 1").fetchone()
    assert "OK" in output
    assert re.search(rf"\b{count} audit events\b", output), output
    head = re.search(r"chain head: seq (\d+) hash ([0-9a-f]{64})", output)
    assert head, output
    assert (int(head.group(1)), head.group(2)) == (last_seq, last_hmac)


def test_database_refuses_update_and_delete(data_dir: Path) -> None:
    with db(data_dir) as conn:
        before = conn.execute(f"SELECT * FROM {TABLE} ORDER BY seq").fetchall()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(f"UPDATE {TABLE} SET reason = 'rewritten' WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(f"DELETE FROM {TABLE} WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(f"DELETE FROM {TABLE}")
        assert conn.execute(f"SELECT * FROM {TABLE} ORDER BY seq").fetchall() == before
    code, output = verify(orbit_env(data_dir))
    assert code == 0, output


@pytest.mark.parametrize(
    ("column", "value"),
    [("changes_json", '{"city":[null,"Nowhere"]}'), ("actor_username", "mallory"), ("source", "web")],
)
def test_altered_row_is_reported_at_its_seq(data_dir: Path, column: str, value: str) -> None:
    with db(data_dir) as conn:
        assert drop_triggers(conn), "the append-only triggers should exist"
        seq = middle_seq(conn)
        conn.execute(f"UPDATE {TABLE} SET {column} = ? WHERE seq = ?", (value, seq))
        assert conn.execute(f"SELECT {column} FROM {TABLE} WHERE seq = ?", (seq,)).fetchone()[0] == value
    code, output = verify(orbit_env(data_dir))
    assert code != 0, output
    assert broken_at(output) == seq
    assert "Traceback" not in output


def test_altered_row_with_recomputed_link_is_still_reported(data_dir: Path) -> None:
    """Rewriting the next row's prev_hash to hide the change does not help without the key."""
    with db(data_dir) as conn:
        drop_triggers(conn)
        seq = middle_seq(conn)
        conn.execute(f"UPDATE {TABLE} SET reason = 'covered up', hmac = ? WHERE seq = ?", ("a" * 64, seq))
        conn.execute(f"UPDATE {TABLE} SET prev_hash = ? WHERE seq = ?", ("a" * 64, seq + 1))
    code, output = verify(orbit_env(data_dir))
    assert code != 0
    assert broken_at(output) == seq


def test_deleted_row_is_reported(data_dir: Path) -> None:
    with db(data_dir) as conn:
        drop_triggers(conn)
        seq = middle_seq(conn)
        conn.execute(f"DELETE FROM {TABLE} WHERE seq = ?", (seq,))
    code, output = verify(orbit_env(data_dir))
    assert code != 0, output
    assert broken_at(output) == seq


def test_swapped_rows_are_reported_at_the_first(data_dir: Path) -> None:
    with db(data_dir) as conn:
        drop_triggers(conn)
        seq = middle_seq(conn)
        conn.execute("BEGIN")
        conn.execute(f"UPDATE {TABLE} SET seq = -1 WHERE seq = ?", (seq,))
        conn.execute(f"UPDATE {TABLE} SET seq = ? WHERE seq = ?", (seq, seq + 1))
        conn.execute(f"UPDATE {TABLE} SET seq = ? WHERE seq = -1", (seq + 1,))
        conn.execute("COMMIT")
    code, output = verify(orbit_env(data_dir))
    assert code != 0, output
    assert broken_at(output) == seq


def test_deleted_last_row_is_reported(data_dir: Path) -> None:
    with db(data_dir) as conn:
        drop_triggers(conn)
        last = conn.execute(f"SELECT MAX(seq) FROM {TABLE}").fetchone()[0]
        conn.execute(f"DELETE FROM {TABLE} WHERE seq = ?", (last,))
    code, output = verify(orbit_env(data_dir))
    assert code != 0, output
    assert broken_at(output) == last


def test_wrong_audit_key_fails_at_the_first_row(data_dir: Path) -> None:
    code, output = verify(orbit_env(data_dir, ORBIT_AUDIT_KEY="another-audit-key-0123456789"))
    assert code != 0, output
    assert broken_at(output) == 1


# --------------------------------------------------------------------------- PostgreSQL

SEED = """
from orbit.core.context import audit_context
from orbit.organisation.services import org_unit_create, org_unit_update, system_actor
actor = system_actor()
with audit_context(source="cli", reason="tamper test data"):
    root = org_unit_create(actor=actor, code="T-ROOT", name={"en": "Tamper test root"}, type="organisation")
    units = [
        org_unit_create(actor=actor, code=f"T-{i}", name={"en": f"Tamper test {i}"}, type="department", parent=root)
        for i in range(6)
    ]
    for unit in units:
        org_unit_update(actor=actor, unit=unit, expected_version=unit.version, city="Geneva")
print("seeded")
"""


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    with postgres_databases("orbit_tamper") as (url,):
        yield url


def test_postgresql_refuses_and_reports_tampering(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    env = orbit_env(tmp_path, ORBIT_DATABASE_URL=pg_url)
    for args in (("migrate", "--no-input", "-v", "0"), ("shell", "-v", "0", "-c", SEED)):
        result = orbit(env, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    code, output = verify(env)
    assert code == 0, output

    dsn = pg_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        count = conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0]
        assert re.search(rf"\b{count} audit events\b", output), output
        seq = count // 2
        with pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(f"UPDATE {TABLE} SET reason = 'rewritten' WHERE seq = %s", (seq,))
        with pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(f"DELETE FROM {TABLE} WHERE seq = %s", (seq,))
        with pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(f"TRUNCATE {TABLE}")

        # An attacker with owner rights switches the triggers off and edits one row.
        conn.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL")
        original = conn.execute(f"SELECT actor_username FROM {TABLE} WHERE seq = %s", (seq,)).fetchone()[0]
        conn.execute(f"UPDATE {TABLE} SET actor_username = 'mallory' WHERE seq = %s", (seq,))
        code, output = verify(env)
        assert code != 0, output
        assert broken_at(output) == seq

        # Put the value back: the chain is whole again, so the report was about that row.
        conn.execute(f"UPDATE {TABLE} SET actor_username = %s WHERE seq = %s", (original, seq))
        code, output = verify(env)
        assert code == 0, output

        conn.execute(f"DELETE FROM {TABLE} WHERE seq = %s", (seq,))
        code, output = verify(env)
        assert code != 0, output
        assert broken_at(output) == seq


def test_orbit_binary_is_the_one_under_test() -> None:
    """The subprocesses above run this checkout's ``orbit`` (guards against a stale install)."""
    assert ORBIT.exists(), f"{ORBIT} is missing; run `make install`"
    result = subprocess.run(
        [str(ORBIT.with_name("python")), "-c", "import orbit, sys; sys.stdout.write(orbit.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(result.stdout).resolve().is_relative_to(ROOT / "src"), result.stdout
    assert shutil.which(str(ORBIT))
