"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; skipped with a reason when absent, a failure in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (../shared is not beside this clone)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " and CI=true requires it")
        pytest.skip(message)
    return path


@pytest.fixture
def system_actor(db):
    from orbit.organisation.services import system_actor as get

    return get()


@pytest.fixture
def cli_context():
    from orbit.core.context import audit_context

    with audit_context(source="cli", reason="test") as ctx:
        yield ctx


@pytest.fixture
def tree(db):
    """ITU → BDT → {DEPT-A → DIV-A1, DEPT-B}; a small tree for access tests (test data)."""
    from orbit.organisation.tests.factories import build_tree

    return build_tree()
