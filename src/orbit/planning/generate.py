"""The operational plan of a generated results plan (``orbit generate``): activities and what hangs off them.

:func:`generate_operations` adds, under each output (the lowest tier) of a plan made by
:func:`orbit.results.generate.generate_plan`, several activities with their links (results served, SDG
targets, regional initiatives, contributing units), countries and ITU regions, milestones, budget lines
(mostly in CHF, some in USD or EUR, with a few sample exchange rates), progress updates in every review
status and the *metadata* of their evidence (no file is written).  It runs inside ``generate_plan``'s
transaction, before its one audit event, which records the counts returned here.

Everything is sample data (``is_sample`` where the model has it, "Generated" in titles).  Many-to-many rows
go in with their through models' ``bulk_create``; the other rows (hundreds of thousands for a large plan) with
:func:`insert_rows`, batched INSERTs whose values are prepared by the models' own fields, because
``bulk_create``'s per-value SQL compilation was most of the run time on these wide tables (measured on the
large plan: this part took about 2.5 times as long with ``bulk_create``, on SQLite and on PostgreSQL).
The data are a function of the size, the seed and the database's units, users, SDG targets and regional
initiatives: the same call on the same database gives the same rows (:func:`operations_fingerprint`).
Statuses and dates are plausible as seen from :data:`REFERENCE_DATE`, a fixed day in the cycle, not from today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Max
from django.utils import timezone

from orbit.core.codes import country_codes, country_name
from orbit.governance.workflow import ReviewStatus
from orbit.organisation.models import Membership, OrgUnit, Role
from orbit.organisation.models.units import code_validator
from orbit.planning.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    BudgetLine,
    Evidence,
    ExchangeRate,
    FundingSource,
    Milestone,
    ProgressUpdate,
    RegionalInitiative,
)
from orbit.planning.models.activities import REGION_BY_UNIT_NAME, ItuRegion
from orbit.results.generate import BATCH, CYCLE, SIZES
from orbit.results.models import Framework, ResultNode

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


@dataclass(frozen=True)
class OperationsSize:
    activities_per_output: int
    updates_per_activity: int
    milestones_per_activity: int
    #: Evidence records per update, taken in turn (1, 2, 2: five for every three updates).
    evidence_cycle: tuple[int, ...] = (1, 2, 2)

    def activities(self, outputs: int) -> int:
        return outputs * self.activities_per_output

    def updates(self, outputs: int) -> int:
        return self.activities(outputs) * self.updates_per_activity

    def evidence(self, outputs: int) -> int:
        full, rest = divmod(self.updates(outputs), len(self.evidence_cycle))
        return full * sum(self.evidence_cycle) + sum(self.evidence_cycle[:rest])


OPERATIONS_SIZES = {
    "small": OperationsSize(activities_per_output=2, updates_per_activity=3, milestones_per_activity=2),
    "medium": OperationsSize(activities_per_output=8, updates_per_activity=3, milestones_per_activity=3),
    "large": OperationsSize(activities_per_output=36, updates_per_activity=3, milestones_per_activity=3),
}


def outputs_of(size: str) -> int:
    """How many outputs the results generator makes for ``size`` (activities hang under them)."""
    spec = SIZES[size]
    return spec.objectives * spec.outcomes_per_objective * spec.outputs_per_outcome


#: The day the generated statuses are "as of": later plans are planned, earlier ones done or late.
REFERENCE_DATE = dt.date(2026, 6, 30)
SAMPLE_RATE_SOURCE = "sample rate (illustrative)"
#: Illustrative rates into CHF on the first day of each year of the cycle (not official rates).
SAMPLE_RATES = {
    "USD": (Decimal("0.8420"), Decimal("0.8810"), Decimal("0.8030"), Decimal("0.7950")),
    "EUR": (Decimal("0.9290"), Decimal("0.9410"), Decimal("0.9380"), Decimal("0.9310")),
}
YEARS = (2024, 2025, 2026, 2027)

TOPICS = (
    "national broadband plan", "digital skills workshop", "emergency telecommunication drill",
    "spectrum management training", "cybersecurity readiness assessment", "ICT household survey",
    "e-waste policy review", "smart village pilot", "rural connectivity study", "accessible ICT guidelines",
    "child online protection campaign", "regulatory outlook", "digital government services",
    "school connectivity mapping", "women in ICT mentoring", "early warning systems",
)  # fmt: skip
TYPE_WEIGHTS = (
    (ActivityType.PROJECT, 25), (ActivityType.EVENT, 20), (ActivityType.CAPACITY_BUILDING, 20),
    (ActivityType.STUDY, 15), (ActivityType.TECHNICAL_ASSISTANCE, 15), (ActivityType.OTHER, 5),
)  # fmt: skip
MILESTONES = (
    "Terms of reference agreed", "Experts recruited", "Inception report delivered", "Workshop held",
    "Draft report reviewed", "Report published", "Final evaluation done",
)  # fmt: skip
PARTNERS = (
    "National regulator (sample)", "Ministry in charge of ICT (sample)", "University partner (sample)",
    "Private sector partner (sample)", "Civil society organisation (sample)", "Development bank (sample)",
    "UN country team (sample)",
)  # fmt: skip
DELAY_REASONS = (
    "Waiting for the host government's agreement (sample).",
    "Funding arrived later than planned (sample).",
    "Experts were not available on the planned dates (sample).",
    "Travel restrictions postponed the mission (sample).",
)
CANCEL_REASONS = (
    "The beneficiary country withdrew its request (sample).",
    "Merged into another activity (sample).",
    "Funding was not confirmed (sample).",
)
#: A few countries of each region for plausible locations; only codes known to Orbit are used.
REGION_COUNTRIES = {
    ItuRegion.AFR: "SN KE NG GH ZA ET CI ZW RW TZ UG CM BJ ML",
    ItuRegion.AMS: "BR MX AR CO PE CL HN BB JM GT EC PY",
    ItuRegion.ARB: "EG MA TN JO SA AE OM LB DZ SD MR",
    ItuRegion.ASP: "IN ID PH VN TH BD PK NP FJ PG LK MN",
    ItuRegion.CIS: "KZ KG UZ AM AZ BY TJ MD",
    ItuRegion.EUR: "AL BA MK ME RS UA GE TR PL RO",
}
EVIDENCE_KINDS = (
    (Evidence.Kind.PHOTO, 55), (Evidence.Kind.DOCUMENT, 30), (Evidence.Kind.VIDEO, 15),
)  # fmt: skip
DOCUMENT_TYPES = (
    ("pdf", "application/pdf"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)
DOCUMENT_NAMES = ("report", "attendance-list", "agenda", "mission-report", "minutes", "survey-results")
PHOTO_SIZES = ((4032, 3024), (3000, 2000), (1920, 1080), (1600, 1200))
VIDEO_SIZES = ((1920, 1080), (1280, 720))


@dataclass
class _Draft:
    """An activity being built, with what its children need."""

    activity: Activity
    unit: OrgUnit
    output: ResultNode


def _weighted(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    total = sum(weight for _, weight in table)
    pick = rng.randrange(total)
    for value, weight in table:
        if pick < weight:
            return value
        pick -= weight
    raise AssertionError("unreachable")


def _clamp(day: dt.date, low: dt.date, high: dt.date) -> dt.date:
    return max(low, min(high, day))


def _bulk(model: type[M], rows: list[M]) -> list[M]:
    return list(model._default_manager.bulk_create(rows, batch_size=BATCH))


#: Field types whose Python values go to both databases as they are (everything else is converted).
_PLAIN = frozenset({
    "CharField", "TextField", "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField", "ForeignKey",
})  # fmt: skip


def insert_rows(model: type[M], rows: Sequence[M] | Sequence[dict[str, Any]], *, returning: bool = False) -> None:
    """Insert ``rows`` in batches: new instances of ``model`` (with ``returning``, their keys are set), or dicts
    of field attnames to values (a field left out takes its default, evaluated once for the call).

    What ``bulk_create`` writes, without its per-value compilation: every concrete field but the key, each
    value prepared by its field's ``get_db_prep_save`` (after ``pre_save`` for instances), unless the field's
    type needs no conversion (text, numbers, booleans, foreign keys).  No signals are sent, as with
    ``bulk_create``.  PostgreSQL gets one ``INSERT … SELECT FROM UNNEST`` per batch (one array per column, as
    ``bulk_create`` does there); SQLite one single-row statement run for every row, or multi-row INSERTs
    with ``RETURNING``.
    """
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the thread-local proxy
    instances = not isinstance(rows[0], dict)
    assert instances or not returning, "keys are returned to instances only"
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        _bulk(model, [row for row in rows if isinstance(row, model)])
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    attnames = [f.attname for f in fields]
    defaults = [f.get_default() for f in fields]
    converted: list[tuple[int, models.Field[Any, Any], dict[Any, Any] | None]] = [
        (index, field, {} if field.get_internal_type() != "JSONField" else None)
        for index, field in enumerate(fields)
        if field.get_internal_type() not in _PLAIN
    ]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.pk.column)}" if returning and meta.pk is not None else ""

    def params(row: Any) -> list[Any]:
        if instances:
            values = [getattr(row, name) for name in attnames]
        else:
            values = [row.get(name, default) for name, default in zip(attnames, defaults, strict=True)]
        for index, field, seen in converted:
            value = field.pre_save(row, True) if instances else values[index]
            if seen is None:  # JSON: not hashable
                values[index] = field.get_db_prep_save(value, connection)
            elif value in seen:  # dates, timestamps and amounts repeat a lot
                values[index] = seen[value]
            else:
                values[index] = seen[value] = field.get_db_prep_save(value, connection)
        return values

    def keys(batch: Sequence[Any], cursor: Any) -> None:
        for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array per column: a short statement, planned once
            types = ", ".join(f"(%s)::{str(field.db_type(connection)).split('(')[0]}[]" for field in fields)
            sql = f"{head} SELECT * FROM UNNEST({types}){tail}"
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                cursor.execute(sql, [list(column) for column in zip(*map(params, batch), strict=True)])
                if returning:
                    keys(batch, cursor)
        elif not returning:  # one statement run many times (SQLite runs the loop in C)
            cursor.executemany(f"{head} VALUES {one}", [params(row) for row in rows])
        else:
            per = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, list(rows))))
            for start in range(0, len(rows), per):
                batch = rows[start : start + per]
                flat = [value for row in batch for value in params(row)]
                cursor.execute(f"{head} VALUES {', '.join([one] * len(batch))}{tail}", flat)
                keys(batch, cursor)


def _chunks(rows: Iterable[T], size: int = BATCH * 5) -> Iterable[list[T]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _writers_by_unit(units: list[OrgUnit], actor: Any) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """For each unit, the users who may write updates there (contributors and above on it or above it) and
    those who may review them (managers and above); the actor where there is nobody."""
    rows = list(
        Membership.objects.filter(
            unit__isnull=False,
            unit__archived_at__isnull=True,
            user__is_active=True,
            role__in=[Role.CONTRIBUTOR, Role.MANAGER, Role.ADMIN],
        )
        .order_by("user__username", "unit__path")
        .values_list("role", "unit__path", "user_id")
    )
    from django.contrib.auth import get_user_model

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={r[2] for r in rows})}
    writers: dict[int, list[Any]] = {}
    reviewers: dict[int, list[Any]] = {}
    for unit in units:
        held = [(role, users[user_id]) for role, path, user_id in rows if unit.path.startswith(path)]
        writers[unit.pk] = _unique([user for _role, user in held]) or [actor]
        reviewers[unit.pk] = _unique([user for role, user in held if role != Role.CONTRIBUTOR]) or [actor]
    return writers, reviewers


def _unique(users: list[Any]) -> list[Any]:
    seen: dict[int, Any] = {}
    for user in users:
        seen.setdefault(user.pk, user)
    return sorted(seen.values(), key=lambda u: u.get_username())


def _outputs(framework: Framework) -> list[ResultNode]:
    nodes = ResultNode.objects.filter(framework=framework, archived_at__isnull=True)
    lowest = nodes.aggregate(tier=Max("tier"))["tier"]
    return list(nodes.filter(tier=lowest).order_by("path")) if lowest is not None else []


def _sample_rates() -> list[ExchangeRate]:
    existing = set(
        ExchangeRate.objects.filter(base="CHF", currency__in=list(SAMPLE_RATES)).values_list("currency", "valid_from")
    )
    rates = []
    for currency, values in SAMPLE_RATES.items():
        for year, rate in zip(YEARS, values, strict=True):
            valid_from = dt.date(year, 1, 1)
            if (currency, valid_from) not in existing:
                rates.append(
                    ExchangeRate(
                        currency=currency, base="CHF", rate=rate, valid_from=valid_from, source=SAMPLE_RATE_SOURCE,
                        is_sample=True,
                    )
                )  # fmt: skip
    return _bulk(ExchangeRate, rates)


def generate_operations(
    framework: Framework, units: list[OrgUnit], *, actor: Any, size: str, seed: int
) -> dict[str, int]:
    """Add the generated operational plan under ``framework``'s outputs; return the counts of what was added.

    ``units`` are the reporting units of the results generator: responsible and contributing units are
    spread over them.  Call it inside the transaction that records the generation's audit event.
    """
    if size not in OPERATIONS_SIZES:
        raise ValidationError({"size": f"Choose one of {', '.join(OPERATIONS_SIZES)}."})
    spec = OPERATIONS_SIZES[size]
    prefix = f"{framework.code}-A"
    width = len(str(spec.activities(max(1, len(_outputs(framework))))))
    sample_code = f"{prefix}{'0' * max(width, 4)}"
    try:
        code_validator(sample_code)
    except ValidationError:
        raise ValidationError(
            {"seed": f"The activity codes ({sample_code}) would be too long; use a smaller seed."}
        ) from None
    if Activity.all_objects.filter(code__startswith=prefix).exists():
        raise ValidationError({"code": f"Activities with codes {prefix}… exist already."})
    rng = random.Random(f"planning:{size}:{seed}")  # noqa: S311 -- reproducible synthetic data, not a secret
    builder = _Builder(rng, framework, units, actor, spec, prefix, max(width, 4))
    return builder.run()


class _Builder:
    def __init__(
        self,
        rng: random.Random,
        framework: Framework,
        units: list[OrgUnit],
        actor: Any,
        spec: OperationsSize,
        prefix: str,
        width: int,
    ) -> None:
        self.rng = rng
        self.framework = framework
        self.units = sorted(units, key=lambda u: u.path)
        self.actor = actor
        self.spec = spec
        self.prefix = prefix
        self.width = width
        known = country_codes()
        self.all_countries = sorted(known)
        self.countries = {
            region: [c for c in codes.split() if c in known] or self.all_countries
            for region, codes in REGION_COUNTRIES.items()
        }
        self.unit_region = {unit.pk: REGION_BY_UNIT_NAME.get(unit.region or "") for unit in self.units}
        self.initiatives: dict[str, list[int]] = {}
        for region, pk in (
            RegionalInitiative.objects.filter(archived_at__isnull=True).order_by("code").values_list("region", "pk")
        ):
            self.initiatives.setdefault(region, []).append(pk)
        self.sdg_targets = list(
            ResultNode.objects.filter(
                framework__kind=Framework.Kind.GLOBAL_GOALS,
                framework__archived_at__isnull=True,
                archived_at__isnull=True,
                tier=1,
            )
            .order_by("framework__code", "path")
            .values_list("pk", flat=True)
        )
        self.writers, self.reviewers = _writers_by_unit(self.units, actor)
        self.counts: dict[str, int] = {}
        now = timezone.now()
        #: Every row is created at the same moment, the start of the run.
        self.stamps = {"created_at": now, "updated_at": now}

    # --- the run ----------------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        outputs = _outputs(self.framework)
        siblings: dict[int | None, list[ResultNode]] = {}
        for output in outputs:
            siblings.setdefault(output.parent_id, []).append(output)
        drafts = []
        number = 0
        for output in outputs:
            for _ in range(self.spec.activities_per_output):
                number += 1
                drafts.append(self._activity(number, output))
        for chunk in _chunks(drafts):
            insert_rows(Activity, [d.activity for d in chunk], returning=True)
        self.counts["activities"] = len(drafts)
        self._relations(drafts, siblings)
        self.counts["milestones"] = self._insert(Milestone, (m for d in drafts for m in self._milestones(d)))
        self.counts["budget_lines"] = self._insert(BudgetLine, (b for d in drafts for b in self._budget(d)))
        self.counts["exchange_rates"] = len(_sample_rates())
        self._updates_and_evidence(drafts)
        return self.counts

    def _insert(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
        count = 0
        for chunk in _chunks(rows):
            insert_rows(model, chunk)
            count += len(chunk)
        return count

    def _links(self, model: type[models.Model], rows: list[Any]) -> int:
        for chunk in _chunks(rows):
            _bulk(model, chunk)
        return len(rows)

    # --- activities -------------------------------------------------------------------------------------------

    def _activity(self, number: int, output: ResultNode) -> _Draft:
        rng = self.rng
        unit = self.units[rng.randrange(len(self.units))]
        kind = _weighted(rng, TYPE_WEIGHTS)
        topic = TOPICS[rng.randrange(len(TOPICS))]
        code = f"{self.prefix}{number:0{self.width}d}"
        title = {"en": f"Generated activity {number}: {topic} ({ActivityType(kind).label.lower()})"}
        if number % 3 == 0:
            title["fr"] = f"Activité générée {number} (exemple)"
        region = self.unit_region.get(unit.pk)
        if region:
            regions = [str(region)]
            pool = self.countries[region]
        else:  # headquarters: global (no countries), or for one or two regions
            regions = sorted(str(r) for r in rng.sample(ItuRegion.values, rng.choice((0, 0, 1, 2))))
            pool = sorted({c for r in regions for c in self.countries[ItuRegion(r)]})
        countries = sorted(rng.sample(pool, min(len(pool), rng.choice((0, 1, 1, 2, 3, 4)))))
        partners = sorted(rng.sample(PARTNERS, rng.choice((0, 1, 1, 2))))

        start = CYCLE[0] + dt.timedelta(days=rng.randrange((dt.date(2027, 6, 30) - CYCLE[0]).days))
        end = _clamp(start + dt.timedelta(days=rng.randint(30, 540)), start, CYCLE[1])
        status, reason = ActivityStatus.PLANNED, ""
        actual_start = actual_end = None
        if start > REFERENCE_DATE:
            if rng.random() < 0.05:
                status, reason = ActivityStatus.CANCELLED, rng.choice(CANCEL_REASONS)
        else:
            actual_start = _clamp(start + dt.timedelta(days=rng.randint(-10, 45)), CYCLE[0], REFERENCE_DATE)
            roll = rng.random()
            if end <= REFERENCE_DATE:
                if roll < 0.80:
                    status = ActivityStatus.COMPLETED
                    actual_end = _clamp(end + dt.timedelta(days=rng.randint(-15, 40)), actual_start, REFERENCE_DATE)
                elif roll < 0.95:
                    status, reason = ActivityStatus.DELAYED, rng.choice(DELAY_REASONS)
                else:
                    status, reason = ActivityStatus.CANCELLED, rng.choice(CANCEL_REASONS)
                    actual_end = _clamp(actual_start + dt.timedelta(days=rng.randint(10, 90)), actual_start,
                                        REFERENCE_DATE)  # fmt: skip
            elif roll < 0.85:
                status = ActivityStatus.ONGOING
            else:
                status, reason = ActivityStatus.DELAYED, rng.choice(DELAY_REASONS)
        activity = Activity(
            code=code,
            title=title,
            description={"en": "Synthetic sample activity from orbit generate; not real."},
            type=kind,
            responsible_unit=unit,
            countries=countries,
            regions=regions,
            partners=partners,
            planned_start=start,
            planned_end=end,
            actual_start=actual_start,
            actual_end=actual_end,
            status=status,
            status_reason=reason,
            is_sample=True,
            **self.stamps,
        )
        return _Draft(activity, unit, output)

    def _relations(self, drafts: list[_Draft], siblings: dict[int | None, list[ResultNode]]) -> None:
        rng = self.rng
        nodes, contributing, initiatives, sdgs = [], [], [], []
        NodeLink = Activity.nodes.through
        UnitLink = Activity.contributing_units.through
        InitiativeLink = Activity.initiatives.through
        SdgLink = Activity.sdg_targets.through
        for draft in drafts:
            pk = draft.activity.pk
            served = [draft.output.pk]
            others = [n for n in siblings.get(draft.output.parent_id, []) if n.pk != draft.output.pk]
            if others and rng.random() < 0.2:
                served.append(others[rng.randrange(len(others))].pk)
            nodes += [NodeLink(activity_id=pk, resultnode_id=node) for node in sorted(served)]
            if len(self.units) > 1 and rng.random() < 0.4:
                pool = [u.pk for u in self.units if u.pk != draft.unit.pk]
                for unit in sorted(rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))):
                    contributing.append(UnitLink(activity_id=pk, orgunit_id=unit))
            for region in draft.activity.regions:
                candidates = self.initiatives.get(region, [])
                if candidates and rng.random() < 0.35:
                    initiatives.append(
                        InitiativeLink(activity_id=pk, regionalinitiative_id=candidates[rng.randrange(len(candidates))])
                    )
            if self.sdg_targets:
                for node in sorted(rng.sample(self.sdg_targets, min(len(self.sdg_targets), rng.choice((0, 1, 1, 2))))):
                    sdgs.append(SdgLink(activity_id=pk, resultnode_id=node))
        self.counts["activity_links"] = 0
        for model, rows in ((NodeLink, nodes), (UnitLink, contributing), (InitiativeLink, initiatives),
                            (SdgLink, sdgs)):  # fmt: skip
            self.counts["activity_links"] += self._links(model, rows)

    # --- milestones and budget --------------------------------------------------------------------------------

    def _milestones(self, draft: _Draft) -> list[dict[str, Any]]:
        rng, activity = self.rng, draft.activity
        assert activity.planned_start is not None and activity.planned_end is not None
        count = self.spec.milestones_per_activity
        span = (activity.planned_end - activity.planned_start).days
        started = activity.status in (ActivityStatus.ONGOING, ActivityStatus.COMPLETED, ActivityStatus.DELAYED)
        rows = []
        first = rng.randrange(len(MILESTONES) - count + 1)
        for index in range(count):
            due = activity.planned_start + dt.timedelta(days=span * (index + 1) // count)
            done = None
            if activity.status == ActivityStatus.COMPLETED:
                assert activity.actual_end is not None
                done = _clamp(due + dt.timedelta(days=rng.randint(-10, 20)), activity.actual_start or due,
                              activity.actual_end)  # fmt: skip
            elif started and due <= REFERENCE_DATE and rng.random() < 0.85:
                done = _clamp(due + dt.timedelta(days=rng.randint(-10, 30)), CYCLE[0], REFERENCE_DATE)
            rows.append(
                {
                    "activity_id": activity.pk,
                    "title": {"en": f"Generated milestone: {MILESTONES[first + index].lower()}"},
                    "due_date": due,
                    "done_date": done,
                    **self.stamps,
                }
            )
        return rows

    def _budget(self, draft: _Draft) -> list[dict[str, Any]]:
        rng, activity = self.rng, draft.activity
        assert activity.planned_start is not None and activity.planned_end is not None
        years = range(activity.planned_start.year, activity.planned_end.year + 1)
        lines = [(FundingSource.REGULAR, year, "CHF") for year in years]
        if rng.random() < 0.3:
            source = _weighted(rng, ((FundingSource.EXTRA_BUDGETARY, 6), (FundingSource.ICT_DF, 2),
                                     (FundingSource.IN_KIND, 1)))  # fmt: skip
            currency = _weighted(rng, (("USD", 5), ("EUR", 3), ("CHF", 2)))
            lines.append((source, activity.planned_start.year, currency))
        rows = []
        for source, year, currency in lines:
            planned = Decimal(rng.randint(50, 3000) * 100)
            if activity.status == ActivityStatus.PLANNED or year > REFERENCE_DATE.year:
                committed = spent = Decimal(0)
            else:
                share = rng.uniform(0.8, 1.0) if year < REFERENCE_DATE.year else rng.uniform(0.3, 0.8)
                committed = (planned * Decimal(f"{share:.2f}")).quantize(Decimal(100))
                spent = (committed * Decimal(f"{rng.uniform(0.5, 1.0):.2f}")).quantize(Decimal(100))
            rows.append(
                {
                    "activity_id": activity.pk,
                    "source": source,
                    "year": year,
                    "currency": currency,
                    "planned": planned,
                    "committed": committed,
                    "spent": spent,
                    "note": "Generated (sample)",
                    "is_sample": True,
                    **self.stamps,
                }
            )
        return rows

    # --- updates and evidence ---------------------------------------------------------------------------------

    def _updates_and_evidence(self, drafts: list[_Draft]) -> None:
        updates = evidence = 0
        position = 0  # the running update number, which picks each update's count of evidence in turn
        for chunk in _chunks(drafts, BATCH):
            rows: list[ProgressUpdate] = []
            for draft in chunk:
                rows += self._updates(draft)
            insert_rows(ProgressUpdate, rows, returning=True)
            updates += len(rows)
            files: list[dict[str, Any]] = []
            for update in rows:
                count = self.spec.evidence_cycle[position % len(self.spec.evidence_cycle)]
                position += 1
                files += [self._evidence(update, index) for index in range(1, count + 1)]
            evidence += self._insert(Evidence, files)
        self.counts["updates"] = updates
        self.counts["evidence"] = evidence

    def _updates(self, draft: _Draft) -> list[ProgressUpdate]:
        rng, activity, unit = self.rng, draft.activity, draft.unit
        assert activity.planned_start is not None
        if activity.actual_start is not None:
            low = activity.actual_start
            high = activity.actual_end or REFERENCE_DATE
        else:  # preparation before the start
            low = _clamp(activity.planned_start - dt.timedelta(days=120), CYCLE[0], CYCLE[1])
            high = min(activity.planned_start, REFERENCE_DATE) if activity.planned_start > low else low
        high = max(low, high)
        count = self.spec.updates_per_activity
        days = sorted(rng.randint(0, (high - low).days) for _ in range(count))
        statuses = [_weighted(rng, ((ReviewStatus.APPROVED, 80), (ReviewStatus.RETURNED, 10),
                                    (ReviewStatus.SUBMITTED, 10))) for _ in range(count - 1)]  # fmt: skip
        statuses.append(
            _weighted(rng, ((ReviewStatus.DRAFT, 30), (ReviewStatus.SUBMITTED, 25), (ReviewStatus.RETURNED, 10),
                            (ReviewStatus.APPROVED, 35)))
        )  # fmt: skip
        new_status = [""] * count
        approved = [i for i, s in enumerate(statuses) if s == ReviewStatus.APPROVED]
        if activity.status != ActivityStatus.PLANNED and approved:
            if activity.actual_start is not None:
                new_status[approved[0]] = ActivityStatus.ONGOING
            new_status[approved[-1]] = activity.status
        last = count - 1
        if (
            activity.status == ActivityStatus.ONGOING
            and statuses[last] in (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED)
            and rng.random() < 0.2
        ):
            new_status[last] = ActivityStatus.DELAYED
        writers, reviewers = self.writers[unit.pk], self.reviewers[unit.pk]
        rows = []
        for index in range(count):
            date = low + dt.timedelta(days=days[index])
            status = statuses[index]
            proposed = new_status[index]
            reason = ""
            if proposed in (ActivityStatus.DELAYED, ActivityStatus.CANCELLED):
                reason = activity.status_reason if proposed == activity.status else rng.choice(DELAY_REASONS)
            noon = dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC)
            submitted = noon + dt.timedelta(days=1) if status != ReviewStatus.DRAFT else None
            reviewed = noon + dt.timedelta(days=rng.randint(2, 10)) if status in (
                ReviewStatus.APPROVED, ReviewStatus.RETURNED) else None  # fmt: skip
            place: dict[str, Any] = {}
            if activity.countries and rng.random() < 0.3:
                country = activity.countries[rng.randrange(len(activity.countries))]
                place = {
                    "location": f"{country_name(country)} (sample)",
                    "latitude": Decimal(f"{rng.uniform(-60, 70):.6f}"),
                    "longitude": Decimal(f"{rng.uniform(-179, 179):.6f}"),
                }
            rows.append(
                ProgressUpdate(
                    activity=activity,
                    unit=unit,
                    author=writers[rng.randrange(len(writers))],
                    date=date,
                    narrative={"en": f"Generated progress update {index + 1} on {activity.code} (sample)."},
                    new_status=proposed,
                    status_reason=reason,
                    status=status,
                    review_note=(
                        "Generated review note: add the attendance list (sample)."
                        if status == ReviewStatus.RETURNED
                        else ""
                    ),
                    submitted_at=submitted,
                    reviewed_at=reviewed,
                    reviewed_by=reviewers[rng.randrange(len(reviewers))] if reviewed else None,
                    is_sample=True,
                    **place,
                    **self.stamps,
                )
            )
        return rows

    def _evidence(self, update: ProgressUpdate, index: int) -> dict[str, Any]:
        rng = self.rng
        kind = _weighted(rng, EVIDENCE_KINDS)
        width = height = None
        number = rng.randint(1000, 9999)
        if kind == Evidence.Kind.PHOTO:
            extension, content_type = ("jpg", "image/jpeg") if rng.random() < 0.85 else ("png", "image/png")
            original = f"IMG_{number}.{extension}"
            size = rng.randint(150_000, 8_000_000)
            width, height = PHOTO_SIZES[rng.randrange(len(PHOTO_SIZES))]
        elif kind == Evidence.Kind.VIDEO:
            extension, content_type = "mp4", "video/mp4"
            original = f"VID_{number}.mp4"
            size = rng.randint(2_000_000, 250_000_000)
            width, height = VIDEO_SIZES[rng.randrange(len(VIDEO_SIZES))]
        else:
            extension, content_type = DOCUMENT_TYPES[rng.randrange(len(DOCUMENT_TYPES))]
            original = f"{DOCUMENT_NAMES[rng.randrange(len(DOCUMENT_NAMES))]}-{number}.{extension}"
            size = rng.randint(40_000, 12_000_000)
        digest = f"{rng.getrandbits(256):064x}"
        people = kind != Evidence.Kind.DOCUMENT and rng.random() < 0.4
        activity = update.activity
        assert activity is not None
        return {
            "update_id": update.pk,
            "kind": kind,
            "file": f"evidence/generated/{digest[:2]}/{digest}.{extension}",
            "original_name": original,
            "content_type": content_type,
            "size": size,
            "sha256": digest,
            "width": width,
            "height": height,
            "caption": {"en": f"Generated {kind} {index} for {activity.code} (sample)"},
            "credit": "Sample data",
            "taken_on": _clamp(update.date - dt.timedelta(days=rng.randint(0, 10)), CYCLE[0], CYCLE[1]),
            "location": update.location,
            "identifiable_people": people,
            "consent": people and rng.random() < 0.7,
            "is_sample": True,
            **self.stamps,
        }


# --- the fingerprint --------------------------------------------------------------------------------------------


def operations_fingerprint(framework: Framework) -> str:
    """A digest of the operational plan under ``framework`` (no keys, no timestamps of the insert)."""
    digest = hashlib.sha256()

    def feed(rows: Iterable[Any]) -> None:
        for row in rows:
            digest.update(repr(row).encode())

    activities = Activity.all_objects.filter(code__startswith=f"{framework.code}-A")
    feed(
        activities.order_by("code").values_list(
            "code", "title", "description", "type", "responsible_unit__code", "countries", "regions", "partners",
            "planned_start", "planned_end", "actual_start", "actual_end", "status", "status_reason", "is_sample",
        )
    )  # fmt: skip
    for through, column in (
        (Activity.nodes.through, "resultnode__path"),
        (Activity.contributing_units.through, "orgunit__code"),
        (Activity.initiatives.through, "regionalinitiative__code"),
        (Activity.sdg_targets.through, "resultnode__path"),
    ):
        feed(
            through.objects.filter(activity__in=activities)
            .order_by("activity__code", column)
            .values_list("activity__code", column)
        )
    feed(
        Milestone.all_objects.filter(activity__in=activities)
        .order_by("activity__code", "due_date", "id")
        .values_list("activity__code", "title", "due_date", "done_date")
    )
    feed(
        BudgetLine.all_objects.filter(activity__in=activities)
        .order_by("activity__code", "id")
        .values_list("activity__code", "source", "year", "currency", "planned", "committed", "spent", "note")
    )
    updates = ProgressUpdate.all_objects.filter(activity__in=activities).order_by("activity__code", "id")
    rank = {pk: index for index, pk in enumerate(updates.values_list("pk", flat=True))}
    feed(
        updates.values_list(
            "activity__code", "unit__code", "author__username", "date", "narrative", "new_status", "status_reason",
            "location", "latitude", "longitude", "status", "review_note", "submitted_at", "reviewed_at",
            "reviewed_by__username",
        )
    )  # fmt: skip
    for row in (
        Evidence.all_objects.filter(update__in=updates.values("pk"))
        .order_by("update_id", "id")
        .values_list(
            "update_id", "kind", "file", "original_name", "content_type", "size", "sha256", "width", "height",
            "caption", "taken_on", "location", "identifiable_people", "consent",
        )
    ):  # fmt: skip
        feed([(rank[row[0]], *row[1:])])
    return digest.hexdigest()


__all__ = [
    "OPERATIONS_SIZES",
    "REFERENCE_DATE",
    "SAMPLE_RATE_SOURCE",
    "OperationsSize",
    "generate_operations",
    "operations_fingerprint",
    "outputs_of",
]
