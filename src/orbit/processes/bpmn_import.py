"""BPMN files into the inventory: a preview of what would change, then an atomic apply.

How BPMN maps onto the inventory:

- each ``process`` → a process (level 3) owned by the unit chosen at upload; its documentation → description;
- sub-processes, tasks and call activities → its parts (level 4, or 5 inside a sub-process), with the task type;
- lanes (nested ones too) → roles of the shared dictionary, taking part as *Responsible* in the process and in
  the tasks their lanes hold;
- a pool without a process (black box) → an external party of the processes that exchange messages with it;
- message flows between two processes → one *exchanges messages with* dependency per ordered pair;
- call activities → *calls* dependencies, resolved across all files of the upload, then against processes
  imported earlier; ambiguous, dangling, missing and self references are reported (a self call is kept: it is
  a cycle the graph shows);
- data stores → IT systems, data objects → record types, attached to their process.

Every record made from BPMN carries an import key, ``bpmn:<file name>#<element id>``: importing the same file
again finds its records and changes nothing; a changed file updates what changed.  Nothing is deleted: an
element that disappeared from the file stays in the inventory (the report lists none of them as removed).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from orbit.governance.services import audited_bulk_create
from orbit.organisation.access import require
from orbit.organisation.models import OrgUnit
from orbit.processes import bpmn
from orbit.processes.models import (
    Dependency,
    DependencyKind,
    ExternalParty,
    ItSystem,
    Level,
    Process,
    ProcessParticipant,
    ProcessRole,
    Raci,
    RecordType,
)

DICTIONARY_MODELS: dict[str, type[ItSystem] | type[RecordType] | type[ProcessRole] | type[ExternalParty]] = {
    "role": ProcessRole,
    "it_system": ItSystem,
    "record": RecordType,
    "external_party": ExternalParty,
}


@dataclass
class FileSummary:
    name: str
    exporter: str
    encoding: str
    processes: int
    participants: int
    black_box_pools: int
    lanes: int
    tasks: int
    call_activities: int
    message_flows: int
    refused: str = ""


@dataclass
class Planned:
    """One record the import would create or update (``action``) or finds unchanged."""

    kind: str  # process, part, role, it_system, record, external_party, participant, dependency
    key: str
    label: str
    action: str = "create"  # create, update, unchanged
    values: dict[str, Any] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    parent_key: str = ""


@dataclass
class ImportPlan:
    files: list[FileSummary]
    records: list[Planned]
    issues: list[dict[str, Any]]
    calls: list[dict[str, Any]]

    @property
    def refused(self) -> list[FileSummary]:
        return [f for f in self.files if f.refused]

    @property
    def ok(self) -> bool:
        return not self.refused

    def counts(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = defaultdict(lambda: {"create": 0, "update": 0, "unchanged": 0})
        for record in self.records:
            result[record.kind][record.action] += 1
        return dict(result)

    @property
    def changes_anything(self) -> bool:
        return any(r.action != "unchanged" for r in self.records)

    def as_report(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": [asdict(f) for f in self.files],
            "counts": self.counts(),
            "issues": self.issues,
            "calls": self.calls,
            "records": [
                {"kind": r.kind, "key": r.key, "label": r.label, "action": r.action, "changes": r.changes}
                for r in self.records
            ],
        }


def _slug(text: str, *, limit: int = 32) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text.strip()).strip("-").upper()
    return (slug or "X")[:limit].rstrip("-._") or "X"


def parse_files(files: Sequence[tuple[str, bytes]]) -> tuple[list[bpmn.Document], list[FileSummary]]:
    documents: list[bpmn.Document] = []
    summaries: list[FileSummary] = []
    for name, data in files:
        try:
            doc = bpmn.parse_bpmn(data, source=name)
        except bpmn.BpmnError as exc:
            summaries.append(FileSummary(name, "", "", 0, 0, 0, 0, 0, 0, 0, refused=str(exc)))
            continue
        documents.append(doc)
        summaries.append(
            FileSummary(
                name=name,
                exporter=" ".join(x for x in (doc.exporter, doc.exporter_version) if x),
                encoding=doc.encoding or "",
                processes=len(doc.processes),
                participants=len(doc.participants),
                black_box_pools=len(doc.black_box_pools),
                lanes=doc.lane_count,
                tasks=doc.task_count,
                call_activities=sum(len(p.call_activities) for p in doc.processes),
                message_flows=len(doc.message_flows),
            )
        )
    return documents, summaries


class _Planner:
    def __init__(self, owner_unit: OrgUnit) -> None:
        self.owner_unit = owner_unit
        self.records: list[Planned] = []
        self.by_key: dict[str, Planned] = {}
        self.issues: list[dict[str, Any]] = []

    def add(self, record: Planned) -> Planned:
        existing = self.by_key.get(record.key)
        if existing is not None:
            return existing
        self.by_key[record.key] = record
        self.records.append(record)
        return record

    def dictionary(self, kind: str, name: str, source: str) -> str:
        name = _name(name)[:300]
        code = _slug(name)
        key = f"{kind}:{code}"
        self.add(Planned(kind=kind, key=key, label=name, values={"code": code, "name": {"en": name}, "source": source}))
        return key


def plan_import(files: Sequence[tuple[str, bytes]], *, owner_unit: OrgUnit) -> ImportPlan:
    """Parse every file and work out what applying them would do (reads the database, writes nothing)."""
    documents, summaries = parse_files(files)
    planner = _Planner(owner_unit)
    for doc in documents:
        for issue in doc.issues:
            planner.issues.append(
                {"severity": issue.severity, "source": issue.source, "message": issue.message,
                 "element_id": issue.element_id, "line": issue.line}
            )  # fmt: skip
    for doc in documents:
        _plan_document(planner, doc)
    calls = _plan_calls(planner, documents)
    _compare_with_inventory(planner)
    return ImportPlan(files=summaries, records=planner.records, issues=planner.issues, calls=calls)


def _name(*candidates: str | None) -> str:
    """The first non-blank candidate with its white space collapsed, as the inventory stores names (tools
    export names with line breaks and trailing spaces; comparing them raw would make every re-import an update)."""
    for candidate in candidates:
        text = " ".join((candidate or "").split())
        if text:
            return text
    return "?"


def _process_key(source: str, element_id: str) -> str:
    return f"bpmn:{source}#{element_id}"


def _plan_document(planner: _Planner, doc: bpmn.Document) -> None:
    label_source = f"BPMN: {doc.source}" + (f" ({doc.exporter})" if doc.exporter else "")
    pools = {p.id: p for p in doc.participants}
    owner_of_pool = {p.id: p.process_ref for p in doc.participants if p.process_ref}
    for process in doc.processes:
        key = _process_key(doc.source, process.id)
        name = _name(process.name, process.participant_name, process.id)
        planner.add(
            Planned(
                kind="process",
                key=key,
                label=name,
                values={
                    "name": {"en": name[:300]},
                    "description": {"en": process.documentation.strip()} if process.documentation.strip() else {},
                    "level": Level.PROCESS,
                    "task_type": "",
                    "source": label_source[:300],
                },
            )
        )
        sub_levels: dict[str, int] = {}
        for sub in process.subprocesses:
            parent_key = _process_key(doc.source, sub.parent_id) if sub.parent_id else key
            level = min(Level.TASK, sub_levels.get(sub.parent_id or "", Level.PROCESS) + 1)
            sub_levels[sub.id] = level
            if level == Level.TASK and sub.parent_id and sub_levels.get(sub.parent_id) == Level.TASK:
                parent_key = planner.by_key[_process_key(doc.source, sub.parent_id)].parent_key
            planner.add(
                Planned(
                    kind="part",
                    key=_process_key(doc.source, sub.id),
                    label=_name(sub.name, sub.id),
                    parent_key=parent_key,
                    values={
                        "name": {"en": _name(sub.name, sub.id)[:300]},
                        "level": level,
                        "task_type": sub.type,
                        "source": label_source[:300],
                    },
                )
            )
        steps: list[tuple[str, str, str, str | None]] = [
            (t.id, t.name, t.type, t.subprocess_id) for t in process.tasks
        ] + [(c.id, c.name, "callActivity", c.subprocess_id) for c in process.call_activities]
        for element_id, element_name, element_type, subprocess_id in steps:
            parent_key, level = key, int(Level.ACTIVITY)
            if subprocess_id and _process_key(doc.source, subprocess_id) in planner.by_key:
                parent = planner.by_key[_process_key(doc.source, subprocess_id)]
                parent_key = parent.parent_key if parent.values["level"] >= Level.TASK else parent.key
                level = int(Level.TASK)
            planner.add(
                Planned(
                    kind="part",
                    key=_process_key(doc.source, element_id),
                    label=_name(element_name, element_id),
                    parent_key=parent_key,
                    values={
                        "name": {"en": _name(element_name, element_id)[:300]},
                        "level": level,
                        "task_type": element_type,
                        "source": label_source[:300],
                    },
                )
            )
        # Lanes → roles, Responsible in the process and in the tasks their lanes hold.
        lane_roles: dict[str, str] = {}
        for lane in process.lanes:
            if not lane.name.strip():
                continue
            role_key = planner.dictionary("role", lane.name.strip(), label_source)
            lane_roles[lane.id] = role_key
            planner.add(
                Planned(kind="participant", key=f"{key}|{role_key}",
                        label=_("%(role)s (R) in %(process)s") % {"role": lane.name, "process": name},
                        values={"process": key, "role": role_key, "raci": Raci.RESPONSIBLE})
            )  # fmt: skip
        for task in process.tasks:
            for lane_id in task.lane_ids:
                task_role = lane_roles.get(lane_id)
                task_key = _process_key(doc.source, task.id)
                if task_role:
                    planner.add(
                        Planned(kind="participant", key=f"{task_key}|{task_role}",
                                label=_("%(role)s (R) in %(process)s")
                                % {"role": planner.by_key[task_role].label, "process": task.name or task.id},
                                values={"process": task_key, "role": task_role, "raci": Raci.RESPONSIBLE})
                    )  # fmt: skip
        links = _links(planner.by_key[key])
        for store in sorted(set(process.data_stores)):
            if store.strip():
                links["it_systems"].append(planner.dictionary("it_system", store.strip(), label_source))
        for data_object in sorted(set(process.data_objects)):
            if data_object.strip():
                links["records"].append(planner.dictionary("record", data_object.strip(), label_source))
    # Message flows: process ↔ process → dependencies; process ↔ black-box pool → external parties.
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for flow in doc.message_flows:
        source_owner = owner_of_pool.get(flow.source_owner or "", flow.source_owner)
        target_owner = owner_of_pool.get(flow.target_owner or "", flow.target_owner)
        source_pid = source_owner if source_owner in {p.id for p in doc.processes} else None
        target_pid = target_owner if target_owner in {p.id for p in doc.processes} else None
        if source_pid and target_pid and source_pid != target_pid:
            pairs[(source_pid, target_pid)].append(flow.name or flow.id)
        for pid, other in ((source_pid, flow.target_owner), (target_pid, flow.source_owner)):
            pool = pools.get(other or "")
            if pid and pool is not None and pool.is_black_box:
                party_key = planner.dictionary("external_party", (pool.name or pool.id).strip(), label_source)
                links = _links(planner.by_key[_process_key(doc.source, pid)])
                if party_key not in links["external_parties"]:
                    links["external_parties"].append(party_key)
    for (source_pid, target_pid), names in sorted(pairs.items()):
        source_key, target_key = _process_key(doc.source, source_pid), _process_key(doc.source, target_pid)
        note = ("Messages: " + ", ".join(sorted(set(names))))[:300]
        planner.add(
            Planned(
                kind="dependency",
                key=f"bpmn:{doc.source}#{source_pid}->{target_pid}:messages",
                label=_("%(source)s → %(target)s (messages)")
                % {"source": planner.by_key[source_key].label, "target": planner.by_key[target_key].label},
                values={"source": source_key, "target": target_key, "kind": DependencyKind.MESSAGES, "note": note},
            )
        )


def _links(record: Planned) -> dict[str, list[str]]:
    links: dict[str, list[str]] = record.values.setdefault(
        "links", {"it_systems": [], "records": [], "external_parties": []}
    )
    return links


def _plan_calls(planner: _Planner, documents: list[bpmn.Document]) -> list[dict[str, Any]]:
    resolutions = bpmn.resolve_calls(documents)
    dangling_ids = {r.called_element.split(":")[-1] for r in resolutions if r.status == "dangling" and r.called_element}
    earlier = _earlier_imports(dangling_ids)
    process_keys = {_process_key(doc.source, p.id) for doc in documents for p in doc.processes}
    calls = []
    for r in resolutions:
        caller = _process_key(r.source, r.process_id)
        status, note = r.status, ""
        targets = [_process_key(s, t) for s, t in r.targets]
        if status == "dangling" and r.called_element:
            found = earlier.get(r.called_element.split(":")[-1], [])
            if len(found) == 1:
                status, targets, note = "resolved", found, _("found among processes imported earlier")
        target_processes = [t for t in targets if t in process_keys or t in earlier.get(t.split("#")[-1], [])]
        if status in ("resolved", "self") and target_processes:
            target = target_processes[0]
            planner.add(
                Planned(
                    kind="dependency",
                    key=f"bpmn:{r.source}#{r.call_id}:calls",
                    label=_("%(source)s → %(target)s (calls)")
                    % {"source": planner.by_key[caller].label, "target": r.called_element},
                    values={
                        "source": caller,
                        "target": target,
                        "kind": DependencyKind.CALLS,
                        "note": f"Call activity {r.call_name or r.call_id}"[:300],
                    },
                )
            )
        elif status in ("resolved",) and not target_processes:
            note = _("calls a global task, not a process: no dependency")
        message = _call_message(r, status)
        if message:
            planner.issues.append(
                {"severity": "warning", "source": r.source, "message": message, "element_id": r.call_id,
                 "line": None}
            )  # fmt: skip
        calls.append(
            {"source": r.source, "process": r.process_id, "call": r.call_id, "name": r.call_name,
             "called_element": r.called_element, "status": status, "targets": targets, "note": note}
        )  # fmt: skip
    return calls


def _call_message(r: bpmn.CallResolution, status: str) -> str:
    """The warning for a call that makes no dependency, or a cycle; empty for a resolved call."""
    values = {
        "source": r.source, "name": r.call_name or r.call_id, "id": r.call_id, "called": r.called_element,
        "process": r.process_id, "targets": ", ".join(f"{s}#{t}" for s, t in r.targets),
    }  # fmt: skip
    if status == "ambiguous":
        return (
            _(
                "%(source)s: call activity “%(name)s” (%(id)s) calls “%(called)s”, which is defined more than once: "
                "%(targets)s. No dependency is made; say which one is meant."
            )
            % values
        )
    if status == "dangling":
        return (
            _(
                "%(source)s: call activity “%(name)s” (%(id)s) calls “%(called)s”, which no file of this upload and no "
                "earlier import defines."
            )
            % values
        )
    if status == "missing":
        return _("%(source)s: call activity “%(name)s” (%(id)s) names no called element.") % values
    if status == "self":
        return (
            _("%(source)s: process “%(process)s” calls itself through “%(name)s” (%(id)s): kept as a cycle.") % values
        )
    return ""


def _earlier_imports(element_ids: set[str]) -> dict[str, list[str]]:
    """Processes imported earlier whose BPMN id is one of ``element_ids``: id → import keys."""
    if not element_ids:
        return {}
    found: dict[str, list[str]] = defaultdict(list)
    keys = Process.objects.filter(import_key__startswith="bpmn:", level=Level.PROCESS).values_list(
        "import_key", flat=True
    )
    for key in keys:
        element = (key or "").rsplit("#", 1)[-1]
        if element in element_ids:
            found[element].append(key or "")
    return found


def _compare_with_inventory(planner: _Planner) -> None:
    """Mark each planned record create, update (with the changed fields) or unchanged."""
    process_keys = [r.key for r in planner.records if r.kind in ("process", "part")]
    existing = {
        p.import_key: p
        for p in Process.all_objects.filter(import_key__in=process_keys).prefetch_related(
            "it_systems", "records", "external_parties"
        )
    }
    dict_codes: dict[str, set[str]] = defaultdict(set)
    for r in planner.records:
        if r.kind in DICTIONARY_MODELS:
            dict_codes[r.kind].add(r.values["code"])
    existing_codes = {
        kind: set(DICTIONARY_MODELS[kind].all_objects.filter(code__in=codes).values_list("code", flat=True))
        for kind, codes in dict_codes.items()
    }
    dep_keys = [r.key for r in planner.records if r.kind == "dependency"]
    existing_deps = {d.import_key: d for d in Dependency.all_objects.filter(import_key__in=dep_keys)}
    participants = set(
        ProcessParticipant.objects.filter(process__import_key__in=process_keys, role__isnull=False).values_list(
            "process__import_key", "role__code", "raci"
        )
    )
    for r in planner.records:
        if r.kind in ("process", "part"):
            current = existing.get(r.key)
            if current is None:
                continue
            changes = [
                name for name in ("name", "description", "level", "task_type")
                if name in r.values and _norm(getattr(current, name)) != _norm(r.values[name])
            ]  # fmt: skip
            have = {
                "it_systems": {x.code for x in current.it_systems.all()},
                "records": {x.code for x in current.records.all()},
                "external_parties": {x.code for x in current.external_parties.all()},
            }
            for relation, keys in r.values.get("links", {}).items():
                if {k.split(":", 1)[1] for k in keys} - have[relation]:
                    changes.append(relation)
            r.action = "update" if changes else "unchanged"
            r.changes = changes
        elif r.kind in DICTIONARY_MODELS:
            if r.values["code"] in existing_codes.get(r.kind, set()):
                r.action = "unchanged"
        elif r.kind == "participant":
            role_code = planner.by_key[r.values["role"]].values["code"]
            if (r.values["process"], role_code, r.values["raci"]) in participants:
                r.action = "unchanged"
        elif r.kind == "dependency" and r.key in existing_deps:
            dep = existing_deps[r.key]
            changes = [name for name in ("kind", "note") if getattr(dep, name) != r.values[name]]
            r.action = "update" if changes else "unchanged"
            r.changes = changes


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v}
    return value


# --- apply -----------------------------------------------------------------------------------------------------


@transaction.atomic
def apply_plan(plan: ImportPlan, *, actor: Any, owner_unit: OrgUnit, reason: str) -> dict[str, dict[str, int]]:
    """Write the plan, all or nothing, every record audited.

    New records are written in bulk, one level of the hierarchy at a time (an upload of every real model of
    the test corpus makes about 450 records); updates of records imported earlier go through the services
    one by one, with their own rights checks.
    """
    from orbit.processes import services

    if not plan.ok:
        raise ValueError("A refused file cannot be applied.")
    require(actor, "change", owner_unit.path, noun="unit")
    records = plan.records
    dictionary_ids: dict[str, Any] = {}
    for kind, model in DICTIONARY_MODELS.items():
        wanted = [r for r in records if r.kind == kind]
        if not wanted:
            continue
        found = {e.code: e for e in model.all_objects.filter(code__in=[r.values["code"] for r in wanted])}
        new = [model(**r.values) for r in wanted if r.values["code"] not in found]
        audited_bulk_create(actor=actor, instances=new, reason=reason)
        found.update({e.code: e for e in new})
        for r in wanted:
            dictionary_ids[r.key] = found[r.values["code"]]
    process_records = [r for r in records if r.kind in ("process", "part")]
    processes: dict[str, Process] = {
        p.import_key or "": p
        for p in Process.all_objects.select_related("owner_unit").filter(
            import_key__in=[r.key for r in process_records]
        )
    }
    codes = _CodeMaker(owner_unit)
    for level in sorted({r.values["level"] for r in process_records}):
        batch: list[Process] = []
        relations: list[dict[str, list[Any]]] = []
        for r in process_records:
            if r.values["level"] != level:
                continue
            links = {rel: [dictionary_ids[k] for k in keys] for rel, keys in r.values.get("links", {}).items()}
            values = {k: v for k, v in r.values.items() if k != "links"}
            current = processes.get(r.key)
            if current is None:
                parent = processes.get(r.parent_key) if r.parent_key else None
                process = Process(
                    owner_unit=owner_unit, code=codes.next(parent), parent=parent, import_key=r.key, **values
                )
                batch.append(process)
                relations.append(links)
                processes[r.key] = process
            elif r.action == "update":
                merged = {rel: {*getattr(current, rel).all(), *entries} for rel, entries in links.items()}
                processes[r.key] = services.process_update(
                    actor=actor, process=current, expected_version=current.version, reason=reason,
                    **{k: v for k, v in values.items() if k in r.changes},
                    **{k: v for k, v in merged.items() if k in r.changes},
                )  # fmt: skip
        audited_bulk_create(actor=actor, instances=batch, relations=relations, reason=reason)
    participants = [
        ProcessParticipant(
            process=processes[r.values["process"]], role=dictionary_ids[r.values["role"]], raci=r.values["raci"]
        )
        for r in records
        if r.kind == "participant" and r.action == "create"
    ]
    audited_bulk_create(actor=actor, instances=participants, reason=reason)
    dependency_records = [r for r in records if r.kind == "dependency" and r.action != "unchanged"]
    existing_deps = {
        d.import_key: d for d in Dependency.all_objects.filter(import_key__in=[r.key for r in dependency_records])
    }
    missing = {
        r.values[end] for r in dependency_records for end in ("source", "target") if r.values[end] not in processes
    }
    processes.update({p.import_key or "": p for p in Process.objects.filter(import_key__in=missing)})
    new_deps = []
    for r in dependency_records:
        current_dep = existing_deps.get(r.key)
        if current_dep is None:
            new_deps.append(
                Dependency(
                    source=processes[r.values["source"]], target=processes[r.values["target"]],
                    kind=r.values["kind"], note=r.values["note"], import_key=r.key,
                )
            )  # fmt: skip
        else:
            services.dependency_update(
                actor=actor, dependency=current_dep, expected_version=current_dep.version, reason=reason,
                **{k: r.values[k] for k in r.changes},
            )  # fmt: skip
    audited_bulk_create(actor=actor, instances=new_deps, reason=reason)
    return plan.counts()


class _CodeMaker:
    """Codes for new records: ``<UNIT>-P001`` for processes, ``<parent code>.01`` for their parts."""

    def __init__(self, unit: OrgUnit) -> None:
        self.prefix = f"{unit.code[:24]}-P"
        taken = Process.all_objects.filter(code__startswith=self.prefix).values_list("code", flat=True)
        self.taken = set(taken)
        numbers = [int(c[len(self.prefix) :]) for c in self.taken if c[len(self.prefix) :].isdigit()]
        self.last = max(numbers, default=0)
        self.children: dict[str, int] = defaultdict(int)

    def next(self, parent: Process | None) -> str:
        if parent is None:
            self.last += 1
            code = f"{self.prefix}{self.last:03d}"
        else:
            while True:
                self.children[parent.code] += 1
                code = f"{parent.code}.{self.children[parent.code]:02d}"
                if len(code) > 32:
                    code = f"{self.prefix}{self.last + 1:03d}"
                    self.last += 1
                if code in self.taken:
                    continue
                if code.startswith(self.prefix) or not Process.all_objects.filter(code=code).exists():
                    break
        self.taken.add(code)
        return code
