"""A lenient, safe reader of BPMN 2.0 files for the process inventory (pure Python, no database).

Why Orbit reads BPMN itself: analysts upload files exported by many modelling tools (Signavio, Camunda, bpmn-js,
Trisotech, ADONIS, …), most of them documentation models that are not meant to run. Execution engines refuse such
files (no start event, no implementation, ``isExecutable="false"``) and discovery libraries crash on call activities
or pools. An inventory needs the opposite: read what is there, say clearly what is odd, and refuse only files that
cannot be BPMN at all or that would be unsafe to read.

What is read: pools (participants, including black-box pools of external parties), processes, lanes at any nesting
depth, tasks by type with their lanes and enclosing sub-process, sub-processes, call activities, global tasks,
message flows with the kind and owner of each end, data objects and data stores. Diagram interchange (DI) and vendor
``extensionElements`` are ignored: an inventory does not need shapes or tool settings.

Safety: documents with a DOCTYPE are refused before parsing (BPMN never needs one; refusing it closes entity
expansion and external entities), the parser never loads DTDs, never resolves entities and never opens the network,
and input size is capped. Declared encodings (ISO-8859-1, windows-1252, UTF-16 with a byte order mark) are honoured
because the parser is given bytes, never text decoded by us.

:func:`parse_bpmn` turns one file into a :class:`Document`; :func:`resolve_calls` links call activities across all
documents of one upload.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from lxml import etree

from orbit.core.safexml import has_doctype, head_text, what_it_looks_like

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_INPUT_BYTES = 20 * 1024 * 1024
"""Largest file accepted. The biggest real model seen (bpmn-js ``complex.bpmn``, 17 pools) is 169 KB."""

_B = "{" + BPMN_NS + "}"
_HEAD_BYTES = 64 * 1024  # enough of the file to read the XML declaration and look for a DOCTYPE before the root

TASK_TYPES = frozenset(
    ["task", "userTask", "serviceTask", "manualTask", "sendTask", "receiveTask", "scriptTask", "businessRuleTask"]
)
SUBPROCESS_TYPES = frozenset({"subProcess", "adHocSubProcess", "transaction"})
EVENT_TYPES = frozenset(
    [
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "implicitThrowEvent",
    ]
)
GATEWAY_TYPES = frozenset(
    ["exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway", "eventBasedGateway", "gateway"]
)
GLOBAL_TASK_TYPES = frozenset(
    ["globalTask", "globalUserTask", "globalManualTask", "globalScriptTask", "globalBusinessRuleTask"]
)
_OTHER_FLOW_NODES = frozenset({"callChoreography", "choreographyTask", "subChoreography"})
FLOW_NODE_TYPES = TASK_TYPES | SUBPROCESS_TYPES | EVENT_TYPES | GATEWAY_TYPES | _OTHER_FLOW_NODES | {"callActivity"}
_RESOURCE_ROLES = frozenset({"resourceRole", "performer", "humanPerformer", "potentialOwner"})
_COLLABORATIONS = frozenset({"collaboration", "choreography", "globalConversation"})
_UNIQUE_ID_TYPES = frozenset({"process", "participant"}) | GLOBAL_TASK_TYPES
"""Elements that call activities and pools point at: a duplicate among them makes the file's meaning undecidable."""

# Everything BPMN 2.0 allows directly under <definitions> (root elements, imports, extensions, relationships).
_DEFINITIONS_CHILDREN = GLOBAL_TASK_TYPES | frozenset(
    [
        "import",
        "extension",
        "relationship",
        "documentation",
        "extensionElements",
        "process",
        "collaboration",
        "choreography",
        "globalConversation",
        "category",
        "correlationProperty",
        "dataStore",
        "endPoint",
        "error",
        "escalation",
        "interface",
        "itemDefinition",
        "message",
        "partnerEntity",
        "partnerRole",
        "resource",
        "signal",
        "eventDefinition",
        "cancelEventDefinition",
        "compensateEventDefinition",
        "conditionalEventDefinition",
        "errorEventDefinition",
        "escalationEventDefinition",
        "linkEventDefinition",
        "messageEventDefinition",
        "signalEventDefinition",
        "terminateEventDefinition",
        "timerEventDefinition",
    ]
)

EndKind = Literal["participant", "task", "event", "subProcess", "callActivity", "other", "unknown"]
CallStatus = Literal["resolved", "ambiguous", "dangling", "self", "missing"]

# Every message shown to users, in one place. Each names the file, and where it can, the line and the element id.
# The texts are translated when a message is made (``_message``), in the language active at that moment.
MESSAGES: dict[str, Any] = {
    "empty": gettext_lazy("%(source)s: the file is empty."),
    "too_large": gettext_lazy(
        "%(source)s: the file is %(size)s bytes, more than the %(limit)s bytes accepted for one BPMN file."
    ),
    "not_xml": gettext_lazy(
        "%(source)s: not an XML document (it looks like %(what)s). Upload the .bpmn file your modelling tool exports."
    ),
    "doctype": gettext_lazy(
        "%(source)s: the document declares a DOCTYPE. BPMN 2.0 files never need one, and it is refused because a "
        "DOCTYPE can expand entities or make the reader open other files."
    ),
    "xml_syntax": gettext_lazy("%(source)s: the XML is malformed at line %(line)s, column %(column)s: %(detail)s."),
    "xml_unreadable": gettext_lazy("%(source)s: the XML cannot be read: %(detail)s."),
    "not_bpmn": gettext_lazy(
        "%(source)s: not a BPMN 2.0 document: the root element is %(root)s, where BPMN 2.0 requires <definitions> in "
        "the namespace %(namespace)s."
    ),
    "duplicate_id_fatal": gettext_lazy(
        "%(source)s: the id %(id)s is used by several elements (%(where)s). Processes, pools and global tasks need "
        "unique ids for calls and pools to find them, so the file is refused."
    ),
    "duplicate_id": gettext_lazy(
        "%(source)s: the id %(id)s is used by several elements (%(where)s); references to it are ambiguous."
    ),
    "unknown_element": gettext_lazy(
        "%(source)s, line %(line)s: <%(tag)s> is not a BPMN element allowed under <definitions>; it was skipped."
    ),
    "no_process": gettext_lazy(
        "%(source)s: the file defines no process and no collaboration; nothing was imported from it."
    ),
    "process_without_pool": gettext_lazy(
        "%(source)s, line %(line)s: process %(id)s is in no pool of the file's collaboration and no call activity of "
        "the file calls it; it is imported on its own."
    ),
    "participant_unknown_process": gettext_lazy(
        "%(source)s, line %(line)s: pool %(id)s refers to process %(ref)s, which the file does not define; the pool "
        "is kept as an external party."
    ),
    "message_flow_unknown_end": gettext_lazy(
        "%(source)s, line %(line)s: message flow %(id)s has %(end)s %(ref)s, which is not an element of this file."
    ),
    "message_flow_missing_end": gettext_lazy("%(source)s, line %(line)s: message flow %(id)s has no %(end)s."),
    "call_without_target": gettext_lazy(
        "%(source)s, line %(line)s: call activity %(id)s (%(name)s) names no called element, so it cannot be linked "
        "to the process it calls."
    ),
    "lane_unknown_node": gettext_lazy(
        "%(source)s, line %(line)s: lane %(id)s lists %(ref)s, which is not an element of this file; the reference "
        "was ignored."
    ),
    "lane_not_flow_node": gettext_lazy(
        "%(source)s, line %(line)s: lane %(id)s lists %(ref)s, a <%(tag)s>, which is not a flow node; the reference "
        "was ignored."
    ),
    "boundary_without_host": gettext_lazy(
        "%(source)s, line %(line)s: boundary event %(id)s is attached to no activity (attachedToRef is missing)."
    ),
    "boundary_unknown_host": gettext_lazy(
        "%(source)s, line %(line)s: boundary event %(id)s is attached to %(ref)s, which is not an activity of this "
        "file."
    ),
}
_QUOTED = ("id", "ref")
"""Values shown quoted (as Python writes a string), so that an id with spaces or an empty one stays visible."""


def _message(code: str, **values: Any) -> str:
    """The message ``code`` in the active language, with ``values`` put in (numbers grouped as the language does)."""
    shown: dict[str, Any] = {"namespace": BPMN_NS}
    for name, value in values.items():
        if name in _QUOTED:
            shown[name] = repr(value)
        elif name in ("size", "limit"):
            shown[name] = number_format(value, force_grouping=True)
        else:
            shown[name] = value
    return str(MESSAGES[code]) % shown


class BpmnError(Exception):
    """A refused file. ``str(error)`` is the message for the user; ``code`` is a short slug for programs."""

    def __init__(
        self, code: str, message: str, *, source: str, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.source = source
        self.line = line
        self.column = column


@dataclass
class Issue:
    """Something odd in a file that was still imported (``warning``), or a problem the caller decides on."""

    severity: Literal["warning", "error"]
    code: str
    message: str
    source: str
    element_id: str | None = None
    line: int | None = None


@dataclass
class Lane:
    """A lane; ``depth`` 0 is a lane of the process's lane set, 1 a lane of its ``childLaneSet``, and so on."""

    id: str
    name: str
    parent_id: str | None
    depth: int
    flow_node_ids: list[str]
    line: int | None = None


@dataclass
class Task:
    """A task of any type; ``type`` is the BPMN tag (``userTask``, ``serviceTask``, …)."""

    id: str
    name: str
    type: str
    lane_ids: list[str]
    subprocess_id: str | None
    performers: list[str]
    line: int | None = None
    documentation: str = ""


@dataclass
class SubProcess:
    """An embedded sub-process (``subProcess``, ``adHocSubProcess`` or ``transaction``, see ``type``)."""

    id: str
    name: str
    parent_id: str | None
    triggered_by_event: bool
    type: str = "subProcess"


@dataclass
class CallActivity:
    """A call to a reusable process or global task; ``called_element`` is kept exactly as written."""

    id: str
    name: str
    called_element: str | None
    process_id: str
    line: int | None
    subprocess_id: str | None = None


@dataclass
class Process:
    """One ``<process>`` with everything inside it, sub-processes included.

    ``data_stores`` holds the names of the data store references used in the process (a reference without a name
    takes its data store's name); ``data_objects`` the names of the data objects it declares and
    ``data_object_references`` the names of their references (same fallback). ``events``, ``gateways`` and
    ``sequence_flows`` count elements at every depth.
    """

    id: str
    name: str
    is_executable: bool | None
    documentation: str
    participant_id: str | None
    participant_name: str | None
    lanes: list[Lane] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    subprocesses: list[SubProcess] = field(default_factory=list)
    call_activities: list[CallActivity] = field(default_factory=list)
    data_objects: list[str] = field(default_factory=list)
    data_stores: list[str] = field(default_factory=list)
    events: int = 0
    gateways: int = 0
    sequence_flows: int = 0
    data_object_references: list[str] = field(default_factory=list)
    line: int | None = None


@dataclass
class Participant:
    """A pool. Without ``process_ref`` it is a black-box pool: an external party whose work is not modelled."""

    id: str
    name: str
    process_ref: str | None
    collaboration_id: str | None = None

    @property
    def is_black_box(self) -> bool:
        return self.process_ref is None


@dataclass
class MessageFlow:
    """A message between pools. ``*_owner`` is the process id of the end, or the participant id when it is a pool."""

    id: str
    name: str
    source_ref: str | None
    target_ref: str | None
    source_kind: EndKind
    target_kind: EndKind
    source_owner: str | None
    target_owner: str | None


@dataclass
class Document:
    """One BPMN file as read. ``global_tasks`` are ``(id, name)`` pairs; ``data_stores`` are the file-level stores."""

    source: str
    encoding: str | None
    exporter: str | None
    exporter_version: str | None
    target_namespace: str | None
    processes: list[Process] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    message_flows: list[MessageFlow] = field(default_factory=list)
    global_tasks: list[tuple[str, str]] = field(default_factory=list)
    data_stores: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    collaboration_ids: list[str] = field(default_factory=list)

    @property
    def black_box_pools(self) -> list[Participant]:
        return [p for p in self.participants if p.is_black_box]

    @property
    def lane_count(self) -> int:
        return sum(len(p.lanes) for p in self.processes)

    @property
    def task_count(self) -> int:
        return sum(len(p.tasks) for p in self.processes)

    @property
    def task_counts(self) -> dict[str, int]:
        return dict(Counter(t.type for p in self.processes for t in p.tasks))

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


@dataclass
class CallResolution:
    """Where one call activity leads, across all documents of an upload; ``targets`` are (file, element id) pairs."""

    source: str
    process_id: str
    call_id: str
    call_name: str
    called_element: str | None
    status: CallStatus
    targets: list[tuple[str, str]]


# --------------------------------------------------------------------------------------------------------------
# Sniffing the raw bytes


_DECLARATION = re.compile(r"""<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")


def _head_text(data: bytes) -> str:
    return head_text(data[:_HEAD_BYTES])


def _strip_prefix(ref: str | None) -> str | None:
    """``tns:Process_1`` → ``Process_1``: ids are NCNames, so anything before a colon is a QName prefix."""
    if ref is None:
        return None
    ref = ref.strip()
    return ref.rpartition(":")[2] if ref else ref


def _describe_root(tag: str) -> str:
    if tag.startswith("{"):
        namespace, _brace, local = tag[1:].partition("}")
        return _("<%(tag)s> in the namespace %(namespace)s") % {"tag": local, "namespace": namespace}
    return _("<%(tag)s> in no namespace") % {"tag": tag}


# --------------------------------------------------------------------------------------------------------------
# Reading


def parse_bpmn(data: bytes, *, source: str) -> Document:
    """Read one BPMN 2.0 file. Raises :class:`BpmnError` for a file that is refused; oddities become ``issues``."""
    if len(data) > MAX_INPUT_BYTES:  # checked first, before anything copies or scans the input
        raise BpmnError(
            "too_large", _message("too_large", source=source, size=len(data), limit=MAX_INPUT_BYTES), source=source
        )
    data = bytes(data)
    if not data.strip():
        raise BpmnError("empty", _message("empty", source=source), source=source)
    text = _head_text(data).lstrip(" \t\r\n\ufeff")
    if not text.startswith("<"):
        what = what_it_looks_like(data, text)
        raise BpmnError("not_xml", _message("not_xml", source=source, what=what), source=source, line=1, column=1)
    if has_doctype(text):
        raise BpmnError("doctype", _message("doctype", source=source), source=source)
    declared = _DECLARATION.match(text)
    root = _parse_xml(data, source)
    return _Reader(source, declared.group(1) if declared else None).read(root)


def _parse_xml(data: bytes, source: str) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position or (None, None)
        detail = re.sub(r", line \d+, column \d+$", "", str(exc.msg or exc)).strip().rstrip(".")
        detail = detail.replace(", use XML_PARSE_HUGE option", " " + _("(elements nested too deeply)"))
        raise BpmnError(
            "xml_syntax",
            _message("xml_syntax", source=source, line=line, column=column, detail=detail),
            source=source,
            line=line,
            column=column,
        ) from exc
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise BpmnError("xml_syntax", _message("xml_unreadable", source=source, detail=exc), source=source) from exc
    if root is None:  # pragma: no cover - lxml raises rather than return nothing, kept as a guard
        detail = _("no root element")
        raise BpmnError("xml_syntax", _message("xml_unreadable", source=source, detail=detail), source=source)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # a DOCTYPE hidden behind a very long prolog
        raise BpmnError("doctype", _message("doctype", source=source), source=source)
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag != _B + "definitions":
        raise BpmnError(
            "not_bpmn",
            _message("not_bpmn", source=source, root=_describe_root(tag)),
            source=source,
            line=root.sourceline,
        )
    return root


def _local(element: Any) -> str | None:
    """The BPMN tag name of an element, or None for comments, instructions and other namespaces."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith(_B):
        return tag[len(_B) :]
    return None


def _children(element: Any, *names: str) -> Iterator[Any]:
    for child in element:
        if _local(child) in names:
            yield child


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def _documentation(element: Any) -> str:
    return "\n\n".join(filter(None, (_text(d) for d in _children(element, "documentation"))))


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    return True if value in ("true", "1") else False if value in ("false", "0") else None


class _Reader:
    """The state of reading one document: the id index, the flow-node registry and the issues found."""

    def __init__(self, source: str, encoding: str | None) -> None:
        self.source = source
        self.encoding = encoding
        self.issues: list[Issue] = []
        self.index: dict[str, list[Any]] = defaultdict(list)
        self.nodes: dict[str, tuple[str, str]] = {}  # flow node id → (process id, BPMN tag)
        self.subprocess_parent: dict[str, str | None] = {}
        self.data_store_names: dict[str, str] = {}
        self.data_object_names: dict[str, str] = {}
        self.resource_names: dict[str, str] = {}

    def warn(self, code: str, element_id: str | None = None, line: int | None = None, **values: Any) -> None:
        message = _message(code, source=self.source, id=element_id, line=line, **values)
        self.issues.append(Issue("warning", code, message, self.source, element_id, line))

    # ---- whole document

    def read(self, root: Any) -> Document:
        self._index(root)
        self._check_duplicates()
        doc = Document(
            source=self.source,
            encoding=self.encoding,
            exporter=root.get("exporter"),
            exporter_version=root.get("exporterVersion"),
            target_namespace=root.get("targetNamespace"),
            issues=self.issues,
        )
        processes, collaborations = [], []
        for child in root:
            local = _local(child)
            tag = child.tag
            if local is None:
                if isinstance(tag, str) and not tag.startswith("{"):  # no namespace at all: not an extension either
                    self.warn("unknown_element", child.get("id"), child.sourceline, tag=tag)
                continue
            if local not in _DEFINITIONS_CHILDREN:
                self.warn("unknown_element", child.get("id"), child.sourceline, tag=local)
            elif local == "process":
                processes.append(child)
            elif local in _COLLABORATIONS:
                collaborations.append(child)
            elif local in GLOBAL_TASK_TYPES:
                doc.global_tasks.append((child.get("id", ""), child.get("name", "")))
            elif local == "dataStore":
                doc.data_stores.append(child.get("name", ""))
        for element in self.index_of("dataStore"):
            self.data_store_names[element.get("id", "")] = element.get("name", "")
        for element in self.index_of("dataObject"):
            self.data_object_names[element.get("id", "")] = element.get("name", "")
        for element in self.index_of("resource"):
            self.resource_names[element.get("id", "")] = element.get("name", "")

        doc.processes = [self._process(element) for element in processes]
        flows: list[Any] = []
        for collaboration in collaborations:
            doc.collaboration_ids.append(collaboration.get("id", ""))
            for element in _children(collaboration, "participant"):
                doc.participants.append(self._participant(element, collaboration.get("id")))
            flows.extend(_children(collaboration, "messageFlow"))
        self._link_pools(doc)
        pools = {p.id: p for p in doc.participants}
        doc.message_flows = [self._message_flow(element, pools) for element in flows]
        if not processes and not collaborations:
            self.warn("no_process")
        return doc

    def index_of(self, local: str) -> Iterator[Any]:
        for elements in self.index.values():
            for element in elements:
                if _local(element) == local:
                    yield element

    def _index(self, root: Any) -> None:
        """Index BPMN elements by id, skipping vendor extensions and diagram interchange (other namespaces)."""
        stack = [root]
        while stack:
            element = stack.pop()
            element_id = element.get("id")
            if element_id:
                self.index[element_id].append(element)
            for child in reversed(element):
                local = _local(child)
                if local is not None and local != "extensionElements":
                    stack.append(child)

    def _check_duplicates(self) -> None:
        for element_id, elements in self.index.items():
            if len(elements) < 2:
                continue
            where = ", ".join(
                _("<%(tag)s> at line %(line)s") % {"tag": _local(e), "line": e.sourceline} for e in elements
            )
            if any(_local(e) in _UNIQUE_ID_TYPES for e in elements):
                raise BpmnError(
                    "duplicate_id",
                    _message("duplicate_id_fatal", source=self.source, id=element_id, where=where),
                    source=self.source,
                    line=elements[1].sourceline,
                )
            self.warn("duplicate_id", element_id, elements[1].sourceline, where=where)

    # ---- processes

    def _process(self, element: Any) -> Process:
        process = Process(
            id=element.get("id", ""),
            name=element.get("name", ""),
            is_executable=_bool(element.get("isExecutable")),
            documentation=_documentation(element),
            participant_id=None,
            participant_name=None,
            line=element.sourceline,
        )
        self._container(element, process, None)
        self._check_lanes(process)
        lanes_of: dict[str, list[str]] = defaultdict(list)
        for lane in process.lanes:
            for node_id in lane.flow_node_ids:
                lanes_of[node_id].append(lane.id)
        for task in process.tasks:
            task.lane_ids = self._lanes_for(task.id, task.subprocess_id, lanes_of)
        return process

    def _lanes_for(self, node_id: str, subprocess_id: str | None, lanes_of: dict[str, list[str]]) -> list[str]:
        """A node's lanes; a node inside a sub-process that no lane lists lies in the lanes of that sub-process."""
        if lanes_of.get(node_id):
            return list(lanes_of[node_id])
        seen: set[str] = set()
        while subprocess_id is not None and subprocess_id not in seen:
            seen.add(subprocess_id)
            if lanes_of.get(subprocess_id):
                return list(lanes_of[subprocess_id])
            subprocess_id = self.subprocess_parent.get(subprocess_id)
        return []

    def _container(self, container: Any, process: Process, subprocess_id: str | None) -> None:
        """Read a process or sub-process. Recursion is bounded: without ``huge_tree`` lxml refuses depth > 256."""
        for child in container:
            local = _local(child)
            if local is None:
                continue
            element_id = child.get("id", "")
            name = child.get("name", "")
            if local in FLOW_NODE_TYPES and element_id:
                self.nodes[element_id] = (process.id, local)
            if local == "laneSet":
                self._lanes(child, process, None, 0)
            elif local in TASK_TYPES:
                performers = [self._performer(role) for role in _children(child, *_RESOURCE_ROLES)]
                task = Task(element_id, name, local, [], subprocess_id, [p for p in performers if p], child.sourceline)
                task.documentation = _documentation(child)
                process.tasks.append(task)
            elif local in SUBPROCESS_TYPES:
                triggered = _bool(child.get("triggeredByEvent")) is True
                process.subprocesses.append(SubProcess(element_id, name, subprocess_id, triggered, local))
                self.subprocess_parent[element_id] = subprocess_id
                self._container(child, process, element_id)
            elif local == "callActivity":
                process.call_activities.append(
                    CallActivity(
                        element_id, name, child.get("calledElement"), process.id, child.sourceline, subprocess_id
                    )
                )
                if not (child.get("calledElement") or "").strip():
                    self.warn("call_without_target", element_id, child.sourceline, name=name or _("no name"))
            elif local in EVENT_TYPES:
                process.events += 1
                if local == "boundaryEvent":
                    self._boundary(child)
            elif local in GATEWAY_TYPES:
                process.gateways += 1
            elif local == "sequenceFlow":
                process.sequence_flows += 1
            elif local == "dataObject":
                process.data_objects.append(name)
            elif local == "dataObjectReference":
                ref = _strip_prefix(child.get("dataObjectRef")) or ""
                process.data_object_references.append(name or self.data_object_names.get(ref, ""))
            elif local == "dataStoreReference":
                ref = _strip_prefix(child.get("dataStoreRef")) or ""
                process.data_stores.append(name or self.data_store_names.get(ref, ""))

    def _boundary(self, element: Any) -> None:
        element_id, host = element.get("id"), _strip_prefix(element.get("attachedToRef"))
        if not host:
            self.warn("boundary_without_host", element_id, element.sourceline)
        elif not any(_local(e) in FLOW_NODE_TYPES for e in self.index.get(host, [])):
            self.warn("boundary_unknown_host", element_id, element.sourceline, ref=host)

    def _performer(self, role: Any) -> str:
        """The performer's name: the resource it points at, else the role's own name, else its expression."""
        for ref in _children(role, "resourceRef"):
            name = self.resource_names.get(_strip_prefix(_text(ref)) or "")
            if name:
                return name
        if role.get("name"):
            return str(role.get("name"))
        for expression in _children(role, "resourceAssignmentExpression"):
            return _text(expression)
        return ""

    def _lanes(self, lane_set: Any, process: Process, parent_id: str | None, depth: int) -> None:
        for lane in _children(lane_set, "lane"):
            refs = [_strip_prefix(_text(ref)) or "" for ref in _children(lane, "flowNodeRef")]
            refs = [r for r in refs if r]
            entry = Lane(lane.get("id", ""), lane.get("name", ""), parent_id, depth, refs, lane.sourceline)
            process.lanes.append(entry)
            for child_set in _children(lane, "childLaneSet"):
                self._lanes(child_set, process, entry.id, depth + 1)

    def _check_lanes(self, process: Process) -> None:
        """Keep in each lane only references to flow nodes; say which others were dropped."""
        for lane in process.lanes:
            kept = []
            for ref in lane.flow_node_ids:
                elements = self.index.get(ref, [])
                if any(_local(e) in FLOW_NODE_TYPES for e in elements):
                    kept.append(ref)
                elif elements:
                    self.warn("lane_not_flow_node", lane.id, lane.line, ref=ref, tag=_local(elements[0]))
                else:
                    self.warn("lane_unknown_node", lane.id, lane.line, ref=ref)
            lane.flow_node_ids = kept

    # ---- collaborations

    def _participant(self, element: Any, collaboration_id: str | None) -> Participant:
        ref = _strip_prefix(element.get("processRef")) or None
        return Participant(element.get("id", ""), element.get("name", ""), ref, collaboration_id)

    def _link_pools(self, doc: Document) -> None:
        by_id = {p.id: p for p in doc.processes}
        for participant in doc.participants:
            process = by_id.get(participant.process_ref or "")
            if participant.process_ref and process is None:
                line = self.index[participant.id][0].sourceline if participant.id in self.index else None
                self.warn("participant_unknown_process", participant.id, line, ref=participant.process_ref)
            elif process is not None and process.participant_id is None:
                process.participant_id, process.participant_name = participant.id, participant.name
        if not doc.collaboration_ids:
            return
        called = {_strip_prefix(c.called_element) for p in doc.processes for c in p.call_activities}
        for process in doc.processes:
            if process.participant_id is None and process.id not in called:
                self.warn("process_without_pool", process.id, process.line)

    def _message_flow(self, element: Any, pools: dict[str, Participant]) -> MessageFlow:
        element_id = element.get("id", "")
        ends: list[tuple[str | None, EndKind, str | None]] = []
        for attribute, end in (
            ("sourceRef", pgettext("message flow", "source")),
            ("targetRef", pgettext("message flow", "target")),
        ):
            ref = _strip_prefix(element.get(attribute)) or None
            kind, owner = self._end(ref, pools)
            if ref is None:
                self.warn("message_flow_missing_end", element_id, element.sourceline, end=end)
            elif kind == "unknown":
                self.warn("message_flow_unknown_end", element_id, element.sourceline, end=end, ref=ref)
            ends.append((ref, kind, owner))
        (source_ref, source_kind, source_owner), (target_ref, target_kind, target_owner) = ends
        return MessageFlow(
            element_id,
            element.get("name", ""),
            source_ref,
            target_ref,
            source_kind,
            target_kind,
            source_owner,
            target_owner,
        )

    def _end(self, ref: str | None, pools: dict[str, Participant]) -> tuple[EndKind, str | None]:
        if ref is None:
            return "unknown", None
        if ref in pools:
            return "participant", ref
        if ref in self.nodes:
            process_id, local = self.nodes[ref]
            kind: EndKind = (
                "task"
                if local in TASK_TYPES
                else "event"
                if local in EVENT_TYPES
                else "subProcess"
                if local in SUBPROCESS_TYPES
                else "callActivity"
                if local == "callActivity"
                else "other"
            )
            return kind, process_id
        if ref in self.index:
            return "other", None
        return "unknown", None


# --------------------------------------------------------------------------------------------------------------
# Calls across files


def resolve_calls(documents: Sequence[Document]) -> list[CallResolution]:
    """Link every call activity of an upload to the processes and global tasks it may call, in any file.

    A called element defined more than once across the upload is ``ambiguous`` (all targets listed, none preferred,
    not even one in the same file: the analyst must say which is meant); not found anywhere is ``dangling``; the
    calling process's own id is ``self`` (a cycle); no called element at all is ``missing``.
    """
    callables: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for doc in documents:
        for process in doc.processes:
            callables[process.id].append((doc.source, process.id))
        for task_id, _name in doc.global_tasks:
            callables[task_id].append((doc.source, task_id))
    resolutions = []
    for doc in documents:
        for process in doc.processes:
            for call in process.call_activities:
                key = _strip_prefix(call.called_element)
                status: CallStatus
                targets: list[tuple[str, str]]
                if not key:
                    status, targets = "missing", []
                elif key == process.id:
                    status, targets = "self", [(doc.source, process.id)]
                else:
                    targets = list(callables.get(key, []))
                    status = "resolved" if len(targets) == 1 else "ambiguous" if targets else "dangling"
                resolutions.append(
                    CallResolution(doc.source, process.id, call.id, call.name, call.called_element, status, targets)
                )
    return resolutions
