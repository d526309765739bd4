"""Fixtures for the tests that run the real ``orbit`` command (plain helpers are in ``support.py``)."""

from __future__ import annotations

import pytest

from tests.support import DemoTemplate, ok, orbit, orbit_env


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """One ``orbit demo`` per test session, shared by the CLI, tamper and backup tests.

    The template is never changed; tests work on a copy (:func:`tests.support.copy_db`).
    """
    home = tmp_path_factory.mktemp("orbit-demo-template")
    output = ok(orbit(orbit_env(home), "demo", timeout=300))
    return DemoTemplate(home / "orbit.sqlite3", output)
