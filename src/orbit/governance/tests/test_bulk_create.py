"""``audited_bulk_create``: the events one create at a time would give, validated, chained, in few queries."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orbit.core.context import audit_context
from orbit.governance import chain
from orbit.governance.chain import verify_database
from orbit.governance.models import AuditEvent
from orbit.governance.services import audited_bulk_create, audited_create, snapshot
from orbit.results.models import Indicator, Target
from orbit.results.models.periods import PeriodType
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db

#: What two events of the same record may differ in: where they sit in the chain, when, and the record's own id.
CHAIN_FIELDS = {"id", "seq", "occurred_at", "object_id", "prev_hash", "hmac"}


@pytest.fixture
def indicator(tree):
    framework = make_framework(tree.dept_a, "FWB")
    node = make_node(framework, "Output")
    return make_indicator(node, "IB1", measure="number")


def targets(indicator, count, **values):
    """Unsaved targets for the quarters of 2025 onwards (test data)."""
    out = []
    for index in range(count):
        start = dt.date(2025 + index // 4, 1 + 3 * (index % 4), 1)
        end = (start.replace(day=28) + dt.timedelta(days=70)).replace(day=1) - dt.timedelta(days=1)
        fields = {"value": Decimal("12.50") + index, "note": f"target {index}", **values}
        out.append(
            Target(indicator=indicator, period_type=PeriodType.QUARTER, period_start=start, period_end=end, **fields)
        )
    return out


def events_of(records):
    by_id = {
        e.object_id: e
        for e in AuditEvent.objects.filter(
            object_type=records[0]._meta.label_lower, object_id__in=[str(r.pk) for r in records]
        )
    }
    return [by_id[str(r.pk)] for r in records]


def content(event):
    return {
        f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields if f.attname not in CHAIN_FIELDS
    }


def test_bulk_events_hold_what_single_creates_record(tree, system_actor, indicator):
    with audit_context(source="job", reason="bulk test"):
        with transaction.atomic():
            bulk = audited_bulk_create(actor=system_actor, instances=targets(indicator, 6))
        single = [audited_create(actor=system_actor, instance=t) for t in targets(indicator, 6)]
    # the rows stored are those a save() stores (every field read back, but the key and the times)
    own = {"id", "created_at", "updated_at"}
    stored = {r["id"]: r for r in Target.all_objects.filter(pk__in=[t.pk for t in bulk + single]).values()}
    for b, s in zip(bulk, single, strict=True):
        assert {k: v for k, v in stored[b.pk].items() if k not in own} == {
            k: v for k, v in stored[s.pk].items() if k not in own
        }
        assert stored[b.pk]["created_at"] == b.created_at and stored[b.pk]["version"] == 1
    bulk_events, single_events = events_of(bulk), events_of(single)
    assert len(bulk_events) == 6
    for b, s in zip(bulk_events, single_events, strict=True):
        assert content(b) == content(s)
        assert b.action == "create" and b.object_version == 1
        assert b.parent_type == "results.indicator" and b.parent_id == str(indicator.pk)
        assert b.scope_path == tree.dept_a.path
        assert b.changes["value"][1] == s.changes["value"][1]
    # one event per record, consecutive in the chain, each linked to the one before
    seqs = [e.seq for e in bulk_events]
    assert seqs == list(range(seqs[0], seqs[0] + 6))
    for before, after in itertools.pairwise(bulk_events):
        assert after.prev_hash == before.hmac
    for event in bulk_events:
        assert chain.compute_hmac(event) == event.hmac
    result = verify_database()
    assert result.ok, result
    assert result.count == AuditEvent.objects.count()


def test_bulk_changes_equal_the_snapshot_of_each_record(tree, system_actor, indicator, cli_context):
    records = targets(indicator, 3, category="", score=None)
    with transaction.atomic():
        audited_bulk_create(actor=system_actor, instances=records)
    for record, event in zip(records, events_of(records), strict=True):
        wanted = {name: [None, v] for name, v in snapshot(record).items() if v not in (None, "", {}, [])}
        assert event.changes == wanted
        assert event.changes["period_start"] == [None, record.period_start.isoformat()]
        assert event.changes["indicator"] == [None, indicator.pk]
        assert "score" not in event.changes and "version" not in event.changes


def test_bulk_create_refuses_an_invalid_record_and_writes_nothing(tree, system_actor, indicator, cli_context):
    records = targets(indicator, 3)
    records[1].category = "x" * 41  # longer than the field allows
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        audited_bulk_create(actor=system_actor, instances=records)
    assert "category" in refused.value.message_dict
    records = targets(indicator, 2)
    records[0].period_type = "fortnight"  # not a choice
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        audited_bulk_create(actor=system_actor, instances=records)
    assert "period_type" in refused.value.message_dict
    assert AuditEvent.objects.count() == before
    assert not Target.objects.filter(indicator=indicator).exists()


def test_bulk_create_runs_the_models_own_clean(tree, system_actor, indicator, cli_context):
    """Besides each field, the model's ``clean`` decides: a score scale on a numeric indicator is refused."""
    wrong = Indicator(
        node=indicator.node, code="IB2", title={"en": "Indicator IB2"}, measure=Indicator.Measure.NUMBER,
        score_scale=[{"score": 1, "label": {"en": "Started"}}],
    )  # fmt: skip
    with pytest.raises(ValidationError) as by_full_clean:
        wrong.full_clean(exclude=["node"], validate_unique=False, validate_constraints=False)
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        audited_bulk_create(actor=system_actor, instances=[wrong])
    assert refused.value.message_dict == by_full_clean.value.message_dict
    assert "score_scale" in refused.value.message_dict
    assert not Indicator.all_objects.filter(code="IB2").exists()


def test_query_count_does_not_grow_with_the_records(tree, system_actor, indicator, cli_context):
    def count(n):
        records = targets(indicator, n)
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            audited_bulk_create(actor=system_actor, instances=records, batch_size=1000)
        return len(queries)

    small, large = count(2), count(40)
    assert small == large, (small, large)
    assert verify_database().ok


def test_parents_given_by_id_are_read_once_not_per_record(tree, system_actor, indicator, cli_context):
    """Records that name their parent by id only: the audit hooks' relations are read in bulk."""

    def count(n):
        records = targets(indicator, n)
        for record in records:
            record.indicator_id = None
            record.indicator_id = indicator.pk  # a changed id drops the cached record
            assert not Target.indicator.field.is_cached(record)
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            audited_bulk_create(actor=system_actor, instances=records, batch_size=1000)
        return len(queries), records

    (small, _), (large, records) = count(2), count(30)
    assert small == large, (small, large)
    for event in events_of(records):
        assert event.parent_id == str(indicator.pk)
        assert event.scope_path == tree.dept_a.path
    assert verify_database().ok


def test_events_after_a_bulk_create_chain_on_from_single_writes(tree, system_actor, indicator, cli_context):
    with transaction.atomic():
        audited_bulk_create(actor=system_actor, instances=targets(indicator, 4))
    later = audited_create(actor=system_actor, instance=targets(indicator, 1)[0])
    last_bulk, single = AuditEvent.objects.order_by("-seq")[1:3][0], events_of([later])[0]
    assert single.prev_hash == last_bulk.hmac
    assert verify_database().ok


def test_a_parent_that_does_not_exist_is_refused_as_full_clean_refuses_it(tree, system_actor, indicator, cli_context):
    records = targets(indicator, 3)
    records[2].indicator_id = indicator.pk + 1000  # no such indicator
    lone = targets(indicator, 1)[0]
    lone.indicator_id = indicator.pk + 1000
    with pytest.raises(ValidationError) as by_full_clean:
        lone.full_clean(validate_unique=False, validate_constraints=False)
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        audited_bulk_create(actor=system_actor, instances=records)
    assert refused.value.message_dict == by_full_clean.value.message_dict
    assert "indicator" in refused.value.message_dict
    assert not Target.objects.filter(indicator=indicator).exists()


def test_bulk_rows_with_json_decimal_and_date_fields_equal_saved_ones(tree, system_actor, indicator, cli_context):
    def build(code):
        return Indicator(
            node=indicator.node, code=code, title={"en": "Children vaccinated", "fr": "Enfants vaccinés"},
            definition={"en": "Share of the cohort"}, measure=Indicator.Measure.NUMBER,
            baseline_value=Decimal("41.250"), baseline_date=dt.date(2024, 6, 30), dimension_codes=["SEX", "AGE"],
            unit_label="children", position=3,
        )  # fmt: skip

    with transaction.atomic():
        bulk = audited_bulk_create(actor=system_actor, instances=[build("B1"), build("B2")])
    single = [audited_create(actor=system_actor, instance=build(code)) for code in ("S1", "S2")]
    own = {"id", "code", "created_at", "updated_at"}
    rows = {r["id"]: r for r in Indicator.all_objects.filter(pk__in=[i.pk for i in bulk + single]).values()}
    for b, s in zip(bulk, single, strict=True):
        assert {k: v for k, v in rows[b.pk].items() if k not in own} == {
            k: v for k, v in rows[s.pk].items() if k not in own
        }
    assert rows[bulk[0].pk]["title"] == {"en": "Children vaccinated", "fr": "Enfants vaccinés"}
    assert rows[bulk[0].pk]["baseline_value"] == Decimal("41.250")
    for b, s in zip(events_of(bulk), events_of(single), strict=True):
        assert {k: v for k, v in b.changes.items() if k != "code"} == {
            k: v for k, v in s.changes.items() if k != "code"
        }
    assert verify_database().ok


def test_the_payload_hmac_equals_the_event_hmac(system_actor):
    """The bulk writer signs a payload of normalised values; the verifier signs the stored event: both agree."""
    zone = dt.timezone(dt.timedelta(hours=5, minutes=30))
    event = AuditEvent(
        seq=7, occurred_at=dt.datetime(2026, 3, 1, 9, 15, 30, 123456, tzinfo=zone), actor_id=system_actor.pk,
        actor_username="orbit-system", request_id="r-1", source="job", action="create", object_type="results.target",
        object_id="42", object_label="cible IB1 T1 2025 — « données » 数据", object_version=None, parent_type="",
        parent_id="", scope_path="/ITU/BDT/", changes_json='{"note":[null,"é"]}', reason="", prev_hash="0" * 64,
    )  # fmt: skip
    payload = {name: chain.normalised(name, getattr(event, name)) for name in chain.HASHED_FIELDS}
    assert chain.payload_hmac(payload, chain.hmac_key()) == chain.compute_hmac(event)
    payload["object_label"] += " "
    assert chain.payload_hmac(payload, chain.hmac_key()) != chain.compute_hmac(event)
