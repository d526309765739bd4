"""Browser-test fixtures: a demo Orbit served from a temporary data directory, and Chromium to drive it.

``orbit demo`` loads the reference data and sample users into a fresh SQLite database, ``orbit serve``
answers on a free local port, and Playwright drives Debian's Chromium.  Without Chromium the tests are
skipped with a printed reason (a failure when ``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
BIN = Path(sys.executable).parent


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"{CHROMIUM} is missing (install Debian's chromium package: apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; CI=true requires the browser tests to run")
    print(f"browser tests skipped: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"orbit serve exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url}/healthz did not answer 200 within {timeout} s")


@pytest.fixture(scope="module")
def orbit_url() -> Iterator[str]:
    _require_chromium()
    data_dir = Path(tempfile.mkdtemp(prefix="orbit-browser-"))
    env = {
        **os.environ,
        "ORBIT_DATA_DIR": str(data_dir),
        "ORBIT_SECRET_KEY": "browser-test-secret-key-0123456789abcdefghij",
        "ORBIT_AUDIT_KEY": "browser-test-audit-key-0123456789",
        "ORBIT_DEBUG": "0",
    }
    env.pop("ORBIT_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([str(BIN / "orbit"), "demo"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "orbit"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(orbit_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
