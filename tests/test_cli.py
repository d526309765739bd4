"""The ``orbit`` command as an operator uses it: help, demo, check, shell, serve, health."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ORBIT, ROOT, DemoTemplate, copy_db, orbit, orbit_env, sqlite_counts

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Demo:
    data_dir: Path
    env: dict[str, str]
    first_output: str
    after_first: dict[str, int]
    after_second: dict[str, int]


@pytest.fixture(scope="module")
def demo(demo_template: DemoTemplate, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The first ``orbit demo`` (shared), copied into a data dir where ``orbit demo`` then runs again."""
    data_dir = copy_db(demo_template.database, tmp_path_factory.mktemp("cli-demo"))
    env = orbit_env(data_dir)
    after_first = sqlite_counts(data_dir)
    second = orbit(env, "demo", timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    return Demo(data_dir, env, demo_template.output, after_first, sqlite_counts(data_dir))


def test_help_lists_orbit_commands(tmp_path: Path) -> None:
    result = orbit(orbit_env(tmp_path), "--help")
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^\s+(\S+)\s*$", result.stdout, re.MULTILINE))
    for command in ("serve", "demo", "audit", "backup", "restore", "migrate", "shell", "check"):
        assert command in listed, f"{command} missing from `orbit --help`:\n{result.stdout}"


def test_demo_loads_data_and_prints_logins(demo: Demo) -> None:
    after = demo.after_first
    assert after["organisation_orgunit"] > 0
    assert after["organisation_membership"] > 0
    assert after["governance_auditevent"] > 0
    output = demo.first_output
    match = re.search(r"password[^:\n]*:\s*([^\s)]+)", output)
    assert match, output
    password = match.group(1)
    with sqlite3.connect(demo.data_dir / "orbit.sqlite3") as conn:
        sample_users = [
            row[0]
            for row in conn.execute("SELECT username FROM auth_user WHERE username != 'orbit-system' ORDER BY id")
        ]
    assert sample_users
    for username in sample_users:
        assert re.search(rf"^\s*{re.escape(username)}\s", output, re.MULTILINE), f"{username} not printed"
    # The printed login works.
    check = (
        "from django.contrib.auth import authenticate;"
        f"print(authenticate(username='admin', password={password!r}) is not None)"
    )
    result = orbit(demo.env, "shell", "-v", "0", "-c", check)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_demo_twice_changes_nothing(demo: Demo) -> None:
    assert demo.after_second == demo.after_first
    code = orbit(demo.env, "audit", "verify")
    assert code.returncode == 0, code.stdout + code.stderr


def test_demo_writes_are_attributed_to_the_cli_and_the_system_actor(demo: Demo) -> None:
    with sqlite3.connect(demo.data_dir / "orbit.sqlite3") as conn:
        system_id = conn.execute("SELECT id FROM auth_user WHERE username = 'orbit-system'").fetchone()[0]
        rows = conn.execute(
            "SELECT source, actor_id, actor_username, reason, request_id FROM governance_auditevent"
        ).fetchall()
    assert rows
    assert {(source, actor_id, username) for source, actor_id, username, _r, _q in rows} == {
        ("cli", system_id, "orbit-system")
    }
    assert all(reason for *_rest, reason, _q in rows), "every CLI write carries a reason"
    assert all(request_id for *_rest, request_id in rows), "every CLI write carries a run id"


def test_check_passes(demo: Demo) -> None:
    result = orbit(demo.env, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_check_deploy_reports_production_settings(demo: Demo) -> None:
    result = orbit(demo.env, "check", "--deploy", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "security.W018" not in result.stdout + result.stderr, "DEBUG must be off by default"


def test_shell_passes_through(demo: Demo) -> None:
    script = "from django.conf import settings; print(6 * 7, settings.DATA_DIR, settings.DEBUG)"
    result = orbit(demo.env, "shell", "-v", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["42", str(demo.data_dir), "False"]


def test_unknown_command_fails(tmp_path: Path) -> None:
    result = orbit(orbit_env(tmp_path), "no-such-command")
    assert result.returncode != 0
    assert "Unknown command" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- serve and health


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local URL)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def descendants(pid: int) -> dict[int, str]:
    """Live descendant processes of ``pid`` and their command lines (Linux /proc)."""
    parents: dict[int, int] = {}
    cmdlines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents[int(entry.name)] = int(fields[1])
        cmdlines[int(entry.name)] = cmdline
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = cmdlines[child]
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_serve_answers_health_and_stops_on_sigterm(demo: Demo, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [str(ORBIT), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=demo.env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status, body = 0, b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        log.seek(0)
        assert status == 200, f"/healthz answered {status}; serve log:\n{log.read()}"
        assert json.loads(body)["status"] == "ok"

        children = descendants(proc.pid)
        assert any("gunicorn" in cmd for cmd in children.values()), children
        assert any("db_worker" in cmd for cmd in children.values()), children

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid in children):
            time.sleep(0.2)
        assert not [cmd for pid, cmd in children.items() if alive(pid)], "child processes outlived serve"
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{port}/healthz")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


HEALTH_SCRIPT = (
    "from django.test import Client;"
    "r = Client().get('/healthz', HTTP_HOST='127.0.0.1');"
    "print(r.status_code, r.json()['status'])"
)


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there once the probe socket is closed
    env = orbit_env(tmp_path, ORBIT_DATABASE_URL=f"postgres://orbit@127.0.0.1:{closed}/orbit")
    result = orbit(env, "shell", "-v", "0", "-c", HEALTH_SCRIPT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["503", "unavailable"]


def test_healthz_is_200_with_the_database(demo: Demo) -> None:
    result = orbit(demo.env, "shell", "-v", "0", "-c", HEALTH_SCRIPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "ok"]
