"""A deterministic synthetic results plan for tests and benchmarks (``orbit generate``).

Everything generated is sample data (``is_sample=True``, "Generated" in every title).  Rows are inserted
with ``bulk_create`` in batches, not through the per-row services, so a large plan takes seconds; the
derived outline fields come from :func:`orbit.results.services.renumber`, and the whole run is recorded as
ONE audit event (action ``import``) in the same transaction.  Values are valid by construction for their
indicator's measure, and every period lies inside the cycle.

Other contexts add their own generated rows through ``extend`` (the command passes the operational plan's
generator), so that this module depends on none of them and one event still records the whole run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orbit.governance.services import record_event, require_actor
from orbit.organisation.access import require
from orbit.organisation.models import OrgUnit
from orbit.results.models import ActualValue, Framework, Indicator, ResultNode, Target
from orbit.results.services import renumber


@dataclass(frozen=True)
class Size:
    objectives: int
    outcomes_per_objective: int
    outputs_per_outcome: int
    indicators: int
    targets_per_indicator: int = 8  # 4 annual + 4 quarterly
    values_per_indicator: int = 25

    @property
    def nodes(self) -> int:
        outcomes = self.objectives * self.outcomes_per_objective
        return self.objectives + outcomes + outcomes * self.outputs_per_outcome


SIZES = {
    "small": Size(objectives=2, outcomes_per_objective=3, outputs_per_outcome=2, indicators=60),
    "medium": Size(objectives=5, outcomes_per_objective=5, outputs_per_outcome=5, indicators=500),
    "large": Size(objectives=10, outcomes_per_objective=7, outputs_per_outcome=8, indicators=2080),
}
CYCLE = (dt.date(2024, 1, 1), dt.date(2027, 12, 31))
YEARS = (2024, 2025, 2026, 2027)
QUARTERLY_TARGET_YEAR = 2025
BATCH = 2000
SCORE_SCALE = [
    {"score": 1, "label": {"en": "Not started"}},
    {"score": 2, "label": {"en": "Started"}},
    {"score": 3, "label": {"en": "Advanced"}},
    {"score": 4, "label": {"en": "Completed"}},
]
#: (measure, time aggregation, unit aggregation), taken in turn: every measure and every aggregation occurs.
KINDS = (
    ("number", "sum", "sum"),
    ("number", "cumulative", "sum"),
    ("percentage", "latest", "ratio"),
    ("currency", "sum", "sum"),
    ("number", "average", "average"),
    ("qualitative", "latest", "average"),
    ("percentage", "average", "ratio"),
    ("currency", "cumulative", "sum"),
    ("number", "latest", "average"),
    ("qualitative", "average", "none"),
)
STATUSES = (ActualValue.Status.APPROVED, ActualValue.Status.APPROVED, ActualValue.Status.SUBMITTED,
            ActualValue.Status.DRAFT)  # fmt: skip
Q6 = Decimal("0.000001")


def plan_code(size: str, seed: int) -> str:
    return f"GEN-{size.upper()}-{seed}"


@dataclass
class GenerateReport:
    code: str
    framework_id: int
    nodes: int
    indicators: int
    targets: int
    values: int
    seconds: float
    #: Counts of the rows ``extend`` added (e.g. activities), in the order it gave them.
    extra: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        extra = "".join(f", {count} {name.replace('_', ' ')}" for name, count in self.extra.items())
        return (
            f"{self.code}: {self.nodes} nodes, {self.indicators} indicators, {self.targets} targets, "
            f"{self.values} values{extra} in {self.seconds:.1f} s"
        )


#: Adds more generated rows to a new plan (given the plan and its reporting units) inside the same
#: transaction, before the audit event; returns the counts of what it added.
Extension = Callable[[Framework, list[OrgUnit]], dict[str, int]]


def _quarters(year: int) -> list[tuple[dt.date, dt.date]]:
    ends = {3: 31, 6: 30, 9: 30, 12: 31}
    return [(dt.date(year, m - 2, 1), dt.date(year, m, ends[m])) for m in (3, 6, 9, 12)]


def _reporting_units(owner: OrgUnit) -> list[OrgUnit]:
    units = list(OrgUnit.objects.filter(path__startswith=owner.path).order_by("path"))
    if len(units) < 2:
        raise ValidationError({"owner": f"{owner.code} needs at least one unit below it to report values."})
    return units


@transaction.atomic
def generate_plan(
    *, actor: Any, size: str = "small", seed: int = 1, owner: OrgUnit, extend: Extension | None = None
) -> GenerateReport:
    """Create the synthetic plan ``GEN-<SIZE>-<seed>`` owned by ``owner``; refuse if it exists.

    ``extend``, if given, adds more rows under the new plan in the same transaction (see :data:`Extension`).
    """
    started = time.perf_counter()
    require_actor(actor)
    require(actor, "approve", owner.path, noun="unit")
    if size not in SIZES:
        raise ValidationError({"size": f"Choose one of {', '.join(SIZES)}."})
    spec = SIZES[size]
    code = plan_code(size, seed)
    if Framework.all_objects.filter(code=code).exists():
        raise ValidationError(
            {"code": f"{code} already exists; choose another --seed (replacing a generated plan is not supported)."}
        )
    rng = random.Random(f"{size}:{seed}")  # noqa: S311 -- reproducible synthetic data, not a secret
    units = _reporting_units(owner)
    framework = Framework(
        code=code,
        name={"en": f"Generated plan {code} (sample)"},
        description={"en": f"Synthetic sample data from orbit generate --size {size} --seed {seed}; not real."},
        kind=Framework.Kind.OPERATIONAL_PLAN,
        cycle_start=CYCLE[0],
        cycle_end=CYCLE[1],
        owner_unit=owner,
        status=Framework.Status.ACTIVE,
        tiers=[{"en": "Objective"}, {"en": "Outcome"}, {"en": "Output"}],
        source=f"orbit generate --size {size} --seed {seed}",
        is_sample=True,
    )
    framework.full_clean()
    framework.save(force_insert=True)

    nodes = _insert_nodes(framework, spec)
    renumber(framework)
    indicators = _insert_indicators(rng, nodes, spec, owner)
    targets = _insert_targets(rng, indicators)
    values = _insert_values(rng, indicators, units, spec)
    counts = {"nodes": len(nodes), "indicators": len(indicators), "targets": targets, "values": values}
    extra = extend(framework, units) if extend is not None else {}
    record_event(
        actor=actor,
        action="import",
        object_type="results.framework",
        object_id=framework.pk,
        object_label=f"{code} (generated sample plan)",
        object_version=framework.version,
        parent_type="organisation.orgunit",
        parent_id=owner.pk,
        scope_path=owner.path,
        changes={"generated": [None, {"size": size, "seed": seed, **counts, **extra}]},
        reason=f"orbit generate --size {size} --seed {seed}",
    )
    return GenerateReport(
        code=code, framework_id=framework.pk, seconds=time.perf_counter() - started, extra=extra, **counts
    )


def _insert_nodes(framework: Framework, spec: Size) -> list[ResultNode]:
    """Insert tier by tier (children need their parent's key); ``renumber`` then derives numbers and paths."""

    def build(parent: ResultNode | None, tier: int, position: int, label: str) -> ResultNode:
        return ResultNode(
            framework=framework, parent=parent, tier=tier, position=position, title={"en": f"Generated {label}"},
            source="orbit generate", is_sample=True,
        )  # fmt: skip

    objectives = [build(None, 0, i, f"objective {i}") for i in range(1, spec.objectives + 1)]
    ResultNode.objects.bulk_create(objectives, batch_size=BATCH)
    outcomes = [
        build(o, 1, j, f"outcome {i}.{j}")
        for i, o in enumerate(objectives, start=1)
        for j in range(1, spec.outcomes_per_objective + 1)
    ]
    ResultNode.objects.bulk_create(outcomes, batch_size=BATCH)
    outputs = [
        build(o, 2, k, f"output {o.parent.position if o.parent else 0}.{o.position}.{k}")
        for o in outcomes
        for k in range(1, spec.outputs_per_outcome + 1)
    ]
    ResultNode.objects.bulk_create(outputs, batch_size=BATCH)
    return objectives + outcomes + outputs


def _insert_indicators(rng: random.Random, nodes: list[ResultNode], spec: Size, owner: OrgUnit) -> list[Indicator]:
    per_node: dict[int, int] = {}
    indicators = []
    for index in range(spec.indicators):
        node = nodes[index % len(nodes)]
        position = per_node[node.pk] = per_node.get(node.pk, 0) + 1
        measure, time_agg, unit_agg = KINDS[index % len(KINDS)]
        qualitative = measure == "qualitative"
        baseline = (
            Decimal(rng.randint(1, 2)) if qualitative
            else Decimal(rng.randint(5, 40)) if measure == "percentage"
            else Decimal(rng.randint(0, 50))
        )  # fmt: skip
        indicators.append(
            Indicator(
                node=node,
                code=f"G{index + 1}",
                title={"en": f"Generated indicator {index + 1} ({measure}, {time_agg})"},
                unit_label={"number": "items", "percentage": "%", "currency": "USD"}.get(measure, ""),
                measure=measure,
                currency="USD" if measure == "currency" else "",
                score_scale=SCORE_SCALE if qualitative else [],
                direction="decrease" if index % 13 == 4 and not qualitative else "increase",
                time_aggregation=time_agg,
                unit_aggregation=unit_agg,
                baseline_value=baseline,
                baseline_date=CYCLE[0],
                collection_frequency="quarterly",
                responsible_unit=owner,
                position=position,
                is_sample=True,
            )
        )
    return list(Indicator.objects.bulk_create(indicators, batch_size=BATCH))


def _target_value(rng: random.Random, indicator: Indicator, year_index: int, quarterly: bool) -> dict[str, Any]:
    if indicator.measure == "qualitative":
        return {"score": min(4, 2 + year_index // 2)}
    if indicator.measure == "percentage":
        return {"value": Decimal(min(100, 40 + 10 * year_index + rng.randint(0, 9)))}
    scale = 1000 if indicator.measure == "currency" else 1
    base = rng.randint(20, 200) * scale
    if quarterly:
        base //= 4
    if indicator.time_aggregation == "cumulative":
        base *= year_index + 1
    return {"value": Decimal(base)}


def _insert_targets(rng: random.Random, indicators: list[Indicator]) -> int:
    rows: list[Target] = []
    count = 0
    for indicator in indicators:
        periods = [("annual", dt.date(y, 1, 1), dt.date(y, 12, 31), i, False) for i, y in enumerate(YEARS)]
        periods += [("quarter", s, e, 1, True) for s, e in _quarters(QUARTERLY_TARGET_YEAR)]
        for period_type, start, end, year_index, quarterly in periods:
            rows.append(
                Target(
                    indicator=indicator,
                    period_type=period_type,
                    period_start=start,
                    period_end=end,
                    is_sample=True,
                    **_target_value(rng, indicator, year_index, quarterly),
                )
            )
        if len(rows) >= BATCH:
            Target.objects.bulk_create(rows, batch_size=BATCH)
            count += len(rows)
            rows = []
    Target.objects.bulk_create(rows, batch_size=BATCH)
    return count + len(rows)


def _actual_fields(rng: random.Random, indicator: Indicator) -> dict[str, Any]:
    if indicator.measure == "qualitative":
        return {"score": rng.randint(1, 4), "narrative": "Generated narrative (sample)."}
    if indicator.measure == "percentage":
        denominator = Decimal(rng.randint(10, 500))
        numerator = Decimal(rng.randint(0, int(denominator)))
        return {
            "numerator": numerator,
            "denominator": denominator,
            "value": (numerator / denominator * 100).quantize(Q6),
        }
    scale = 1000 if indicator.measure == "currency" else 1
    return {"value": Decimal(rng.randint(0, 60) * scale)}


def _insert_values(rng: random.Random, indicators: list[Indicator], units: list[OrgUnit], spec: Size) -> int:
    quarters = [q for year in YEARS for q in _quarters(year)]
    grid = [(unit, start, end) for unit in units for start, end in quarters]
    per_indicator = min(spec.values_per_indicator, len(grid))
    rows: list[ActualValue] = []
    count = 0
    for indicator in indicators:
        for unit, start, end in sorted(rng.sample(grid, per_indicator), key=lambda g: (g[1], g[0].path)):
            rows.append(
                ActualValue(
                    indicator=indicator,
                    unit=unit,
                    period_type="quarter",
                    period_start=start,
                    period_end=end,
                    status=STATUSES[rng.randrange(len(STATUSES))],
                    is_sample=True,
                    **_actual_fields(rng, indicator),
                )
            )
        if len(rows) >= BATCH:
            ActualValue.objects.bulk_create(rows, batch_size=BATCH)
            count += len(rows)
            rows = []
    ActualValue.objects.bulk_create(rows, batch_size=BATCH)
    return count + len(rows)


def plan_fingerprint(framework: Framework) -> str:
    """A digest of the plan's content (no keys, no timestamps): equal for two plans generated alike."""
    digest = hashlib.sha256()
    for row in (
        ResultNode.objects.filter(framework=framework)
        .order_by("path")
        .values_list("number", "path", "tier", "position", "title")
    ):
        digest.update(repr(row).encode())
    for row in Indicator.objects.filter(node__framework=framework).order_by("code").values_list(
        "node__number", "code", "measure", "time_aggregation", "unit_aggregation", "direction", "baseline_value",
        "position",
    ):  # fmt: skip
        digest.update(repr(row).encode())
    for row in (
        Target.objects.filter(indicator__node__framework=framework)
        .order_by("indicator__code", "period_type", "period_start")
        .values_list("indicator__code", "period_type", "period_start", "period_end", "value", "score")
    ):
        digest.update(repr(row).encode())
    for row in ActualValue.objects.filter(indicator__node__framework=framework).order_by(
        "indicator__code", "period_start", "unit__code"
    ).values_list(
        "indicator__code", "unit__code", "period_start", "period_end", "value", "numerator", "denominator", "score",
        "status",
    ):  # fmt: skip
        digest.update(repr(row).encode())
    return digest.hexdigest()
