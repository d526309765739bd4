"""Fixtures shared by every test module."""

from __future__ import annotations

import pytest
from tests.support import SHARED, shared_path  # noqa: F401 (the tests import them from here)


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


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts and ends in the default language: a language a test (or a request it makes) turns on
    must not leak into the next test."""
    from django.utils import translation

    yield
    translation.deactivate()
