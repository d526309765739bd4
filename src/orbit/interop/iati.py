"""A safe, streaming reader of IATI 2.03 activity files (pure Python, no database).

Why Orbit reads IATI itself: organisations publish their activities, results and indicators to the International
Aid Transparency Initiative, and Orbit both imports such files and exports its own. Real files are large (a
publisher's file can hold tens of thousands of activities), come from many tools (AidStream, datastore re-exports,
hand-written XML) and are often a little wrong. A general XML library reads a whole file into memory and stops at the
first schema error; an importer needs the opposite: read one activity at a time, keep the good activities, and say
exactly which activity is wrong and why.

Safety: files come from outside. A DOCTYPE is refused before parsing (IATI never needs one; refusing it closes entity
expansion and external entities), the parser never loads DTDs, never resolves entities and never opens the network,
and ``huge_tree`` stays off. The parser is given bytes, so UTF-16 with a byte order mark and declared encodings work.

Streaming: :func:`iter_activities` uses ``lxml.etree.iterparse`` and clears each ``iati-activity`` (and everything
before it) once it has been read, so memory does not grow with the number of activities.

Versions: the root must be ``iati-activities`` with a 2.0x ``@version``. IATI 1.0x is refused (validator rule 0.6.1).
Datastore re-exports drop the root ``@version`` and put ``iati-extra:version`` on each activity; they are accepted.

Schema: with an ``etree.XMLSchema`` from :func:`load_schema`, each activity is validated on its own (wrapped in a
minimal root), so one bad activity does not hide the good ones; it is reported by its iati-identifier.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NamedTuple

from lxml import etree

from orbit.core.safexml import has_doctype, head_text, what_it_looks_like

IATI_EXTRA_NS = "http://datastore.iatistandard.org/ns"
CODEFORIATI_EXTRA_NS = "https://datastore.codeforiati.org/ns"
EXTRA_NAMESPACES = frozenset({IATI_EXTRA_NS, CODEFORIATI_EXTRA_NS})
"""Namespaces in which datastores put ``iati-extra:version`` when they re-export activities without a root version."""
XML_NS = "http://www.w3.org/XML/1998/namespace"
SUPPORTED_VERSIONS = frozenset({"2.01", "2.02", "2.03"})
MAX_SCHEMA_ERRORS = 20
"""Schema errors reported per activity: past this the activity is clearly broken and more lines only add noise."""

_LANG = "{" + XML_NS + "}lang"
_HEAD_BYTES = 64 * 1024  # enough to read the XML declaration and see a DOCTYPE before the root
_READ_CHUNK = 64 * 1024

# --------------------------------------------------------------------------------------------------------------
# Messages, in one place so that wording stays consistent and can be translated by the caller.

MESSAGES = {
    "empty": "{name}: the file is empty.",
    "not_xml": "{name}: this is not XML; it looks like {what}.",
    "xml_syntax": "{name}: the XML is not well formed at line {line}, column {column}: {detail}.",
    "doctype": "{name}: the document declares a DOCTYPE. IATI files never need one, and it is refused because a "
    "DOCTYPE can expand entities or make the reader open other files.",
    "not_iati": "{name}: not an IATI activity file: the root is <{root}>{hint}.",
    "version_1": "{name}: version {version} of the IATI Standard is no longer supported (IATI 1.0x is no longer "
    "supported); please publish the file in version 2.03 (validator rule 0.6.1).",
    "version_unknown": "Activity {identifier}: the file declares version \u201c{version}\u201d, which is not an IATI "
    "version; Orbit read the activity as IATI 2.03.",
    "version_missing": "{name}: the root <iati-activities> has no version attribute{where}, so the file cannot be "
    "checked against any version of the IATI Standard (validator rule 0.3.1: the version is required).",
    "no_activity": "{name}: the file holds no <iati-activity>; an IATI activity file needs at least one.",
    "schema": "Activity {identifier} does not follow the IATI {version} schema at line {line}: {detail}.",
    "bad_date": "Activity {identifier}, line {line}: {where} \u201c{raw}\u201d is not an ISO date (YYYY-MM-DD).",
    "unreadable": "Activity {identifier}, line {line}: part of the activity could not be read ({detail}).",
}

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
"""What ``castable as xs:decimal`` accepts: no exponent, no thousands separator, no NaN or infinity."""
_ISO_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")


def message(code: str, **values: Any) -> str:
    """One user-facing message, filled in."""
    return MESSAGES[code].format(**values)


# --------------------------------------------------------------------------------------------------------------
# What the reader returns


class IatiError(Exception):
    """The whole file is refused: not XML, not IATI, an unsupported version, or a DOCTYPE."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Problem:
    """One finding about one activity, keyed by the official IATI rule id where there is one."""

    rule: str
    severity: str  # "critical" (the activity is not imported), "error", "warning"
    message: str
    line: int | None = None
    identifier: str = ""

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}, {self.severity}]"


@dataclass(frozen=True)
class Narrative:
    text: str
    lang: str | None
    """Lower-case language code: the narrative's own ``xml:lang`` or else the activity's default language."""


@dataclass(frozen=True)
class Description:
    type: str | None
    narratives: list[Narrative]


@dataclass(frozen=True)
class ParticipatingOrg:
    ref: str | None
    role: str | None
    type: str | None
    activity_id: str | None
    names: list[Narrative]


class RecipientCountry(NamedTuple):
    code: str
    percentage: Decimal | None


class RecipientRegion(NamedTuple):
    code: str
    vocabulary: str
    percentage: Decimal | None


class Sector(NamedTuple):
    code: str
    vocabulary: str
    percentage: Decimal | None


class Tag(NamedTuple):
    code: str
    vocabulary: str


class Budget(NamedTuple):
    type: str | None
    status: str | None
    start: date | None
    end: date | None
    value: Decimal | None
    currency: str | None
    value_date: date | None


class Transaction(NamedTuple):
    type: str | None
    date: date | None
    value: Decimal | None
    currency: str | None


class DocumentLink(NamedTuple):
    url: str | None
    format: str | None
    titles: list[Narrative]
    categories: list[str]


class ResultReference(NamedTuple):
    vocabulary: str | None
    code: str | None


class IndicatorReference(NamedTuple):
    vocabulary: str | None
    code: str | None
    uri: str | None


@dataclass(frozen=True)
class Value:
    """A baseline, target or actual value. ``value`` is None when absent or not a number; ``raw`` keeps the text."""

    value: Decimal | None
    raw: str | None
    comments: list[Narrative] = field(default_factory=list)
    dimensions: list[tuple[str, str]] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Baseline:
    year: int | None
    iso_date: date | None
    value: Decimal | None
    raw: str | None
    comments: list[Narrative] = field(default_factory=list)
    dimensions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None
    targets: list[Value] = field(default_factory=list)
    actuals: list[Value] = field(default_factory=list)


@dataclass(frozen=True)
class Indicator:
    measure: str | None
    ascending: bool | None
    aggregation_status: bool | None
    titles: list[Narrative]
    descriptions: list[Narrative]
    references: list[IndicatorReference]
    baselines: list[Baseline]
    periods: list[Period]

    @property
    def baseline(self) -> Baseline | None:
        """The first baseline. IATI 2.03 allows several (one per dimension or location); most files give one."""
        return self.baselines[0] if self.baselines else None


@dataclass(frozen=True)
class Result:
    type: str | None
    aggregation_status: bool | None
    titles: list[Narrative]
    descriptions: list[Narrative]
    references: list[ResultReference]
    indicators: list[Indicator]


@dataclass(frozen=True)
class Activity:
    identifier: str
    version: str
    reporting_org_ref: str | None
    reporting_org_type: str | None
    reporting_org_names: list[Narrative]
    titles: list[Narrative]
    descriptions: list[Description]
    status_code: str | None
    dates: dict[str, date]
    """Activity dates by type (1 planned start, 2 actual start, 3 planned end, 4 actual end)."""
    default_currency: str | None
    default_lang: str | None
    last_updated: str | None
    participating_orgs: list[ParticipatingOrg]
    recipient_countries: list[RecipientCountry]
    recipient_regions: list[RecipientRegion]
    sectors: list[Sector]
    tags: list[Tag]
    budgets: list[Budget]
    transactions: list[Transaction]
    document_links: list[DocumentLink]
    results: list[Result]
    line: int | None


@dataclass(frozen=True)
class ActivityResult:
    """One activity as read: ``activity`` is None when the activity was refused (for example by the schema)."""

    activity: Activity | None
    identifier: str
    problems: list[Problem]


@dataclass(frozen=True)
class FileInfo:
    """The root's attributes, read from its start tag before any activity."""

    version: str | None
    generated_datetime: str | None
    linked_data_default: str | None


# --------------------------------------------------------------------------------------------------------------
# Schema


@functools.cache
def _load_schema(directory: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(Path(directory) / "iati-activities-schema.xsd"), parser)
    return etree.XMLSchema(tree)


def load_schema(schema_dir: Path) -> etree.XMLSchema:
    """The IATI activity schema from a folder holding the official XSDs; built once per folder and process."""
    return _load_schema(str(Path(schema_dir).resolve()))


# --------------------------------------------------------------------------------------------------------------
# Raw bytes: sniffing the head before the parser sees anything


class _Prefixed:
    """A binary stream that gives back bytes already read from its start, then the rest of the underlying stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)


def _read_head(stream: IO[bytes]) -> bytes:
    head = b""
    while len(head) < _HEAD_BYTES:
        chunk = stream.read(_HEAD_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _check_head(head: bytes, name: str) -> None:
    if not head.strip():
        raise IatiError(message("empty", name=name))
    text = head_text(head).lstrip(" \t\r\n\ufeff")
    if not text.startswith("<"):
        raise IatiError(message("not_xml", name=name, what=what_it_looks_like(head, text)), 1, 1)
    if has_doctype(text):
        raise IatiError(message("doctype", name=name))


# --------------------------------------------------------------------------------------------------------------
# Small readers of values


def parse_decimal(raw: str | None) -> Decimal | None:
    """A number the way IATI (xs:decimal) writes it, or None: never raises on odd text such as "1,000" or "n/a"."""
    if raw is None:
        return None
    text = raw.strip()
    if not _DECIMAL.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets plain decimals through
        return None


def parse_iso_date(raw: str | None) -> date | None:
    """An xs:date (``YYYY-MM-DD``, optionally with a time zone) or None when it is not one."""
    if raw is None:
        return None
    match = _ISO_DATE.match(raw.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _bool(raw: str | None) -> bool | None:
    """xs:boolean, plus the words some tools write ("True", "yes")."""
    if raw is None:
        return None
    text = raw.strip().lower()
    if text in {"1", "true", "yes"}:
        return True
    if text in {"0", "false", "no"}:
        return False
    return None


def _lang(element: Any) -> str | None:
    raw = element.get(_LANG)
    return raw.strip().lower() or None if raw else None


def _attr(element: Any, name: str) -> str | None:
    if element is None:
        return None
    raw = element.get(name)
    if raw is None:
        return None
    return raw.strip() or None


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


class _Builder:
    """Turns one ``iati-activity`` element into an :class:`Activity`, noting problems instead of raising."""

    def __init__(self, element: Any, identifier: str, version: str) -> None:
        self.element = element
        self.raw_identifier = identifier
        self.identifier = identifier or "(no identifier)"
        self.version = version
        self.default_lang = _lang(element)
        self.problems: list[Problem] = []

    # helpers -----------------------------------------------------------------------------------------------
    def narratives(self, parent: Any) -> list[Narrative]:
        if parent is None:
            return []
        return [Narrative(_text(n), _lang(n) or self.default_lang) for n in parent.iterchildren("narrative")]

    def date(self, element: Any, attribute: str, where: str) -> date | None:
        raw = _attr(element, attribute)
        if raw is None:
            return None
        parsed = parse_iso_date(raw)
        if parsed is None:
            line = element.sourceline
            text = message("bad_date", identifier=self.identifier, line=line, where=where, raw=raw)
            self.problems.append(Problem("orbit.date", "error", text, line, self.identifier))
        return parsed

    def dimensions(self, parent: Any) -> list[tuple[str, str]]:
        return [(d.get("name", ""), d.get("value", "")) for d in parent.iterchildren("dimension")]

    def comments(self, parent: Any) -> list[Narrative]:
        result: list[Narrative] = []
        for comment in parent.iterchildren("comment"):
            result.extend(self.narratives(comment))
        return result

    # parts -------------------------------------------------------------------------------------------------
    def value(self, element: Any) -> Value:
        raw = element.get("value")
        return Value(
            value=parse_decimal(raw),
            raw=raw,
            comments=self.comments(element),
            dimensions=self.dimensions(element),
            locations=[loc.get("ref", "") for loc in element.iterchildren("location")],
        )

    def baseline(self, element: Any) -> Baseline:
        year_raw = _attr(element, "year")
        year = int(year_raw) if year_raw and re.fullmatch(r"\d{1,4}", year_raw) else None
        raw = element.get("value")
        return Baseline(
            year=year,
            iso_date=self.date(element, "iso-date", "the baseline date"),
            value=parse_decimal(raw),
            raw=raw,
            comments=self.comments(element),
            dimensions=self.dimensions(element),
        )

    def period(self, element: Any) -> Period:
        return Period(
            start=self.date(element.find("period-start"), "iso-date", "the period start"),
            end=self.date(element.find("period-end"), "iso-date", "the period end"),
            targets=[self.value(t) for t in element.iterchildren("target")],
            actuals=[self.value(a) for a in element.iterchildren("actual")],
        )

    def indicator(self, element: Any) -> Indicator:
        return Indicator(
            measure=_attr(element, "measure"),
            ascending=_bool(element.get("ascending")),
            aggregation_status=_bool(element.get("aggregation-status")),
            titles=self.narratives(element.find("title")),
            descriptions=self.narratives(element.find("description")),
            references=[
                IndicatorReference(_attr(r, "vocabulary"), _attr(r, "code"), _attr(r, "indicator-uri"))
                for r in element.iterchildren("reference")
            ],
            baselines=[self.baseline(b) for b in element.iterchildren("baseline")],
            periods=[self.period(p) for p in element.iterchildren("period")],
        )

    def result(self, element: Any) -> Result:
        return Result(
            type=_attr(element, "type"),
            aggregation_status=_bool(element.get("aggregation-status")),
            titles=self.narratives(element.find("title")),
            descriptions=self.narratives(element.find("description")),
            references=[
                ResultReference(_attr(r, "vocabulary"), _attr(r, "code")) for r in element.iterchildren("reference")
            ],
            indicators=[self.indicator(i) for i in element.iterchildren("indicator")],
        )

    def budget(self, element: Any) -> Budget:
        value = element.find("value")
        return Budget(
            type=_attr(element, "type"),
            status=_attr(element, "status"),
            start=self.date(element.find("period-start"), "iso-date", "the budget period start"),
            end=self.date(element.find("period-end"), "iso-date", "the budget period end"),
            value=parse_decimal(value.text) if value is not None else None,
            currency=_attr(value, "currency"),
            value_date=self.date(value, "value-date", "the budget value date"),
        )

    def transaction(self, element: Any) -> Transaction:
        value = element.find("value")
        return Transaction(
            type=_attr(element.find("transaction-type"), "code"),
            date=self.date(element.find("transaction-date"), "iso-date", "the transaction date"),
            value=parse_decimal(value.text) if value is not None else None,
            currency=_attr(value, "currency"),
        )

    def document_link(self, element: Any) -> DocumentLink:
        return DocumentLink(
            url=_attr(element, "url"),
            format=_attr(element, "format"),
            titles=self.narratives(element.find("title")),
            categories=[c.get("code", "") for c in element.iterchildren("category")],
        )

    def activity(self) -> Activity:
        el = self.element
        reporting = el.find("reporting-org")
        dates: dict[str, date] = {}
        for activity_date in el.iterchildren("activity-date"):
            parsed = self.date(activity_date, "iso-date", f"the activity date of type {activity_date.get('type')}")
            kind = _attr(activity_date, "type")
            if parsed is not None and kind is not None:
                dates[kind] = parsed
        return Activity(
            identifier=self.raw_identifier,
            version=self.version,
            reporting_org_ref=_attr(reporting, "ref"),
            reporting_org_type=_attr(reporting, "type"),
            reporting_org_names=self.narratives(reporting),
            titles=self.narratives(el.find("title")),
            descriptions=[Description(_attr(d, "type"), self.narratives(d)) for d in el.iterchildren("description")],
            status_code=_attr(el.find("activity-status"), "code"),
            dates=dates,
            default_currency=_attr(el, "default-currency"),
            default_lang=self.default_lang,
            last_updated=_attr(el, "last-updated-datetime"),
            participating_orgs=[
                ParticipatingOrg(
                    _attr(p, "ref"), _attr(p, "role"), _attr(p, "type"), _attr(p, "activity-id"), self.narratives(p)
                )
                for p in el.iterchildren("participating-org")
            ],
            recipient_countries=[
                RecipientCountry(c.get("code", "").strip(), parse_decimal(c.get("percentage")))
                for c in el.iterchildren("recipient-country")
            ],
            recipient_regions=[
                RecipientRegion(
                    r.get("code", "").strip(), _attr(r, "vocabulary") or "1", parse_decimal(r.get("percentage"))
                )
                for r in el.iterchildren("recipient-region")
            ],
            sectors=[
                Sector(s.get("code", "").strip(), _attr(s, "vocabulary") or "1", parse_decimal(s.get("percentage")))
                for s in el.iterchildren("sector")
            ],
            tags=[Tag(t.get("code", "").strip(), _attr(t, "vocabulary") or "1") for t in el.iterchildren("tag")],
            budgets=[self.budget(b) for b in el.iterchildren("budget")],
            transactions=[self.transaction(t) for t in el.iterchildren("transaction")],
            document_links=[self.document_link(d) for d in el.iterchildren("document-link")],
            results=[self.result(r) for r in el.iterchildren("result")],
            line=el.sourceline,
        )


def read_activity(element: Any, *, version: str = "2.03") -> ActivityResult:
    """Read one ``iati-activity`` element (already parsed) into an :class:`ActivityResult`; never raises."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    builder = _Builder(element, identifier, version)
    try:
        activity: Activity | None = builder.activity()
    except (ValueError, TypeError, ArithmeticError, AttributeError) as exc:  # odd structure the XSD would refuse
        line = element.sourceline
        text = message("unreadable", identifier=builder.identifier, line=line, detail=exc)
        builder.problems.append(Problem("orbit.unreadable", "critical", text, line, identifier))
        activity = None
    return ActivityResult(activity, identifier, builder.problems)


def _schema_problems(element: Any, schema: etree.XMLSchema, identifier: str, version: str) -> list[Problem]:
    wrapper = etree.Element("iati-activities", version="2.03")
    wrapper.append(copy.deepcopy(element))
    if schema.validate(wrapper):
        return []
    problems = []
    for error in list(schema.error_log)[:MAX_SCHEMA_ERRORS]:
        detail = str(error.message).rstrip(".")
        text = message(
            "schema", identifier=identifier or "(no identifier)", version=version, line=error.line, detail=detail
        )
        problems.append(Problem("0.3.1", "critical", text, error.line, identifier))
    return problems


# --------------------------------------------------------------------------------------------------------------
# Streaming


def _describe(tag: Any) -> str:
    if not isinstance(tag, str):
        return "?"
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return f"{local}> in the namespace <{namespace}"
    return tag


def _check_version(version: str, name: str, line: int | None) -> None:
    """IATI 1.0x is refused. Other unknown versions are read as 2.03 with a problem on each activity (see ``_one``)."""
    if version.startswith("1."):
        raise IatiError(message("version_1", name=name, version=version), line)


def _extra_version(element: Any) -> str:
    """``iati-extra:version`` as datastores write it (their namespaces differ; the prefix is always iati-extra)."""
    namespaces = set(EXTRA_NAMESPACES)
    extra = element.nsmap.get("iati-extra")
    if extra:
        namespaces.add(extra)
    for namespace in namespaces:
        value: str | None = element.get("{" + namespace + "}version")
        if value and value.strip():
            return value.strip()
    return ""


def _check_root(root: Any, name: str) -> FileInfo:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # a DOCTYPE hidden behind a very long prolog
        raise IatiError(message("doctype", name=name))
    version = (root.get("version") or "").strip() or None
    if version is not None:  # checked first: a 1.0x organisation file is refused as 1.0x
        _check_version(version, name, root.sourceline)
    if root.tag != "iati-activities":
        hint = " (an IATI organisation file, which Orbit does not import)" if root.tag == "iati-organisations" else ""
        raise IatiError(message("not_iati", name=name, root=_describe(root.tag), hint=hint), root.sourceline)
    return FileInfo(version, root.get("generated-datetime"), root.get("linked-data-default"))


def iter_activities(
    source: str | Path | IO[bytes],
    *,
    name: str,
    schema: etree.XMLSchema | None = None,
    check: Callable[[Any], list[Problem]] | None = None,
    on_root: Callable[[FileInfo], None] | None = None,
) -> Iterator[ActivityResult]:
    """Read the activities of one IATI file, one at a time.

    ``source`` is a path or a binary file; ``name`` names the file in messages. With ``schema`` each activity is
    validated on its own and an invalid one comes back with ``activity=None`` and its schema errors. ``check`` (for
    example :func:`orbit.interop.iati_rules.check_activity`) runs on each element before it is discarded and its
    problems are added. ``on_root`` receives the root's attributes before the first activity.

    Raises :class:`IatiError` (while iterating) when the whole file is refused. Activities already yielded before a
    late XML error stay valid: a caller that needs all-or-nothing collects the results first.
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            yield from _iter_stream(stream, name, schema, check, on_root)
    else:
        yield from _iter_stream(source, name, schema, check, on_root)


def _iter_stream(
    stream: IO[bytes],
    name: str,
    schema: etree.XMLSchema | None,
    check: Callable[[Any], list[Problem]] | None,
    on_root: Callable[[FileInfo], None] | None,
) -> Iterator[ActivityResult]:
    head = _read_head(stream)
    _check_head(head, name)
    events = etree.iterparse(
        _Prefixed(head, stream),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root: Any = None
    info: FileInfo | None = None
    count = 0
    try:
        for event, element in events:
            if event == "start":
                if root is None:
                    root = element
                    info = _check_root(root, name)
                    if on_root is not None:
                        on_root(info)
                continue
            if element.tag != "iati-activity" or element.getparent() is not root:
                continue
            assert info is not None
            count += 1
            yield _one(element, info, name, schema, check)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del root[0]
    except etree.XMLSyntaxError as exc:
        line, column = exc.position or (None, None)
        detail = re.sub(r",? ?line \d+, column \d+.*$", "", str(exc.msg or exc)).strip().rstrip(".")
        raise IatiError(
            message("xml_syntax", name=name, line=line, column=column, detail=detail), line, column
        ) from exc
    except (etree.LxmlError, LookupError, ValueError) as exc:  # unknown declared encoding and the like
        raise IatiError(message("xml_syntax", name=name, line=None, column=None, detail=exc)) from exc
    if count == 0:
        if info is not None and info.version is None:
            raise IatiError(message("version_missing", name=name, where=""))
        raise IatiError(message("no_activity", name=name))


def _one(
    element: Any,
    info: FileInfo,
    name: str,
    schema: etree.XMLSchema | None,
    check: Callable[[Any], list[Problem]] | None,
) -> ActivityResult:
    identifier = (element.findtext("iati-identifier") or "").strip()
    version = info.version
    if version is None:
        version = _extra_version(element)
        if not version:
            shown = identifier or "(no identifier)"
            where = f" and activity {shown} (line {element.sourceline}) has no iati-extra:version"
            raise IatiError(message("version_missing", name=name, where=where), element.sourceline)
        _check_version(version, name, element.sourceline)
    problems: list[Problem] = []
    if version not in SUPPORTED_VERSIONS:
        text = message("version_unknown", identifier=identifier or "(no identifier)", version=version)
        problems.append(Problem("orbit.version", "error", text, element.sourceline, identifier))
        version = "2.03"
    if schema is not None:
        invalid = _schema_problems(element, schema, identifier, version)
        if invalid:
            return ActivityResult(None, identifier, problems + invalid)
    result = read_activity(element, version=version)
    result.problems[:0] = problems
    if check is not None and result.activity is not None:
        result.problems.extend(check(element))
    return result


def read_file(path: str | Path, *, schema: etree.XMLSchema | None = None) -> list[ActivityResult]:
    """Every activity of a (small) file, for tests and command-line use; large imports should iterate."""
    return list(iter_activities(path, name=Path(path).name, schema=schema))
