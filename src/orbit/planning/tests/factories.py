"""Planning test data, written through the services (test data, not facts)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from orbit.core.context import audit_context
from orbit.organisation.models import OrgUnit
from orbit.organisation.services import system_actor
from orbit.planning import services
from orbit.planning.models import Activity, ProgressUpdate, RegionalInitiative
from orbit.results.models import ActualValue


def make_activity(unit: OrgUnit, title: str = "Activity", **values: Any) -> Activity:
    values.setdefault("planned_start", dt.date(2025, 1, 1))
    values.setdefault("planned_end", dt.date(2025, 12, 31))
    with audit_context(source="cli", reason="test data"):
        return services.activity_create(
            actor=system_actor(), responsible_unit=unit, title={"en": title}, **values
        )


def make_initiative(lead: OrgUnit, code: str = "AFR1", **values: Any) -> RegionalInitiative:
    values.setdefault("region", "AFR")
    values.setdefault("title", {"en": f"Initiative {code}"})
    with audit_context(source="cli", reason="test data"):
        return services.initiative_create(actor=system_actor(), lead_unit=lead, code=code, **values)


def make_update(
    *,
    activity: Activity | None = None,
    actual_value: ActualValue | None = None,
    date: dt.date = dt.date(2025, 3, 1),
    text: str = "Progress",
    author: Any = None,
    **values: Any,
) -> ProgressUpdate:
    with audit_context(source="cli", reason="test data"):
        return services.update_create(
            actor=author or system_actor(),
            activity=activity,
            actual_value=actual_value,
            date=date,
            narrative={"en": text},
            **values,
        )


def move_update(update: ProgressUpdate, *actions: str, note: str = "test") -> ProgressUpdate:
    """Walk an update through workflow actions as the system actor."""
    with audit_context(source="cli", reason="test data"):
        for name in actions:
            update = services.update_transition(
                actor=system_actor(), update=update, action=name, expected_version=update.version, note=note
            )
    return update


def png_upload(name: str = "photo.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    """A small real PNG picture, made with Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
