"""Load the ITU units shipped in ``organisation/data/itu_units.json`` (sources named in the file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from orbit.organisation.models import OrgUnit
from orbit.organisation.services import org_unit_create, org_unit_update

DATA_FILE = Path(__file__).resolve().parent / "data" / "itu_units.json"


def load_reference(path: Path = DATA_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _source_text(record: dict[str, Any], sources: dict[str, Any]) -> str:
    lines = [f"{sid}: {sources[sid]['url']} — {sources[sid]['seen']}" for sid in record.get("sources", [])]
    if record.get("note"):
        lines.append(f"Note: {record['note']}")
    return "\n".join(lines)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def load_units(*, actor: Any, path: Path = DATA_FILE) -> LoadReport:
    """Create or update the reference units; idempotent (an unchanged unit writes nothing)."""
    data = load_reference(path)
    sources = data["sources"]
    existing = {unit.code: unit for unit in OrgUnit.all_objects.filter(code__in=[u["code"] for u in data["units"]])}
    report = LoadReport()
    for record in data["units"]:  # parents come before children in the file
        parent = existing.get(record["parent"]) if record.get("parent") else None
        if record.get("parent") and parent is None:
            raise ValueError(f"{path.name}: unit {record['code']} names unknown parent {record['parent']}")
        values = {
            "name": record["name"],
            "type": record["type"],
            "region": record.get("region", ""),
            "city": record.get("city", ""),
            "country": record.get("country", ""),
            "source": _source_text(record, sources),
        }
        unit = existing.get(record["code"])
        if unit is None:
            existing[record["code"]] = org_unit_create(
                actor=actor, code=record["code"], parent=parent, reason="reference data", **values
            )
            report.created += 1
            continue
        before = unit.version
        updated = org_unit_update(
            actor=actor, unit=unit, expected_version=unit.version, reason="reference data", parent=parent, **values
        )
        existing[record["code"]] = updated
        if updated.version != before:
            report.updated += 1
        else:
            report.unchanged += 1
    return report
