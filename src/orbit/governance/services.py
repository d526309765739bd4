"""Writes that every other context goes through: audit events, versioned updates, archive and restore.

Each helper runs in one transaction: it checks the version the writer read, saves,
and appends one :class:`AuditEvent` to the chain.  Domain services
(``org_unit_create`` and friends) validate and authorise, then call these.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection, connections, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from orbit.core import context
from orbit.core.errors import AnonymousWrite, StaleVersion
from orbit.governance import chain
from orbit.governance.chain import compute_hmac
from orbit.governance.models import AuditChainHead, AuditedModel, AuditEvent
from orbit.governance.models.audit import GENESIS_HASH

M = TypeVar("M", bound=AuditedModel)
Actor = AbstractBaseUser | AnonymousUser


def object_type_of(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def audit_value(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the change log."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, dict):
        return {str(k): audit_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [audit_value(v) for v in value]
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    exclude = set(getattr(instance, "audit_exclude", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in exclude:
            continue
        data[field.name] = audit_value(getattr(instance, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)}


def require_actor(actor: Any) -> Any:
    """Refuse a write without an authenticated actor (the CLI and jobs act as a named account)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk is None:
        raise AnonymousWrite("every write needs an authenticated actor")
    return actor


def record_event(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    object_label: str = "",
    object_version: int | None = None,
    parent_type: str = "",
    parent_id: Any = "",
    scope_path: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain.  Must run inside the transaction of the write it records."""
    require_actor(actor)
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the write's transaction")
    ctx = context.current()
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        actor_id=actor.pk,
        actor_username=actor.get_username(),
        request_id=ctx.request_id,
        source=ctx.source,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=(object_label or "")[:200],
        object_version=object_version,
        parent_type=parent_type,
        parent_id=str(parent_id or ""),
        scope_path=scope_path,
        changes_json=json.dumps(changes or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        reason=reason or ctx.reason,
        prev_hash=head.hash,
    )
    event.hmac = compute_hmac(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hmac)
    return event


def record_for(
    *, actor: Any, action: str, instance: AuditedModel, changes: dict[str, Any], reason: str = ""
) -> AuditEvent:
    parent = instance.audit_parent()
    return record_event(
        actor=actor,
        action=action,
        object_type=object_type_of(instance),
        object_id=instance.pk,
        object_label=instance.audit_label(),
        object_version=instance.version,
        parent_type=object_type_of(parent) if parent is not None else "",
        parent_id=parent.pk if parent is not None else "",
        scope_path=instance.audit_scope_path(),
        changes=changes,
        reason=reason,
    )


def _lock(instance: M) -> M:
    manager = type(instance).all_objects
    locked: M = manager.select_for_update().get(pk=instance.pk)
    return locked


def changes_since(instance: AuditedModel, version: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=object_type_of(instance), object_id=str(instance.pk), object_version__gt=version
        ).order_by("seq")
    )


def _check_version(current: M, expected_version: int) -> None:
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise ValidationError({"version": "The version you edited is required (an integer)."})
    if current.version != expected_version:
        raise StaleVersion(
            expected=expected_version, current=current, changes_since=changes_since(current, expected_version)
        )


def _related_ids(values: Any) -> list[Any]:
    return sorted({v.pk if isinstance(v, models.Model) else v for v in values or ()})


def _current_related(instance: models.Model, name: str) -> list[Any]:
    return sorted(getattr(instance, name).values_list("pk", flat=True))


@transaction.atomic
def audited_create(
    *,
    actor: Any,
    instance: M,
    reason: str = "",
    action: str = "create",
    after_insert: Callable[[M], None] | None = None,
    relations: dict[str, Any] | None = None,
) -> M:
    """Insert ``instance`` and record it; ``after_insert`` may set fields that need the primary key.

    ``relations`` sets many-to-many fields (name → records or primary keys) in the same write and event.
    """
    require_actor(actor)
    instance.full_clean()
    now = timezone.now()
    instance.created_at = now
    instance.updated_at = now
    instance.version = 1
    instance.save(force_insert=True)
    if after_insert is not None:
        after_insert(instance)
    after = snapshot(instance)
    changes = {name: [None, value] for name, value in after.items() if value not in (None, "", {}, [])}
    for name, related in (relations or {}).items():
        ids = _related_ids(related)
        getattr(instance, name).set(ids)
        if ids:
            changes[name] = [None, ids]
    record_for(actor=actor, action=action, instance=instance, changes=changes, reason=reason)
    return instance


@transaction.atomic
def audited_update(
    *,
    actor: Any,
    instance: M,
    expected_version: int,
    values: dict[str, Any],
    reason: str = "",
    action: str = "update",
    relations: dict[str, Any] | None = None,
) -> M:
    """Apply ``values`` if the record is still at ``expected_version``; no-op when nothing changes.

    ``relations`` replaces many-to-many fields (name → records or primary keys) in the same write and event.
    """
    require_actor(actor)
    current = _lock(instance)
    _check_version(current, expected_version)
    before = snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    changes = diff(before, snapshot(current))
    fields = [current._meta.get_field(name).name for name in changes]
    related_changes: dict[str, list[Any]] = {}
    for name, related in (relations or {}).items():
        old, new = _current_related(current, name), _related_ids(related)
        if old != new:
            related_changes[name] = [old, new]
    if not changes and not related_changes:
        return current
    current.version += 1
    current.updated_at = timezone.now()
    current.save(update_fields=[*fields, "version", "updated_at"])
    for name, (_old, new) in related_changes.items():
        getattr(current, name).set(new)
    changes.update(related_changes)
    record_for(actor=actor, action=action, instance=current, changes=changes, reason=reason)
    return current


@transaction.atomic
def audited_archive(*, actor: Any, instance: M, expected_version: int, reason: str) -> M:
    require_actor(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the record is archived."})
    current = _lock(instance)
    _check_version(current, expected_version)
    if current.archived_at is not None:
        raise ValidationError({"archived_at": "The record is already archived."})
    current.archived_at = timezone.now()
    current.archived_by = actor
    current.archive_reason = reason.strip()
    current.version += 1
    current.updated_at = current.archived_at
    current.save(update_fields=["archived_at", "archived_by", "archive_reason", "version", "updated_at"])
    record_for(
        actor=actor,
        action=AuditEvent.Action.ARCHIVE,
        instance=current,
        changes={"archived": [False, True]},
        reason=reason.strip(),
    )
    return current


@transaction.atomic
def audited_restore(*, actor: Any, instance: M, expected_version: int, reason: str = "") -> M:
    require_actor(actor)
    current = _lock(instance)
    _check_version(current, expected_version)
    if current.archived_at is None:
        raise ValidationError({"archived_at": "The record is not archived."})
    current.archived_at = None
    current.archived_by = None
    current.archive_reason = ""
    current.version += 1
    current.updated_at = timezone.now()
    current.full_clean()
    current.save(update_fields=["archived_at", "archived_by", "archive_reason", "version", "updated_at"])
    record_for(
        actor=actor,
        action=AuditEvent.Action.RESTORE,
        instance=current,
        changes={"archived": [True, False]},
        reason=reason,
    )
    return current


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
"""Values :func:`audit_value` returns unchanged (exact types: subclasses such as enums take the full path)."""

_EVENT_COLUMNS = (*chain.HASHED_FIELDS, "hmac")
"""Every column of an audit event but its primary key, in the order the bulk writer fills its rows."""

_EMPTY_CHANGES: tuple[Any, ...] = (None, "", {}, [])


def _snapshot_plan(instance: models.Model) -> list[tuple[str, str]]:
    """(name, attname) of the fields :func:`snapshot` covers for ``instance``, in the same order."""
    exclude = set(getattr(instance, "audit_exclude", ()))
    return [
        (field.name, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in exclude
    ]


def _bulk_changes(instance: models.Model, plan: list[tuple[str, str]]) -> dict[str, list[Any]]:
    """The changes of a create event, as ``audited_create`` records them: every field that is not empty."""
    changes: dict[str, list[Any]] = {}
    for name, attname in plan:
        value = getattr(instance, attname)
        if type(value) not in _PLAIN_TYPES:
            value = audit_value(value)
        if value not in _EMPTY_CHANGES:
            changes[name] = [None, value]
    return changes


def _event_insert_sql() -> tuple[str, list[models.Field[Any, Any]]]:
    meta = AuditEvent._meta
    stored = [field.attname for field in meta.concrete_fields if not field.primary_key]
    if sorted(stored) != sorted(_EVENT_COLUMNS):
        raise RuntimeError(f"the audit event's columns changed: {sorted(stored)}; update _EVENT_COLUMNS")
    by_attname = {field.attname: field for field in meta.concrete_fields}
    fields = [by_attname[name] for name in _EVENT_COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", fields


def _insert_events(rows: list[list[Any]]) -> None:
    """Insert audit event rows (values in ``_EVENT_COLUMNS`` order) with one prepared statement.

    A value that is not a plain string or integer goes through its field's ``get_db_prep_save``, as the ORM
    would send it (the same value of a column once); plain ones are what the ORM would send anyway.
    """
    sql, fields = _event_insert_sql()
    db = connections[connection.alias]
    prepared: dict[tuple[int, int], Any] = {}
    for row in rows:
        for index, value in enumerate(row):
            if type(value) is not str and type(value) is not int and value is not None:
                known = prepared.get((index, id(value)))
                if known is None:
                    known = prepared[(index, id(value))] = (value, fields[index].get_db_prep_save(value, db))
                row[index] = known[1]
    unnest = _unnest_casts(fields, db)
    with connection.cursor() as cursor:
        if unnest is None:
            cursor.executemany(sql, rows)
            return
        head = sql[: sql.index(" VALUES ")]
        for start in range(0, len(rows), _UNNEST_BATCH):
            batch = rows[start : start + _UNNEST_BATCH]
            cursor.execute(
                f"{head} SELECT * FROM UNNEST({unnest})", [list(column) for column in zip(*batch, strict=True)]
            )


_UNNEST_BATCH = 2000


def _unnest_casts(fields: list[models.Field[Any, Any]], db: Any) -> str | None:
    """On PostgreSQL, the ``UNNEST`` arguments (one array per column) for a multi-row insert; else None.

    One parameter per column instead of one per value, as Django's own bulk insert does on PostgreSQL: the
    statement stays short whatever the number of rows.  None when a field's type is not a plain column type.
    """
    if db.vendor != "postgresql":
        return None
    for field in fields:
        internal = (field.target_field if field.is_relation else field).get_internal_type()  # type: ignore[attr-defined]
        if internal not in db.data_types or hasattr(field, "get_placeholder"):
            return None
    return ", ".join(f"(%s)::{field.db_type(db)}[]" for field in fields)


def _load_parents(instances: list[M], foreign_keys: list[models.ForeignKey[Any, Any]]) -> None:
    """Read the uncached foreign-key targets of ``instances`` in one query per field (not one per record).

    Validation needs no existence query for a record found this way (the base manager reads it, as
    ``ForeignKey.validate`` would), and the audit hooks (``audit_parent``, ``audit_label``,
    ``audit_scope_path``) follow these relations.  A record not found stays uncached, and ``full_clean``
    refuses it as before; so does a value of the wrong type (the lookup raises before any query is sent).
    Fields with ``limit_choices_to`` are left to ``full_clean``, which checks the limit too.
    """
    names = [
        field.name
        for field in foreign_keys
        if not field.get_limit_choices_to()
        and any(getattr(i, field.attname) is not None and not field.is_cached(i) for i in instances)
    ]
    if not names:
        return
    with contextlib.suppress(ValueError, TypeError, ValidationError):  # full_clean reports such a value itself
        models.prefetch_related_objects(instances, *names)
    for instance in instances:  # a record not found is not held: full_clean checks it again and refuses it
        cache = instance._state.fields_cache
        for name in names:
            if name in cache and cache[name] is None:
                del cache[name]


_PLAIN_FIELD_TYPES: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.BooleanField: (bool,),
}
"""Field classes (exactly these) whose ``pre_save`` and ``get_db_prep_save`` return a value of these types, or
``None``, unchanged: the bulk insert sends such values as they are and every other one through the field."""

_AUTO_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)

_NONE_UNCHANGED_FIELD_TYPES = (models.DateField, models.DateTimeField, models.DecimalField)
"""Field classes (exactly these) that store ``None`` as ``None`` (when not filled in automatically on save)."""


def _unchanged_types(field: models.Field[Any, Any], db: Any) -> frozenset[type]:
    """The value types the field saves unchanged (its ``pre_save`` and ``get_db_prep_save`` return them as given).

    Plain fields with their plain types and ``None``; a foreign key to an automatic key with an ``int`` or
    ``None`` (unless the database checks such keys); dates, times and decimals with ``None`` only.  Empty for
    any other field: every value then goes through the field.
    """
    kind = type(field)
    if kind in _PLAIN_FIELD_TYPES:
        return frozenset({*_PLAIN_FIELD_TYPES[kind], type(None)})
    if kind is models.ForeignKey:
        target = field.target_field  # type: ignore[attr-defined]
        checks_keys = type(db.ops).validate_autopk_value is not BaseDatabaseOperations.validate_autopk_value
        if type(target) in _AUTO_FIELDS and not checks_keys:
            return frozenset({int, type(None)})
        return frozenset({type(None)})
    automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if kind in _NONE_UNCHANGED_FIELD_TYPES and not automatic:
        return frozenset({type(None)})
    return frozenset()


_IMMUTABLE_TYPES = frozenset({dt.datetime, dt.date, dt.time, Decimal, uuid.UUID})


def _insert_returning_keys(model: type[M], instances: list[M], batch_size: int) -> bool:
    """Insert new records as ``bulk_create`` does and set their primary keys; False when it cannot (then nothing).

    The same statement Django writes (``INSERT … VALUES … RETURNING`` the key), with each value prepared by
    its field (``pre_save``, ``get_db_prep_save``), but without the per-value work of the query compiler.
    It handles plain tables with an automatic key on a database that returns the keys of a multi-row
    insert; anything else (expressions as values, database defaults, inherited tables) is left to
    ``bulk_create``.
    """
    opts = model._meta
    fetch_rows = getattr(connection.ops, "fetch_returned_insert_rows", None)
    if (
        opts.parents
        or fetch_rows is None
        or not connection.features.can_return_rows_from_bulk_insert
        or type(opts.pk) not in _AUTO_FIELDS
        or any(field is not opts.pk for field in opts.db_returning_fields)
        or any(type(instance) is not model or instance.pk is not None for instance in instances)
    ):
        return False
    fields = [field for field in opts.concrete_fields if not isinstance(field, models.AutoField)]
    if any(
        field.generated or field.db_default is not models.NOT_PROVIDED or hasattr(field, "get_placeholder")
        for field in fields
    ):
        return False
    db = connections[connection.alias]  # the connection itself, not the proxy that looks it up at each use
    plan = [(field, field.attname, _unchanged_types(field, db)) for field in fields]
    for instance in instances:
        instance._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    # The same immutable value object (e.g. the creation time of every record) is prepared once per field.
    prepared: dict[tuple[int, int], tuple[Any, Any]] = {}
    value_rows: list[list[Any]] = []
    for instance in instances:
        row: list[Any] = []
        for index, (field, attname, plain) in enumerate(plan):
            if plain:
                value = getattr(instance, attname)
                if type(value) in plain:
                    row.append(value)
                    continue
            value = field.pre_save(instance, True)
            if type(value) in _IMMUTABLE_TYPES:
                known = prepared.get((index, id(value)))
                if known is None:
                    known = prepared[(index, id(value))] = (value, field.get_db_prep_save(value, db))
                row.append(known[1])
                continue
            if hasattr(value, "resolve_expression"):
                return False
            row.append(field.get_db_prep_save(value, db))
        value_rows.append(row)
    ops, quote = connection.ops, connection.ops.quote_name
    size = max(min(batch_size, ops.bulk_batch_size(fields, instances)), 1)
    columns = ", ".join(quote(field.column) for field in fields)
    returning, returning_params = ops.return_insert_columns([opts.pk])
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    unnest = _unnest_casts(fields, db)
    keys: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(value_rows), size):
            batch = value_rows[start : start + size]
            head = f"INSERT INTO {quote(opts.db_table)} ({columns})"
            if unnest is not None and len(batch) > 1:
                sql = f"{head} SELECT * FROM UNNEST({unnest}) {returning}"
                params = [list(column) for column in zip(*batch, strict=True)]
            else:
                sql = f"{head} VALUES {', '.join([one_row] * len(batch))} {returning}"
                params = [value for row in batch for value in row]
            cursor.execute(sql, params + list(returning_params))
            keys.extend(row[0] for row in fetch_rows(cursor))
    if len(keys) != len(instances):
        raise RuntimeError("the database did not return a primary key for each new record")
    for instance, key in zip(instances, keys, strict=True):
        instance.pk = opts.pk.to_python(key)
        instance._state.adding = False
        instance._state.db = db.alias
    return True


@transaction.atomic
def audited_bulk_create(
    *,
    actor: Any,
    instances: list[M],
    reason: str = "",
    relations: list[dict[str, list[Any]]] | None = None,
    batch_size: int = 500,
) -> list[M]:
    """Insert many records of one model and record one ``create`` event each, in one transaction.

    For imports of reference data (thousands of rows): the chain head is locked once and the events are
    chained in memory, so the cost is a few statements per batch instead of four per record.  Each instance
    is validated field by field (``full_clean`` without the per-row uniqueness queries); the database's
    constraints still refuse duplicates, and then nothing of the batch is kept.  ``relations``, aligned with
    ``instances``, sets many-to-many fields (name → records or primary keys), recorded in each one's event.

    Each event holds what :func:`audited_create` would record for the record (the same fields, changes,
    parent, scope and label), and is chained and signed as :func:`record_event` does; the events are written
    with one prepared statement.  The related records the audit hooks read are loaded in bulk beforehand.
    """
    require_actor(actor)
    if not instances:
        return instances
    if not connection.in_atomic_block:
        raise RuntimeError("audited_bulk_create must run inside a transaction")
    now = timezone.now()
    model = type(instances[0])
    foreign_keys = [field for field in model._meta.concrete_fields if isinstance(field, models.ForeignKey)]
    _load_parents(instances, foreign_keys)
    for instance in instances:
        # A foreign key whose record is held in memory needs no existence query (it was read or just written).
        held = [
            field.name
            for field in foreign_keys
            if field.is_cached(instance) and field.get_cached_value(instance) is not None
        ]
        instance.full_clean(exclude=held, validate_unique=False, validate_constraints=False)
        instance.created_at = now
        instance.updated_at = now
        instance.version = 1
    if not _insert_returning_keys(model, instances, batch_size):
        model.all_objects.bulk_create(instances, batch_size=batch_size)
    if any(instance.pk is None for instance in instances):
        raise RuntimeError("the database did not return the new primary keys")
    related: list[dict[str, list[Any]]] = [
        {name: _related_ids(values) for name, values in (item or {}).items()} for item in (relations or [])
    ]
    if related and len(related) != len(instances):
        raise ValueError("relations must be aligned with instances")
    through_rows: dict[str, list[models.Model]] = {}
    for instance, item in zip(instances, related, strict=False):
        for name, ids in item.items():
            field = model._meta.get_field(name)
            through = field.remote_field.through  # type: ignore[union-attr]
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
            rows = through_rows.setdefault(name, [])
            rows.extend(through(**{f"{source}_id": instance.pk, f"{target}_id": pk}) for pk in ids)
    for name, rows in through_rows.items():
        model._meta.get_field(name).remote_field.through.objects.bulk_create(  # type: ignore[union-attr]
            rows, batch_size=batch_size
        )
    ctx = context.current()
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)
    seq, prev = head.seq, head.hash
    key = chain.hmac_key()
    object_type = object_type_of(model)
    actor_id, actor_username = actor.pk, actor.get_username()
    event_reason = reason or ctx.reason
    action = str(AuditEvent.Action.CREATE)
    # What every event of the batch shares, as the hash covers it (see chain.canonical_bytes).
    common = {
        "occurred_at": chain.normalised("occurred_at", now),
        "actor_id": chain.normalised("actor_id", actor_id),
        "actor_username": actor_username,
        "request_id": ctx.request_id,
        "source": ctx.source,
        "action": action,
        "object_type": object_type,
        "object_version": 1,
        "reason": event_reason,
    }
    plans: dict[type[models.Model], list[tuple[str, str]]] = {}
    event_rows: list[list[Any]] = []
    for index, instance in enumerate(instances):
        plan = plans.get(type(instance))
        if plan is None:
            plan = plans[type(instance)] = _snapshot_plan(instance)
        changes = _bulk_changes(instance, plan)
        for name, ids in (related[index] if related else {}).items():
            if ids:
                changes[name] = [None, ids]
        parent = instance.audit_parent()
        if parent is None:
            parent_type, parent_id = "", ""
        else:
            parent_type = object_type_of(parent)
            parent_id = str(parent.pk)
        seq += 1
        payload = {
            **common,
            "seq": seq,
            "object_id": str(instance.pk),
            "object_label": instance.audit_label()[:200],
            "parent_type": parent_type,
            "parent_id": parent_id,
            "scope_path": instance.audit_scope_path(),
            "changes_json": chain.CANONICAL_JSON.encode(changes),
            "prev_hash": prev,
        }
        digest = chain.payload_hmac(payload, key)
        event_rows.append(
            [
                seq,
                now,
                actor_id,
                actor_username,
                ctx.request_id,
                ctx.source,
                action,
                object_type,
                payload["object_id"],
                payload["object_label"],
                1,
                parent_type,
                parent_id,
                payload["scope_path"],
                payload["changes_json"],
                event_reason,
                prev,
                digest,
            ]
        )
        prev = digest
    _insert_events(event_rows)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return instances
