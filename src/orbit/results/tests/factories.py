"""Results test data, written through the services (test data, not facts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orbit.core.context import audit_context
from orbit.organisation.models import OrgUnit
from orbit.organisation.services import system_actor
from orbit.results.models import Framework, Indicator, ResultNode
from orbit.results.services import framework_create, indicator_create, node_create


def make_framework(owner: OrgUnit, code: str = "FW", *, tiers: int = 3, **values: Any) -> Framework:
    names = [{"en": "Objective"}, {"en": "Outcome"}, {"en": "Output"}, {"en": "Level 4"}, {"en": "Level 5"}]
    values.setdefault("cycle_start", dt.date(2024, 1, 1))
    values.setdefault("cycle_end", dt.date(2027, 12, 31))
    values.setdefault("status", Framework.Status.ACTIVE)
    with audit_context(source="cli", reason="test data"):
        return framework_create(
            actor=system_actor(), owner_unit=owner, code=code, name={"en": f"Framework {code}"},
            tiers=names[:tiers], **values,
        )  # fmt: skip


def make_node(framework: Framework, title: str = "Node", parent: ResultNode | None = None, **values: Any) -> ResultNode:
    with audit_context(source="cli", reason="test data"):
        return node_create(actor=system_actor(), framework=framework, parent=parent, title={"en": title}, **values)


def make_indicator(node: ResultNode, code: str = "I1", **values: Any) -> Indicator:
    values.setdefault("title", {"en": f"Indicator {code}"})
    with audit_context(source="cli", reason="test data"):
        return indicator_create(actor=system_actor(), node=node, code=code, **values)
