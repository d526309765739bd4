"""Test data for the results report: a generated plan under the test unit tree, with users of several scopes,
and real photo files through the planning evidence service (test data, not real results)."""

from __future__ import annotations

import io
from functools import partial
from types import SimpleNamespace
from typing import Any

from orbit.core.context import audit_context
from orbit.organisation.tests.factories import grant, make_unit, make_user
from orbit.planning.generate import generate_operations
from orbit.results.generate import generate_plan
from orbit.results.models import Framework


def generated_world(tree: Any, actor: Any, *, size: str = "small", seed: int = 7) -> SimpleNamespace:
    """A regional office under BDT, the ``size`` plan generated with its operations, and readers:
    ``admin`` (superuser), ``bdt`` (viewer of BDT: every value), ``dept_b`` (viewer of DEPT-B only)."""
    office = make_unit(f"RO-{seed}", parent=tree.bdt, type="regional_office", region="Africa")
    with audit_context(source="cli", reason="test data"):
        result = generate_plan(
            actor=actor, size=size, seed=seed, owner=tree.bdt,
            extend=partial(generate_operations, actor=actor, size=size, seed=seed),
        )  # fmt: skip
    framework = Framework.objects.get(pk=result.framework_id)
    bdt_reader = make_user(f"bdt.reader.{seed}")
    grant(bdt_reader, tree.bdt, "viewer")
    dept_b_reader = make_user(f"deptb.reader.{seed}")
    grant(dept_b_reader, tree.dept_b, "viewer")
    admin = make_user(f"report.admin.{seed}", is_superuser=True)
    return SimpleNamespace(
        tree=tree, office=office, framework=framework, admin=admin, bdt=bdt_reader, dept_b=dept_b_reader
    )


def jpeg_bytes(colour: tuple[int, int, int] = (30, 110, 160), size: tuple[int, int] = (800, 600)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
