"""Settings come from ``ORBIT_*`` variables: bad values stop start-up with one line; defaults are safe."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from tests.support import AUDIT_KEY, SECRET_KEY, clean_env, ok, orbit, orbit_env

pytestmark = pytest.mark.slow


def shell(env: dict[str, str], script: str) -> str:
    return ok(orbit(env, "shell", "-v", "0", "-c", script))


def a_file(tmp_path: Path) -> str:
    path = tmp_path / "not-a-directory"
    path.write_text("x")
    return str(path)


MALFORMED = [
    ("ORBIT_DEBUG", lambda tmp: "maybe"),
    ("ORBIT_HTTPS", lambda tmp: "perhaps"),
    ("ORBIT_DATABASE_URL", lambda tmp: "mysql://x"),
    ("ORBIT_DATABASE_URL", lambda tmp: "postgres://h:notaport/db"),
    ("ORBIT_DATABASE_URL", lambda tmp: "postgres://h:5432/"),
    ("ORBIT_DATABASE_URL", lambda tmp: "sqlite://"),
    ("ORBIT_DATA_DIR", a_file),
    ("ORBIT_SECRET_KEY", lambda tmp: "short"),
    ("ORBIT_AUDIT_KEY", lambda tmp: "short"),
    ("ORBIT_MEDIA_STORAGE", lambda tmp: "ftp"),
    ("ORBIT_MEDIA_STORAGE", lambda tmp: "s3"),  # without ORBIT_S3_BUCKET
    ("ORBIT_PUBLIC_URL", lambda tmp: "orbit.example.org"),  # no scheme
    ("ORBIT_PUBLIC_URL", lambda tmp: "https://orbit.example.org/?x=1"),
]


@pytest.mark.parametrize(
    ("name", "value"),
    MALFORMED,
    ids=[
        "debug",
        "https",
        "mysql",
        "bad-port",
        "no-db-name",
        "sqlite-no-file",
        "data-dir-is-a-file",
        "secret",
        "audit",
        "unknown-media-storage",
        "s3-without-bucket",
        "public-url-without-scheme",
        "public-url-with-query",
    ],
)
def test_malformed_setting_stops_with_one_clear_line(tmp_path: Path, name: str, value) -> None:
    env = orbit_env(tmp_path / "data")
    env[name] = value(tmp_path)
    result = orbit(env, "check")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert name in lines[0], lines[0]
    assert result.stdout == ""


def test_empty_key_file_stops_with_one_clear_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secret.key").write_text("\n")
    result = orbit(clean_env(ORBIT_DATA_DIR=str(data_dir)), "check")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "secret.key" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


KEYS_SCRIPT = "from django.conf import settings; print(settings.SECRET_KEY); print(settings.ORBIT_AUDIT_KEY)"


def test_keys_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = clean_env(ORBIT_DATA_DIR=str(data_dir))
    first = shell(env, KEYS_SCRIPT).split()
    files = [data_dir / "secret.key", data_dir / "audit.key"]
    for path in files:
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path} is readable by others"
    assert [path.read_text().strip() for path in files] == first
    assert len(first[0]) >= 50 and len(first[1]) >= 32
    assert first[0] != first[1]
    mtimes = [path.stat().st_mtime_ns for path in files]

    second = shell(env, KEYS_SCRIPT).split()
    assert second == first
    assert [path.stat().st_mtime_ns for path in files] == mtimes

    other = shell(clean_env(ORBIT_DATA_DIR=str(tmp_path / "other")), KEYS_SCRIPT).split()
    assert set(other).isdisjoint(first), "each data dir gets its own keys"


def test_given_keys_are_used_and_not_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = orbit_env(data_dir)
    assert shell(env, KEYS_SCRIPT).split() == [SECRET_KEY, AUDIT_KEY]
    assert not (data_dir / "secret.key").exists()
    assert not (data_dir / "audit.key").exists()


def test_defaults_are_production_safe(tmp_path: Path) -> None:
    script = (
        "import json; from django.conf import settings;"
        "print(json.dumps([settings.DEBUG, settings.ALLOWED_HOSTS, str(settings.DATA_DIR),"
        " settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']]))"
    )
    data_dir = tmp_path / "data"
    debug, hosts, where, engine, name = json.loads(shell(clean_env(ORBIT_DATA_DIR=str(data_dir)), script))
    assert debug is False
    assert "*" not in hosts
    assert where == str(data_dir)
    assert engine == "django.db.backends.sqlite3"
    assert Path(name).parent == data_dir


SQLITE_SCRIPT = """
import json, sqlite3
from django.conf import settings
from django.db import connection, transaction

with connection.cursor() as cursor:
    pragmas = {}
    for name in ("journal_mode", "foreign_keys", "busy_timeout"):
        cursor.execute(f"PRAGMA {name}")
        pragmas[name] = cursor.fetchone()[0]

# IMMEDIATE: entering atomic() takes the write lock at once, before any write.
other = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0, isolation_level=None)
with transaction.atomic():
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        locked_inside = False
    except sqlite3.OperationalError as exc:
        locked_inside = "locked" in str(exc)
other.execute("BEGIN IMMEDIATE")
other.execute("ROLLBACK")
other.close()

raw = connection.connection
connection.close_if_unusable_or_obsolete()
print(json.dumps({
    **pragmas,
    "transaction_mode": connection.transaction_mode,
    "locked_inside": locked_inside,
    "persistent": connection.connection is raw and raw is not None,
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def test_sqlite_runs_with_wal_foreign_keys_busy_timeout_and_immediate_transactions(tmp_path: Path) -> None:
    env = orbit_env(tmp_path / "data")
    facts = json.loads(shell(env, SQLITE_SCRIPT).strip().splitlines()[-1])
    assert facts["journal_mode"] == "wal"
    assert facts["foreign_keys"] == 1
    assert facts["busy_timeout"] == 20000
    assert facts["transaction_mode"] == "IMMEDIATE"
    assert facts["locked_inside"] is True, "atomic() did not take the write lock when it began"
    assert facts["conn_max_age"] is None
    assert facts["persistent"] is True


def test_sqlite_foreign_keys_are_enforced(tmp_path: Path) -> None:
    env = orbit_env(tmp_path / "data")
    result = orbit(env, "migrate", "--no-input", "-v", "0", timeout=120)
    assert result.returncode == 0, result.stderr
    script = (
        "from django.db import connection, IntegrityError\n"
        "try:\n"
        "    with connection.cursor() as c:\n"
        "        c.execute('INSERT INTO auth_user_groups (user_id, group_id) VALUES (999999, 999999)')\n"
        "    print('inserted')\n"
        "except IntegrityError:\n"
        "    print('refused')\n"
    )
    assert shell(env, script).strip() == "refused"


def test_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = orbit_env(tmp_path / "data", ORBIT_DATABASE_URL=f"postgres://orbit@127.0.0.1:{closed}/orbit")
    result = orbit(env, "migrate", "--no-input")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("orbit: database error:"), result.stderr
    assert "Traceback" not in result.stderr


def test_s3_media_storage_is_configured_from_orbit_variables(tmp_path: Path) -> None:
    env = orbit_env(tmp_path / "data")
    env.update(ORBIT_MEDIA_STORAGE="s3", ORBIT_S3_BUCKET="evidence", ORBIT_S3_ENDPOINT_URL="https://minio.example.org")
    script = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    storage = json.loads(shell(env, script).strip().splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "evidence"
    assert storage["OPTIONS"]["endpoint_url"] == "https://minio.example.org"
    assert storage["OPTIONS"]["default_acl"] is None, "objects stay private; downloads go through Orbit"
