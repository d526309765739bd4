"""Demo users: one per role on a few units.  They are sample data, named as such."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from orbit.organisation.models import Membership, OrgUnit, Role
from orbit.organisation.services import membership_create, user_create

DEMO_PASSWORD = "orbit-demo"
#: (username prefix, unit code); every prefix gets viewer, contributor, manager and admin users.
DEMO_UNITS = (("bdt", "BDT"), ("afr", "RO-AFR"), ("dakar", "AO-DKR"), ("asp", "RO-ASP"))
UNIT_ROLES = (Role.VIEWER, Role.CONTRIBUTOR, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    unit: str


def demo_user_plan() -> list[DemoUser]:
    plan = [DemoUser("admin", Role.ADMIN, "ITU"), DemoUser("auditor", Role.AUDITOR, "")]
    plan += [DemoUser(f"{prefix}.{role}", role, code) for prefix, code in DEMO_UNITS for role in UNIT_ROLES]
    return plan


@transaction.atomic
def load_demo_users(*, actor: Any) -> list[DemoUser]:
    plan = demo_user_plan()
    user_model = get_user_model()
    users: dict[str, Any] = {u.username: u for u in user_model.objects.filter(username__in=[p.username for p in plan])}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={p.unit for p in plan if p.unit})}
    held = set(
        Membership.objects.filter(user__username__in=[p.username for p in plan]).values_list(
            "user__username", "unit__code", "role"
        )
    )
    for item in plan:
        user = users.get(item.username)
        if user is None:
            user = user_create(
                actor=actor,
                username=item.username,
                first_name=item.username,
                last_name="(sample user)",
                password=DEMO_PASSWORD,
                reason="demo data",
            )
            users[item.username] = user
        key = (item.username, item.unit or None, item.role)
        if key not in held:
            membership_create(
                actor=actor, user=user, unit=units[item.unit] if item.unit else None, role=item.role,
                reason="demo data",
            )
    return plan
