"""Planning data for the demo: the WTDC-17 regional initiatives (reference) and a sample operational plan.

The regional initiatives come from the reference framework ``WTDC-17-RI`` that
:mod:`orbit.results.reference` loads from ``results/data/regional_initiatives.json`` (sources named there);
titles that the sources did not give stay visibly empty and keep their gap note.  Each initiative's lead
office is the ITU regional office of its region: that assignment is Orbit's modelling and is said so in the
record's source, not presented as a published fact.

Everything else here is SAMPLE data, invented to show how Orbit works and flagged as such (``is_sample=True``,
"(sample)" in every title).  Written through the services; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orbit.organisation.models import OrgUnit
from orbit.planning.models import Activity, ExchangeRate, RegionalInitiative
from orbit.planning.services import (
    activity_create,
    budget_line_create,
    evidence_add,
    exchange_rate_create,
    initiative_create,
    milestone_create,
    update_create,
    update_transition,
)
from orbit.results.models import Framework, ResultNode

INITIATIVES_FRAMEWORK = "WTDC-17-RI"
SAMPLE_PLAN = "BDT-OP-SAMPLE"
REASON = "demo data (sample)"
LEAD_NOTE = (
    "Lead office: the ITU regional office of the initiative's region (Orbit's assignment by region, "
    "not a published fact)."
)


@dataclass
class PlanningDemoReport:
    initiatives: int = 0
    activities: int = 0
    updates: int = 0

    def summary(self) -> str:
        return (
            f"regional initiatives: {self.initiatives} created; sample activities: {self.activities} created, "
            f"{self.updates} sample updates"
        )


def load_regional_initiatives(*, actor: Any) -> int:
    """One RegionalInitiative per initiative of the WTDC-17 reference framework; existing codes are kept."""
    framework = Framework.objects.filter(code=INITIATIVES_FRAMEWORK).first()
    if framework is None:
        return 0
    offices = {u.code: u for u in OrgUnit.objects.filter(code__startswith="RO-")}
    existing = set(RegionalInitiative.all_objects.values_list("code", flat=True))
    regions = {n.pk: n.ref_code for n in ResultNode.objects.filter(framework=framework, parent__isnull=True)}
    created = 0
    for node in ResultNode.objects.filter(framework=framework, parent__isnull=False).order_by("path"):
        region = regions.get(node.parent_id or 0, "")
        office = offices.get(f"RO-{region}")
        if not node.ref_code or node.ref_code in existing or office is None:
            continue
        gap = node.status_note.startswith("gap") or "not yet available" in str(node.title.get("en", ""))
        initiative_create(
            actor=actor,
            lead_unit=office,
            code=node.ref_code,
            region=region,
            title=node.title,
            objective=node.description or {},
            node=node,
            status_note=node.status_note if gap else "",
            source=f"{node.source}\n{LEAD_NOTE}".strip(),
            reason="reference data: WTDC-17 regional initiatives",
        )
        created += 1
    return created


def _en(text: str) -> dict[str, str]:
    return {"en": text}


#: (unit, output number in the sample plan, title, type, status, status reason, planned start, planned end,
#:  countries, initiatives)
ACTIVITIES: tuple[tuple[Any, ...], ...] = (
    ("RO-AFR", "1.1.1", "Advisory mission on a national broadband plan (sample)", "technical_assistance",
     "ongoing", "", dt.date(2026, 2, 1), dt.date(2026, 11, 30), ["ET", "KE"], ["AFR2"]),
    ("AO-DKR", "1.1.2", "Workshop on national emergency telecommunication plans (sample)", "event",
     "planned", "", dt.date(2026, 5, 4), dt.date(2026, 5, 8), ["SN", "ML"], ["AFR4"]),
    ("RO-ASP", "2.1.1", "Digital skills courses for women entrepreneurs (sample)", "capacity_building",
     "delayed", "Trainers' visas pending (sample reason).", dt.date(2026, 3, 1), dt.date(2026, 12, 15), ["TH"], []),
    ("RO-AMS", "1.1.2", "Emergency telecommunication drill support (sample)", "technical_assistance",
     "completed", "", dt.date(2026, 1, 12), dt.date(2026, 4, 30), ["HT"], ["AMS1"]),
    ("BDT-PDD", "3.1", "Partner round table on resource mobilisation (sample)", "event",
     "planned", "", dt.date(2026, 9, 1), dt.date(2026, 9, 2), [], []),
)  # fmt: skip


def load_demo_plan(*, actor: Any) -> PlanningDemoReport:
    """Sample activities under the sample operational plan, with milestones, budgets and updates (once)."""
    report = PlanningDemoReport()
    report.initiatives = load_regional_initiatives(actor=actor)
    framework = Framework.objects.filter(code=SAMPLE_PLAN).first()
    if framework is None or Activity.all_objects.filter(is_sample=True, nodes__framework=framework).exists():
        return report
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={a[0] for a in ACTIVITIES})}
    nodes = {n.number: n for n in ResultNode.objects.filter(framework=framework)}
    initiatives = {i.code: i for i in RegionalInitiative.objects.all()}
    if not ExchangeRate.all_objects.filter(currency="USD", base="CHF", is_sample=True).exists():
        exchange_rate_create(
            actor=actor, currency="USD", base="CHF", rate=Decimal("0.88"), valid_from=dt.date(2026, 1, 1),
            source="Illustrative rate (sample data), not an official rate.", is_sample=True, reason=REASON,
        )  # fmt: skip
    for index, (unit_code, output, title, kind, status, why, start, end, countries, codes) in enumerate(ACTIVITIES):
        unit = units.get(unit_code)
        node = nodes.get(output)
        if unit is None or node is None:
            continue
        region = {"AFR": "AFR", "DKR": "AFR", "ASP": "ASP", "AMS": "AMS"}.get(unit_code.split("-")[-1])
        activity = activity_create(
            actor=actor,
            responsible_unit=unit,
            title=_en(title),
            description=_en("Sample data: an illustrative activity invented to demonstrate Orbit."),
            type=kind,
            nodes=[node],
            initiatives=[initiatives[c] for c in codes if c in initiatives],
            countries=countries,
            regions=[region] if region else [],
            planned_start=start,
            planned_end=end,
            actual_start=start if status in ("ongoing", "completed", "delayed") else None,
            actual_end=end if status == "completed" else None,
            status=status,
            status_reason=why,
            is_sample=True,
            reason=REASON,
        )
        report.activities += 1
        milestone_create(actor=actor, activity=activity, title=_en("Terms of reference agreed (sample)"),
                         due_date=start, done_date=start if status != "planned" else None, reason=REASON)  # fmt: skip
        milestone_create(actor=actor, activity=activity, title=_en("Final report delivered (sample)"),
                         due_date=end, done_date=end if status == "completed" else None, reason=REASON)  # fmt: skip
        budget_line_create(
            actor=actor, activity=activity, source="regular", year=start.year, currency="CHF",
            planned=Decimal(40000 + 10000 * index), committed=Decimal(20000 + 5000 * index),
            spent=Decimal(10000 * index), is_sample=True, reason=REASON,
        )  # fmt: skip
        if index % 2 == 0:
            budget_line_create(
                actor=actor, activity=activity, source="extra_budgetary", year=start.year, currency="USD",
                planned=Decimal(25000), committed=Decimal(12000), spent=Decimal(8000), note="sample donor",
                is_sample=True, reason=REASON,
            )  # fmt: skip
        if status in ("ongoing", "completed", "delayed"):
            update = update_create(
                actor=actor, activity=activity, date=start + dt.timedelta(days=30),
                narrative=_en("Sample update: work started with national counterparts; first meetings held."),
                location=countries[0] if countries else "", is_sample=True, reason=REASON,
            )  # fmt: skip
            _sample_photo(actor, update, index)
            update = update_transition(actor=actor, update=update, action="submit", expected_version=update.version)
            if index % 2 == 1:
                update_transition(actor=actor, update=update, action="approve", expected_version=update.version)
            report.updates += 1
    return report


PHOTO_COLOURS = ((11, 79, 138), (30, 107, 58), (122, 75, 0), (91, 42, 134), (0, 96, 107))


def _sample_photo(actor: Any, update: Any, index: int) -> None:
    """An illustrative picture (a plain colour field labelled as a sample), uploaded through the same checks
    as any evidence; never a photograph of real people or places."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (800, 500), PHOTO_COLOURS[index % len(PHOTO_COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 460), outline=(255, 255, 255), width=6)
    big, small = ImageFont.load_default(size=40), ImageFont.load_default(size=26)
    draw.text((70, 80), "SAMPLE IMAGE", fill=(255, 255, 255), font=big)
    draw.text((70, 140), "illustrative, not a photograph", fill=(255, 255, 255), font=small)
    draw.text((70, 180), f"Orbit demo, activity {update.activity.code}", fill=(255, 255, 255), font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    upload = SimpleUploadedFile(f"sample-{index + 1}.jpg", buffer.getvalue(), content_type="image/jpeg")
    evidence_add(
        actor=actor, update=update, upload=upload, caption=_en("Sample image (illustrative)"),
        credit="Orbit demo (sample data)", is_sample=True, reason=REASON,
    )  # fmt: skip
