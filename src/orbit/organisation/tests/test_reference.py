"""The shipped ITU unit file: well-formed, sourced, consistent with the shared reference data, idempotent."""

from __future__ import annotations

import json

import pytest
from conftest import shared_path

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.demo import load_demo_users
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.reference import DATA_FILE, load_reference, load_units

TYPE_WORDS = {"regional office": "regional_office", "area office": "area_office"}


def test_every_unit_names_known_sources_and_a_known_parent():
    data = load_reference()
    codes: set[str] = set()
    for unit in data["units"]:
        assert unit["sources"], unit["code"]
        assert set(unit["sources"]) <= set(data["sources"]), unit["code"]
        assert unit["parent"] is None or unit["parent"] in codes, f"{unit['code']}: parent must come first"
        assert unit["name"].get("en"), unit["code"]
        codes.add(unit["code"])


def test_offices_match_the_shared_reference_data():
    shared = json.loads(shared_path("data", "reference", "itu_regional_offices.json").read_text(encoding="utf-8"))
    known = {
        (TYPE_WORDS[o["type"]], o["city"], o["region"]) for o in shared["offices"] if o.get("city")
    }
    ours = {
        (u["type"], u["city"], u["region"])
        for u in load_reference()["units"]
        if u["type"] in ("regional_office", "area_office")
    }
    assert ours == known  # every office loaded is in the reference, and no verified office is missing


@pytest.mark.django_db
def test_loading_twice_changes_nothing(system_actor):
    with audit_context(source="cli"):
        first = load_units(actor=system_actor)
        load_demo_users(actor=system_actor)
        counts = (AuditEvent.objects.count(), OrgUnit.objects.count(), Membership.objects.count())
        second = load_units(actor=system_actor)
        load_demo_users(actor=system_actor)
    assert first.created == len(load_reference(DATA_FILE)["units"])
    assert (second.created, second.updated) == (0, 0)
    assert (AuditEvent.objects.count(), OrgUnit.objects.count(), Membership.objects.count()) == counts
    afr = OrgUnit.objects.get(code="RO-AFR")
    assert afr.parent.code == "BDT"
    assert "ITU-SG-REGIONAL" in afr.source
