"""Test data builders.  They write through the services, so every row they make is audited."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model

from orbit.core.context import audit_context
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.services import membership_create, org_unit_create, system_actor

_counter = itertools.count(1)


def make_user(username: str | None = None, *, password: str = "pass-Word-123", **extra: Any) -> Any:
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(username=username, password=password, **extra)
    return user


def make_unit(code: str, *, parent: OrgUnit | None = None, type: str | None = None, **extra: Any) -> OrgUnit:
    with audit_context(source="cli", reason="test data"):
        return org_unit_create(
            actor=system_actor(),
            code=code,
            name={"en": f"Unit {code}", **extra.pop("name", {})},
            type=type or ("organisation" if parent is None else "department"),
            parent=parent,
            **extra,
        )


def grant(user: Any, unit: OrgUnit | None, role: str) -> Membership:
    with audit_context(source="cli", reason="test data"):
        return membership_create(actor=system_actor(), user=user, unit=unit, role=role)


def build_tree() -> SimpleNamespace:
    root = make_unit("ITU")
    bdt = make_unit("BDT", parent=root, type="bureau")
    dept_a = make_unit("DEPT-A", parent=bdt)
    div_a1 = make_unit("DIV-A1", parent=dept_a, type="division")
    dept_b = make_unit("DEPT-B", parent=bdt)
    return SimpleNamespace(root=root, bdt=bdt, dept_a=dept_a, div_a1=div_a1, dept_b=dept_b)
