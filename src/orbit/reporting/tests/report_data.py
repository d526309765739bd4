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


def add_photo_update(
    actor: Any,
    activity: Any,
    *,
    date: Any,
    narrative: dict[str, str],
    photos: list[dict[str, Any]],
    approve: bool = True,
    colour: tuple[int, int, int] = (30, 110, 160),
) -> Any:
    """A progress update of ``activity`` with real JPEG photos, through the planning services (each photo's
    file checked and thumbnailed as an upload is), then submitted and approved unless ``approve`` is False."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from orbit.planning.services import evidence_add, update_create, update_transition

    with audit_context(source="cli", reason="test data"):
        update = update_create(actor=actor, activity=activity, date=date, narrative=narrative)
        for index, values in enumerate(photos):
            upload = SimpleUploadedFile(
                f"photo-{update.pk}-{index}.jpg", jpeg_bytes((colour[0], (colour[1] + 17 * index) % 256, colour[2])),
                content_type="image/jpeg",
            )  # fmt: skip
            evidence_add(actor=actor, update=update, upload=upload, **values)
        if approve:
            update = update_transition(actor=actor, update=update, action="submit", expected_version=update.version)
            update = update_transition(actor=actor, update=update, action="approve", expected_version=update.version)
    return update


def hand_world(tree: Any, actor: Any) -> SimpleNamespace:
    """A small framework written by hand, with figures a test can check (test data, not real results).

    FW-R (owned by BDT, 2024-2027): 1 Connectivity → 1.1 Networks built, with I1 (responsible DEPT-A; overall
    targets 100 in 2024 and 200 in 2025, unit targets DEPT-A 60 and DEPT-B 40 in 2024; approved values DEPT-A
    55 and DEPT-B 33 in 2024, a draft DEPT-B 5000 in 2024 Q1); 2 Skills → 2.1 People trained, with I2
    (responsible RO-AFR, an office in Africa; overall target 10 in 2024, approved value 9 from RO-AFR).
    Activities: A1 of DEPT-A serving 1.1 (region EUR), A2 of RO-AFR serving 2.1 (region AFR).  Updates: A1
    approved in 2024 with three photos (nobody identifiable; identifiable with consent; identifiable without
    consent), A1 draft with a photo, A1 approved in 2024 with a photo archived before approval, A2 approved in
    2025 with one photo.  Readers: ``bdt`` (viewer of BDT), ``dept_b`` (viewer of DEPT-B), ``outsider`` (no role).
    """
    import datetime as dt

    from orbit.planning.services import activity_create, evidence_archive
    from orbit.planning.services import update_transition as transition
    from orbit.results.services import (
        actual_create,
        actual_transition,
        framework_create,
        indicator_create,
        node_create,
        target_create,
    )

    ro = make_unit("RO-AFR", parent=tree.bdt, type="regional_office", region="Africa")
    admin = make_user("hand.admin", is_superuser=True)
    y24 = {"period_type": "annual", "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 12, 31)}
    y25 = {"period_type": "annual", "period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31)}
    with audit_context(source="cli", reason="test data"):
        fw = framework_create(
            actor=actor, owner_unit=tree.bdt, code="FW-R", name={"en": "Report plan", "zh-hans": "报告计划"},
            kind="operational_plan", status="active", cycle_start=dt.date(2024, 1, 1), cycle_end=dt.date(2027, 12, 31),
            tiers=[{"en": "Objective", "fr": "Objectif"}, {"en": "Output", "fr": "Produit"}],
        )  # fmt: skip
        o1 = node_create(actor=actor, framework=fw, title={"en": "Connectivity", "zh-hans": "连通性"})
        o11 = node_create(actor=actor, framework=fw, parent=o1, title={"en": "Networks built"})
        o2 = node_create(actor=actor, framework=fw, title={"en": "Skills"})
        o21 = node_create(actor=actor, framework=fw, parent=o2, title={"en": "People trained"})
        i1 = indicator_create(
            actor=actor, node=o11, code="I1", title={"en": "Kilometres of fibre", "zh-hans": "光纤公里数"},
            unit_label="km", responsible_unit=tree.dept_a, baseline_value=10,
        )  # fmt: skip
        i2 = indicator_create(
            actor=actor, node=o21, code="I2", title={"en": "Trainees certified"}, unit_label="people",
            responsible_unit=ro,
        )  # fmt: skip
        target_create(actor=actor, indicator=i1, value=100, **y24)
        target_create(actor=actor, indicator=i1, value=200, **y25)
        target_create(actor=actor, indicator=i1, value=60, unit=tree.dept_a, **y24)
        target_create(actor=actor, indicator=i1, value=40, unit=tree.dept_b, **y24)
        target_create(actor=actor, indicator=i2, value=10, **y24)
        for indicator, unit, value, approve in (
            (i1, tree.dept_a, 55, True), (i1, tree.dept_b, 33, True), (i2, ro, 9, True),
        ):  # fmt: skip
            actual = actual_create(actor=admin, indicator=indicator, unit=unit, value=value, **y24)
            if approve:
                actual = actual_transition(actor=admin, actual=actual, action="submit", expected_version=actual.version)
                actual_transition(actor=admin, actual=actual, action="approve", expected_version=actual.version)
        q1 = {"period_type": "quarter", "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 3, 31)}
        draft_b = actual_create(actor=admin, indicator=i1, unit=tree.dept_b, value=5000, **q1)
        a1 = activity_create(
            actor=admin, responsible_unit=tree.dept_a, code="A1", title={"en": "Fibre roll-out"}, nodes=[o11],
            regions=["EUR"], planned_start=dt.date(2024, 1, 1), planned_end=dt.date(2025, 12, 31),
        )  # fmt: skip
        a2 = activity_create(
            actor=admin, responsible_unit=ro, code="A2", title={"en": "Training"}, nodes=[o21], regions=["AFR"],
            planned_start=dt.date(2025, 1, 1), planned_end=dt.date(2025, 12, 31),
        )  # fmt: skip
    add_photo_update(
        admin, a1, date=dt.date(2024, 6, 1), narrative={"en": "Approved narrative A1", "zh-hans": "已批准的叙述"},
        photos=[
            {"caption": {"en": "Open photo", "zh-hans": "公开照片"}, "credit": "ITU/Test credit"},
            {"caption": {"en": "Consented photo"}, "identifiable_people": True, "consent": True},
            {"caption": {"en": "No consent photo"}, "identifiable_people": True, "consent": False},
        ],
    )  # fmt: skip
    add_photo_update(admin, a1, date=dt.date(2024, 7, 1), narrative={"en": "Draft narrative"},
                     photos=[{"caption": {"en": "Draft photo"}}], approve=False)  # fmt: skip
    withdrawn = add_photo_update(admin, a1, date=dt.date(2024, 8, 1), narrative={"en": "Narrative with archived photo"},
                                 photos=[{"caption": {"en": "Archived photo"}}], approve=False)  # fmt: skip
    with audit_context(source="cli", reason="test data"):
        evidence = withdrawn.evidence.get()
        evidence_archive(actor=admin, evidence=evidence, expected_version=evidence.version, reason="withdrawn")
        withdrawn.refresh_from_db()
        withdrawn = transition(actor=admin, update=withdrawn, action="submit", expected_version=withdrawn.version)
        transition(actor=admin, update=withdrawn, action="approve", expected_version=withdrawn.version)
    add_photo_update(admin, a2, date=dt.date(2025, 5, 1), narrative={"en": "Approved narrative A2"},
                     photos=[{"caption": {"en": "Training photo"}, "credit": "RO-AFR"}])  # fmt: skip
    bdt_reader, dept_b_reader, outsider = make_user("hand.bdt"), make_user("hand.deptb"), make_user("hand.outsider")
    grant(bdt_reader, tree.bdt, "viewer")
    grant(dept_b_reader, tree.dept_b, "viewer")
    return SimpleNamespace(
        tree=tree, ro=ro, framework=fw, o1=o1, o11=o11, o2=o2, o21=o21, i1=i1, i2=i2, a1=a1, a2=a2, admin=admin,
        bdt=bdt_reader, dept_b=dept_b_reader, outsider=outsider, draft_value=draft_b,
    )
