"""Load the reference frameworks shipped in ``results/data/*.json``: the SDGs and ITU plans, sources named.

Each data file describes one framework and its nodes, with the public sources each fact was copied from and
a ``gaps`` list of what is known to exist but was not retrieved.  Gaps are loaded as visibly empty nodes
(``status_note="gap"``), never filled by guessing.

Loading is idempotent: existing frameworks, nodes and dimensions are read in a few queries, compared in
Python, and only what differs is written, each write through :mod:`orbit.results.services` (so audited).
A second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from orbit.core.fields import clean_translations
from orbit.organisation.models import OrgUnit
from orbit.results.models import Dimension, Framework, ResultNode
from orbit.results.services import (
    dimension_create,
    framework_create,
    framework_update,
    node_create,
    node_update,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
#: Loaded in this order (the operational plan sample links to nodes of the first four).
FRAMEWORK_FILES = ("sdg.json", "itu_sp_2020_2023.json", "wtdc17.json", "itu_d_2016_2019.json",
                   "regional_initiatives.json")  # fmt: skip
DIMENSIONS_FILE = "dimensions.json"
REASON = "reference data"

# --- Chinese punctuation --------------------------------------------------------------------------------------

_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}


def is_cjk(char: str) -> bool:
    """A Han character, CJK punctuation (《》、。) or a full-width form."""
    if not char:
        return False
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x3000 <= code <= 0x303F  # CJK symbols and punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x2FA1F  # supplementary ideographs
    )


def _neighbour(text: str, index: int, step: int) -> str:
    """The nearest character that is not a space, walking from ``index`` by ``step``."""
    index += step
    while 0 <= index < len(text):
        if text[index] != " ":
            return text[index]
        index += step
    return ""


def restore_cjk_punctuation(text: str) -> str:
    """Turn ASCII , ; : ( ) written in Chinese text back into ，；：（）.

    A comma, semicolon or colon becomes full-width when the nearest non-space character on either side is
    Chinese, except between two ASCII digits (``1,000``).  A pair of parentheses becomes full-width when the
    character before the opening one or after the closing one is Chinese, or when the text inside holds
    Chinese.  Spaces around a restored mark are dropped (full-width marks carry their own spacing).
    Everything else is left as it is: decimal points, hyphens, per cent signs, Latin-only text.
    """
    if not text:
        return text
    chars = list(text)
    convert: set[int] = set()
    # Parentheses: pair them first.
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for index, char in enumerate(chars):
        if char == "(":
            stack.append(index)
        elif char == ")" and stack:
            pairs.append((stack.pop(), index))
    paired = {i for pair in pairs for i in pair}
    for start, end in pairs:
        inside = any(is_cjk(c) for c in chars[start + 1 : end])
        if inside or is_cjk(_neighbour(text, start, -1)) or is_cjk(_neighbour(text, end, 1)):
            convert.update((start, end))
    for index, char in enumerate(chars):
        if char in "()" and index not in paired:
            if is_cjk(_neighbour(text, index, -1)) or is_cjk(_neighbour(text, index, 1)):
                convert.add(index)
        elif char in ",;:":
            before, after = _neighbour(text, index, -1), _neighbour(text, index, 1)
            if before.isascii() and before.isdigit() and after.isascii() and after.isdigit():
                continue
            if is_cjk(before) or is_cjk(after):
                convert.add(index)
    if not convert:
        return text
    for index in convert:
        chars[index] = _FULL_WIDTH[chars[index]]
    # Drop the spaces that touch a restored mark.
    out: list[str] = []
    for index, char in enumerate(chars):
        if char == " " and (_touches(chars, index, -1, convert) or _touches(chars, index, 1, convert)):
            continue
        out.append(char)
    return "".join(out)


def _touches(chars: list[str], index: int, step: int, convert: set[int]) -> bool:
    index += step
    while 0 <= index < len(chars) and chars[index] == " ":
        index += step
    return index in convert


_ASCII_BETWEEN_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[,;:()](?=[\u4e00-\u9fff])")


def ascii_punctuation_between_cjk(text: str) -> list[str]:
    """The ASCII , ; : ( ) found directly between two Han characters (empty when the text is restored)."""
    return _ASCII_BETWEEN_CJK.findall(text or "")


# --- data files -----------------------------------------------------------------------------------------------


def read_data(name: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((data_dir / name).read_text(encoding="utf-8"))
    return data


def sdg_goal_short_titles(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """English short names of the 17 goals (``{"9": "Industry, innovation and infrastructure"}``).

    Only English: no official Chinese short names were found in a citable source.
    """
    data = read_data("sdg.json", data_dir)
    return {node["ref_code"]: node["short_title_en"] for node in data["nodes"] if node.get("short_title_en")}


def source_text(ids: list[str], sources: dict[str, Any], status: str = "") -> str:
    lines = [
        f"{sid}: {sources[sid]['url']} — {sources[sid]['seen']}"
        if sources[sid].get("url")
        else f"{sid}: {sources[sid]['seen']}"
        for sid in ids
    ]
    if status:
        lines.insert(0, f"Status: {status}")
    return "\n".join(lines)


def status_note_for(status: str) -> str:
    """The node's data note: empty for verified text, ``gap`` for missing text, else the source's status."""
    if not status or status == "verified":
        return ""
    if status.startswith("gap") or status.startswith("truncated"):
        return "gap"
    return status[:200]


def framework_status(cycle_end: dt.date, today: dt.date | None = None) -> str:
    """Reference frameworks are active during their cycle and closed after it."""
    today = today or timezone.localdate()
    return Framework.Status.CLOSED if cycle_end < today else Framework.Status.ACTIVE


@dataclass
class LoadReport:
    frameworks_created: int = 0
    frameworks_updated: int = 0
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    dimensions_created: int = 0
    dimensions_differing: int = 0

    @property
    def writes(self) -> int:
        return (
            self.frameworks_created + self.frameworks_updated + self.nodes_created + self.nodes_updated
            + self.dimensions_created
        )  # fmt: skip

    def summary(self) -> str:
        return (
            f"reference frameworks: {self.frameworks_created} created, {self.frameworks_updated} updated; "
            f"nodes: {self.nodes_created} created, {self.nodes_updated} updated, {self.nodes_unchanged} unchanged; "
            f"dimensions: {self.dimensions_created} created"
        )


def _framework_values(data: dict[str, Any], units: dict[str, OrgUnit], today: dt.date | None) -> dict[str, Any]:
    spec = data["framework"]
    owner = units.get(spec["owner_unit"])
    if owner is None:
        raise ValueError(f"framework {spec['code']}: unknown owner unit {spec['owner_unit']}; load the units first")
    cycle_start = dt.date.fromisoformat(spec["cycle_start"])
    cycle_end = dt.date.fromisoformat(spec["cycle_end"])
    return {
        "name": clean_translations(spec["name"]),
        "description": clean_translations(spec.get("description"), required=False),
        "kind": spec["kind"],
        "cycle_start": cycle_start,
        "cycle_end": cycle_end,
        "owner_unit": owner,
        "status": framework_status(cycle_end, today),
        "tiers": [clean_translations(t) for t in spec["tiers"]],
        "is_public": True,
        "source": source_text(spec.get("sources", []), data["sources"], spec.get("status", "")),
        "is_sample": False,
    }


def _node_values(record: dict[str, Any], sources: dict[str, Any]) -> dict[str, Any]:
    status = record.get("status", "verified")
    return {
        "title": clean_translations(record["title"]),
        "description": clean_translations(record.get("description"), required=False),
        "ref_code": record.get("ref_code", ""),
        "status_note": status_note_for(status),
        "source": source_text(record.get("sources", []), sources, status),
        "is_sample": False,
    }


def _differs(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for name, value in values.items():
        current = getattr(instance, name)
        if isinstance(value, OrgUnit):
            if getattr(instance, f"{name}_id") != value.pk:
                changed[name] = value
        elif current != value:
            changed[name] = value
    return changed


def _node_identity(record_ref: str, number: str) -> str:
    """Nodes are matched by official code; placeholders without one by their outline number."""
    return f"ref:{record_ref}" if record_ref else f"num:{number}"


def _outline_numbers(nodes: list[dict[str, Any]]) -> dict[str, str]:
    """The outline number each record gets when created in file order (children follow their parent)."""
    counters: dict[str | None, int] = {}
    numbers: dict[str, str] = {}
    for record in nodes:
        parent = record.get("parent")
        counters[parent] = counters.get(parent, 0) + 1
        prefix = f"{numbers[parent]}." if parent else ""
        numbers[record["key"]] = f"{prefix}{counters[parent]}"
    return numbers


@transaction.atomic
def load_reference_frameworks(
    *, actor: Any, data_dir: Path = DATA_DIR, files: tuple[str, ...] = FRAMEWORK_FILES, today: dt.date | None = None
) -> LoadReport:
    """Create or update the public reference frameworks and the standard dimensions; idempotent."""
    report = LoadReport()
    datasets = [read_data(name, data_dir) for name in files]
    owner_codes = {d["framework"]["owner_unit"] for d in datasets}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=owner_codes)}
    codes = [d["framework"]["code"] for d in datasets]
    frameworks = {f.code: f for f in Framework.all_objects.filter(code__in=codes).select_related("owner_unit")}
    existing_nodes: dict[int, dict[str, ResultNode]] = {}
    for node in ResultNode.objects.filter(framework__in=list(frameworks.values())).order_by("path"):
        existing_nodes.setdefault(node.framework_id, {})[_node_identity(node.ref_code, node.number)] = node
    for data in datasets:
        _load_framework(actor, data, units, frameworks, existing_nodes, report, today)
    _load_dimensions(actor, read_data(DIMENSIONS_FILE, data_dir), report)
    return report


def _load_framework(
    actor: Any,
    data: dict[str, Any],
    units: dict[str, OrgUnit],
    frameworks: dict[str, Framework],
    existing_nodes: dict[int, dict[str, ResultNode]],
    report: LoadReport,
    today: dt.date | None,
) -> None:
    code = data["framework"]["code"]
    values = _framework_values(data, units, today)
    wanted_status = values["status"]
    framework = frameworks.get(code)
    if framework is None:
        # Nodes cannot be added to a closed framework: create it active, close it once its nodes are in.
        framework = framework_create(
            actor=actor, code=code, reason=REASON, **{**values, "status": Framework.Status.ACTIVE}
        )
        report.frameworks_created += 1
        nodes: dict[str, ResultNode] = {}
    else:
        nodes = existing_nodes.get(framework.pk, {})
        changed = _differs(framework, {k: v for k, v in values.items() if k != "status"})
        if changed:
            framework = framework_update(
                actor=actor, framework=framework, expected_version=framework.version, reason=REASON, **changed
            )
            report.frameworks_updated += 1
    numbers = _outline_numbers(data["nodes"])
    by_key: dict[str, ResultNode] = {}
    pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for record in data["nodes"]:
        node_values = _node_values(record, data["sources"])
        node = nodes.get(_node_identity(node_values["ref_code"], numbers[record["key"]]))
        if node is None:
            pending.append((record, node_values))
            continue
        by_key[record["key"]] = node
        changed = _differs(node, node_values)
        if changed:
            pending.append((record, node_values))
        else:
            report.nodes_unchanged += 1
    if pending and framework.status == Framework.Status.CLOSED:
        framework = framework_update(
            actor=actor, framework=framework, expected_version=framework.version, reason=REASON,
            status=Framework.Status.ACTIVE,
        )  # fmt: skip
    for record, node_values in pending:
        node = by_key.get(record["key"])
        if node is None:
            parent = by_key[record["parent"]] if record.get("parent") else None
            title = node_values.pop("title")
            by_key[record["key"]] = node_create(
                actor=actor, framework=framework, parent=parent, title=title, reason=REASON, **node_values
            )
            report.nodes_created += 1
        else:
            node.framework = framework
            by_key[record["key"]] = node_update(
                actor=actor, node=node, expected_version=node.version, reason=REASON, **_differs(node, node_values)
            )
            report.nodes_updated += 1
    if framework.status != wanted_status:
        framework = framework_update(
            actor=actor, framework=framework, expected_version=framework.version, reason=REASON, status=wanted_status
        )
        if code in frameworks:
            report.frameworks_updated += 1
    frameworks[code] = framework


def _load_dimensions(actor: Any, data: dict[str, Any], report: LoadReport) -> None:
    specs = data["dimensions"]
    existing = {d.code: d for d in Dimension.all_objects.filter(code__in=[s["code"] for s in specs])}
    for spec in specs:
        values = {
            "kind": spec["kind"],
            "name": clean_translations(spec["name"]),
            "categories": [{"code": c["code"], "name": clean_translations(c["name"])} for c in spec["categories"]],
            "exhaustive": bool(spec["exhaustive"]),
            "is_sample": False,
        }
        dimension = existing.get(spec["code"])
        if dimension is None:
            dimension_create(actor=actor, code=spec["code"], reason=REASON, **values)
            report.dimensions_created += 1
        elif _differs(dimension, values):
            # There is no dimension update service yet; a changed definition is reported, not forced.
            report.dimensions_differing += 1
