"""Sample results data for the demo: an illustrative BDT operational plan.

Everything here is SAMPLE data, invented to show how Orbit works, and flagged as such (``is_sample=True``
on every row, "sample" in every name).  Its links to the real WTDC-17 objectives and SDG targets are
illustrative, not an official mapping; each link note says so.  Written through the services; running it
again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from orbit.organisation.models import OrgUnit
from orbit.results.models import Dimension, Framework, Indicator, ResultNode
from orbit.results.services import (
    actual_create,
    actual_update,
    framework_create,
    indicator_create,
    node_create,
    node_link,
    target_create,
)

CODE = "BDT-OP-SAMPLE"
REASON = "demo data (sample)"
LINK_NOTE = "Illustrative link in sample data; not an official mapping."
CYCLE = (dt.date(2026, 1, 1), dt.date(2027, 12, 31))
REPORTING_UNITS = ("RO-AFR", "AO-DKR", "RO-ASP", "RO-AMS")


def _year(year: int) -> dict[str, Any]:
    return {"period_type": "annual", "period_start": dt.date(year, 1, 1), "period_end": dt.date(year, 12, 31)}


def _quarter(year: int, q: int) -> dict[str, Any]:
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year, 3 * q, {1: 31, 2: 30, 3: 30, 4: 31}[q])
    return {"period_type": "quarter", "period_start": start, "period_end": end}


def _en(text: str) -> dict[str, str]:
    return {"en": text}


# Nodes: (key, parent key, title, [(framework code, node ref_code), ...] illustrative links)
NODES: tuple[tuple[str, str | None, str, tuple[tuple[str, str], ...]], ...] = (
    ("O1", None, "Sample objective: affordable, resilient connectivity", (("WTDC-17-BAAP", "2"), ("SDG", "9.c"))),
    ("O1.1", "O1", "Sample outcome: countries adopt national broadband and emergency plans", ()),
    ("O1.1.1", "O1.1", "Sample output: advisory missions on national broadband plans", ()),
    ("O1.1.2", "O1.1", "Sample output: support to national emergency telecommunication plans", ()),
    ("O1.2", "O1", "Sample outcome: members get timely assistance", ()),
    ("O2", None, "Sample objective: digital skills and inclusion", (("WTDC-17-BAAP", "4"), ("SDG", "17.8"))),
    ("O2.1", "O2", "Sample outcome: people gain digital skills", (("SDG", "5.b"),)),
    ("O2.1.1", "O2.1", "Sample output: digital skills courses delivered", ()),
    ("O3", None, "Sample objective: resources and partnerships", (("WTDC-17-BAAP", "1"), ("SDG", "17.17"))),
    ("O3.1", "O3", "Sample outcome: extra-budgetary resources mobilised", ()),
)

SCORE_SCALE = [
    {"score": 1, "label": {"en": "Not started"}},
    {"score": 2, "label": {"en": "Drafted"}},
    {"score": 3, "label": {"en": "Adopted"}},
    {"score": 4, "label": {"en": "Implemented"}},
]


@dataclass
class Ind:
    node: str
    code: str
    title: str
    values: dict[str, Any]
    targets: list[dict[str, Any]]
    #: (unit code, period, status, value fields)
    actuals: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = field(default_factory=list)


def _indicators() -> list[Ind]:
    y26, y27 = _year(2026), _year(2027)
    q = {n: _quarter(2026, n) for n in (1, 2, 3, 4)}
    number = {"measure": "number"}
    return [
        Ind("O2.1.1", "S1", "People trained in digital skills (sample)",
            {**number, "unit_label": "people", "time_aggregation": "sum", "unit_aggregation": "sum",
             "collection_frequency": "quarterly", "dimension_codes": ["sex"]},
            [{**y26, "value": 2000}, {**y27, "value": 2400}] + [{**q[n], "value": 500} for n in (1, 2, 3, 4)],
            [("RO-AFR", q[1], "approved", {"value": 220}), ("AO-DKR", q[1], "approved", {"value": 140}),
             ("RO-ASP", q[1], "approved", {"value": 160}),
             ("RO-AFR", q[2], "approved", {"value": 210}), ("AO-DKR", q[2], "submitted", {"value": 120}),
             ("RO-ASP", q[2], "approved", {"value": 150}),
             ("RO-AFR", q[3], "submitted", {"value": 230}), ("RO-ASP", q[3], "submitted", {"value": 170}),
             ("RO-AFR", q[4], "draft", {"value": 190}), ("AO-DKR", q[4], "draft", {"value": 110}),
             ("RO-ASP", q[4], "draft", {"value": 180}),
             ("RO-AFR", q[1], "approved", {"value": 120, "dimension": "sex", "category": "female"}),
             ("RO-AFR", q[1], "approved", {"value": 100, "dimension": "sex", "category": "male"})]),
        Ind("O1.1.1", "S2", "Countries supported in drafting a national broadband plan (sample)",
            {**number, "unit_label": "countries", "time_aggregation": "cumulative", "unit_aggregation": "sum"},
            [{**y26, "value": 12}, {**y27, "value": 24}],
            [("RO-AFR", q[1], "approved", {"value": 2}), ("RO-AFR", q[2], "approved", {"value": 1}),
             ("AO-DKR", q[2], "submitted", {"value": 1}), ("RO-ASP", q[3], "draft", {"value": 2})]),
        Ind("O2.1", "S3", "Share of women among trained participants (sample)",
            {"measure": "percentage", "unit_label": "%", "time_aggregation": "latest", "unit_aggregation": "ratio",
             "baseline_value": Decimal("40"), "baseline_date": dt.date(2025, 12, 31),
             "baseline_note": "Sample baseline."},
            [{**y26, "value": 50}, {**y27, "value": 50}],
            [("RO-AFR", q[3], "approved", {"numerator": 180, "denominator": 400}),
             ("AO-DKR", q[3], "submitted", {"numerator": 90, "denominator": 200}),
             ("RO-ASP", q[3], "draft", {"numerator": 150, "denominator": 300})]),
        Ind("O3.1", "S4", "Extra-budgetary funds mobilised (sample)",
            {"measure": "currency", "currency": "USD", "unit_label": "USD", "time_aggregation": "sum",
             "unit_aggregation": "sum"},
            [{**y26, "value": 3000000}, {**y27, "value": 3000000}],
            [("RO-AFR", q[2], "approved", {"value": 600000}), ("RO-ASP", q[3], "submitted", {"value": 400000}),
             ("AO-DKR", q[3], "draft", {"value": 250000})]),
        Ind("O3.1", "S5", "Savings from shared regional services, running total (sample)",
            {"measure": "currency", "currency": "CHF", "unit_label": "CHF", "time_aggregation": "cumulative",
             "unit_aggregation": "sum"},
            [{**y26, "value": 200000}, {**y27, "value": 500000}],
            [("RO-AFR", q[1], "approved", {"value": 70000}), ("RO-AFR", q[3], "submitted", {"value": 50000}),
             ("RO-ASP", q[2], "approved", {"value": 70000})]),
        Ind("O1.1.2", "S6", "Status of the national emergency telecommunication plan (sample)",
            {"measure": "qualitative", "score_scale": SCORE_SCALE, "time_aggregation": "latest",
             "unit_aggregation": "average", "baseline_value": Decimal("1"), "baseline_date": dt.date(2025, 12, 31)},
            [{**y26, "score": 3}, {**y27, "score": 4}],
            [("RO-AFR", q[2], "approved", {"score": 3, "narrative": "Sample narrative: plan adopted."}),
             ("AO-DKR", q[3], "submitted", {"score": 2, "narrative": "Sample narrative: draft under review."}),
             ("RO-ASP", q[3], "draft", {"score": 3, "narrative": "Sample narrative: adopted by the ministry."}),
             ("RO-AMS", q[3], "approved", {"score": 4, "narrative": "Sample narrative: in use in exercises."})]),
        Ind("O1.2", "S7", "Average days to answer a member's request for assistance (sample)",
            {**number, "unit_label": "days", "direction": "decrease", "time_aggregation": "average",
             "unit_aggregation": "average", "baseline_value": Decimal("30"), "baseline_date": dt.date(2025, 12, 31),
             "collection_frequency": "quarterly"},
            [{**y26, "value": 20}, {**y27, "value": 15}],
            [("RO-AFR", q[1], "approved", {"value": 24}), ("RO-AFR", q[2], "approved", {"value": 22}),
             ("RO-AFR", q[3], "submitted", {"value": 21}), ("AO-DKR", q[1], "approved", {"value": 26}),
             ("AO-DKR", q[2], "draft", {"value": 25}), ("RO-ASP", q[1], "approved", {"value": 19}),
             ("RO-ASP", q[2], "approved", {"value": 18}), ("RO-ASP", q[3], "submitted", {"value": 18})]),
        Ind("O1.2", "S8", "Share of planned regional activities delivered on time (sample)",
            {"measure": "percentage", "unit_label": "%", "time_aggregation": "average", "unit_aggregation": "ratio",
             "collection_frequency": "quarterly"},
            [{**y26, "value": 90}, {**y27, "value": 90}] + [{**q[n], "value": 90} for n in (1, 2, 3, 4)],
            [("RO-AFR", q[1], "approved", {"numerator": 17, "denominator": 20}),
             ("RO-AFR", q[2], "approved", {"numerator": 18, "denominator": 20}),
             ("RO-AFR", q[3], "submitted", {"numerator": 18, "denominator": 20}),
             ("RO-AFR", q[4], "draft", {"numerator": 9, "denominator": 20}),
             ("RO-ASP", q[1], "approved", {"numerator": 9, "denominator": 10}),
             ("RO-ASP", q[2], "approved", {"numerator": 9, "denominator": 10}),
             ("RO-ASP", q[4], "draft", {"numerator": 5, "denominator": 10})]),
    ]  # fmt: skip


@dataclass
class DemoReport:
    created: bool
    nodes: int = 0
    links: int = 0
    indicators: int = 0
    targets: int = 0
    values: int = 0

    def summary(self) -> str:
        if not self.created:
            return f"sample results plan {CODE}: already present, unchanged"
        return (
            f"sample results plan {CODE}: {self.nodes} nodes, {self.links} illustrative links, "
            f"{self.indicators} indicators, {self.targets} targets, {self.values} values"
        )


@transaction.atomic
def load_demo_results(*, actor: Any) -> DemoReport:
    """Create the sample operational plan once; a second run finds it and writes nothing."""
    if Framework.all_objects.filter(code=CODE).exists():
        return DemoReport(created=False)
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=("BDT", *REPORTING_UNITS))}
    missing = sorted({"BDT", *REPORTING_UNITS} - set(units))
    if missing:
        raise ValueError(f"load the reference units first; missing {', '.join(missing)}")
    wanted_refs = {ref for *_, links in NODES for ref in links}
    targets_by_ref = {
        (n.framework.code, n.ref_code): n
        for n in ResultNode.objects.filter(
            framework__code__in={code for code, _ in wanted_refs}, ref_code__in={ref for _, ref in wanted_refs}
        ).select_related("framework__owner_unit")
    }
    dimensions = {d.code: d for d in Dimension.objects.all()}
    report = DemoReport(created=True)
    framework = framework_create(
        actor=actor,
        owner_unit=units["BDT"],
        code=CODE,
        name=_en("BDT operational plan 2026-2027 (sample)"),
        description=_en(
            "Sample data: an illustrative operational plan invented to demonstrate Orbit. Its objectives, "
            "indicators, targets and values are not ITU facts; its links to WTDC-17 objectives and SDG targets "
            "are illustrative."
        ),
        kind=Framework.Kind.OPERATIONAL_PLAN,
        cycle_start=CYCLE[0],
        cycle_end=CYCLE[1],
        status=Framework.Status.ACTIVE,
        tiers=[_en("Objective"), _en("Outcome"), _en("Output")],
        source="Sample data (Orbit demo).",
        is_sample=True,
        reason=REASON,
    )
    nodes: dict[str, ResultNode] = {}
    for key, parent, title, links in NODES:
        nodes[key] = node_create(
            actor=actor, framework=framework, parent=nodes[parent] if parent else None, title=_en(title),
            is_sample=True, source="Sample data (Orbit demo).", reason=REASON,
        )  # fmt: skip
        report.nodes += 1
        for ref in links:
            target = targets_by_ref.get(ref)
            if target is None:
                continue  # the reference framework is not loaded: no link rather than a wrong one
            node_link(actor=actor, source=nodes[key], target=target, note=LINK_NOTE, reason=REASON)
            report.links += 1
    for spec in _indicators():
        indicator = indicator_create(
            actor=actor, node=nodes[spec.node], code=spec.code, title=_en(spec.title), is_sample=True,
            responsible_unit=units["BDT"], data_source="Sample data (Orbit demo).", reason=REASON, **spec.values,
        )  # fmt: skip
        report.indicators += 1
        for target in spec.targets:
            target_create(actor=actor, indicator=indicator, is_sample=True, reason=REASON, **target)
            report.targets += 1
        for unit_code, period, status, fields in spec.actuals:
            _actual(actor, indicator, units[unit_code], period, status, fields, dimensions)
            report.values += 1
    return report


def _actual(
    actor: Any,
    indicator: Indicator,
    unit: OrgUnit,
    period: dict[str, Any],
    status: str,
    fields: dict[str, Any],
    dimensions: dict[str, Dimension],
) -> None:
    values = dict(fields)
    if "dimension" in values:
        values["dimension"] = dimensions[values["dimension"]]
    actual = actual_create(
        actor=actor, indicator=indicator, unit=unit, is_sample=True, reason=REASON, **period, **values
    )
    if status != actual.status:
        steps = ["submitted", "approved"][: ["submitted", "approved"].index(status) + 1]
        for step in steps:
            actual = actual_update(
                actor=actor, actual=actual, expected_version=actual.version, status=step, reason=REASON
            )
