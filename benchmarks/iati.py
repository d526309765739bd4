"""IATI benchmark: export of a 20,000-activity plan with results, streaming with bounded memory, and its import.

    python benchmarks/iati.py                        # SQLite
    python benchmarks/iati.py --database postgres://postgres@127.0.0.1:5432/postgres
    python benchmarks/iati.py --keep /tmp/iati-large.xml

The script builds a fresh database as ``results_tree.py`` does (migrate, a small unit tree, ``orbit generate --size
large``: 20,160 activities serving 560 outputs, each output with its indicators, targets and approved values), then
in a child process of its own:

* **Export.** :func:`orbit.interop.iati_export.export_activities` writes every activity the system account reads to a
  file, each one checked against the IATI rules and codelists (and the official schema when
  ``ORBIT_IATI_SCHEMA_DIR`` is set), as ``orbit iati export`` and the export page do.  While it writes, the resident
  memory (RSS, ``/proc/self/statm``) is sampled every 250 activities.  It prints activities per second and the RSS
  after 2,000 activities and at the end (the peak over the run).  Memory must not grow with the number of
  activities: the peak over the whole run may exceed the RSS at 2,000 activities by at most ``--max-growth-mb``
  (default 64 MB), far less than the 9 × (RSS at 2,000 − RSS before) that memory proportional to the count would
  need.
* **Import.** A second fresh database with the same units imports that file with
  :func:`orbit.interop.services.iati_import` (one activity at a time, each validated), and the script prints
  activities per second and the counts.  ``--import-file FILE`` imports a kept file without exporting again, and
  ``--import-limit N`` only its first N activities (printed as a partial measure).

Exit status 1 when memory grows with the activities, when the export has fewer than ``--min-activities`` activities,
or when the import refuses activities the export wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fresh_db import create_database, drop_database  # type: ignore[import-not-found]
from results_tree import OWNER, SEED, orbit, run, setup_django  # type: ignore[import-not-found]

EARLY = 2_000
SAMPLE_EVERY = 250
PREFIX = "XM-BENCH"


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# --------------------------------------------------------------------------- inside the database's process


def child_export(output: str) -> dict[str, Any]:
    import datetime as dt

    from django.conf import settings

    from orbit.interop import iati, iati_export
    from orbit.organisation.services import system_actor

    actor = system_actor()
    schema = iati.load_schema(Path(settings.ORBIT_IATI_SCHEMA_DIR)) if settings.ORBIT_IATI_SCHEMA_DIR else None
    samples: dict[str, float] = {"before": rss_mb()}
    state = {"count": 0, "max": samples["before"]}
    build = iati_export.build_activity

    def counting_build(activity: Any, context: Any) -> Any:
        state["count"] += 1
        if state["count"] % SAMPLE_EVERY == 0:
            now = rss_mb()
            state["max"] = max(state["max"], now)
            if state["count"] == EARLY:
                samples["at_2000"] = now
                samples["peak_at_2000"] = peak_mb()
        return build(activity, context)

    iati_export.build_activity = counting_build  # type: ignore[assignment]
    with open(output, "wb") as stream:
        report = iati_export.export_activities(
            stream,
            user=actor,
            prefix=PREFIX,
            reporting_org_ref=PREFIX,
            reporting_org_name="Orbit benchmark publisher (benchmark data)",
            today=dt.date.today(),
            schema=schema,
        )
    failing = sorted({code for code, p in report.all_problems() if p.severity in iati_export.BLOCKING})
    return {
        "activities": report.activities,
        "seconds": report.seconds,
        "per_second": report.per_second,
        "valid": report.valid,
        "failing": failing[:10],
        "schema": schema is not None,
        "bytes": Path(output).stat().st_size,
        "rss_before": samples["before"],
        "rss_at_2000": samples.get("at_2000", 0.0),
        "peak_at_2000": samples.get("peak_at_2000", 0.0),
        "rss_max": state["max"],
        "peak_end": peak_mb(),
    }


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes (the benchmark shares the CPUs with other work)."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def child_import(path: str) -> dict[str, Any]:
    from orbit.core.context import audit_context
    from orbit.governance.models import AuditEvent
    from orbit.interop import services
    from orbit.organisation.models import OrgUnit
    from orbit.organisation.services import system_actor

    actor = system_actor()
    unit = OrgUnit.objects.get(code=OWNER)
    events_before = AuditEvent.objects.count()
    started = time.perf_counter()
    before = rss_mb()
    with open(path, "rb") as stream, audit_context(source="job", reason="IATI benchmark import"):
        import_run = services.iati_import(actor=actor, stream=stream, name=Path(path).name, unit=unit)
    seconds = time.perf_counter() - started
    events = AuditEvent.objects.count() - events_before
    return {
        "events": events,
        "events_per_second": events / seconds if seconds else 0.0,
        "load": load_average(),
        "status": str(import_run.status),
        "message": import_run.message,
        "activities": import_run.activities_read,
        "counts": import_run.counts,
        "refused_examples": [p for p in import_run.problems if p.get("severity") == "critical"][:5],
        "seconds": seconds,
        "per_second": import_run.activities_read / seconds if seconds else 0.0,
        "rss_before": before,
        "peak_end": peak_mb(),
    }


# --------------------------------------------------------------------------- the parent


def first_activities(source: str, target: str, limit: int) -> int:
    """Write the first ``limit`` activities of ``source`` to ``target`` (same root), one at a time; the count."""
    from lxml import etree

    count = 0
    with open(target, "wb") as out, etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        root: Any = None
        for event, element in etree.iterparse(source, events=("start", "end")):
            if event == "start" and root is None and element.tag == "iati-activities":
                root = xf.element("iati-activities", dict(element.attrib))
                root.__enter__()
            elif event == "end" and element.tag == "iati-activity":
                xf.write(element)
                element.clear()
                count += 1
                if count >= limit:
                    break
        if root is not None:
            root.__exit__(None, None, None)
    return count


def _child(db: Any, role: str, path: str) -> dict[str, Any]:
    out = run(db, [sys.executable, __file__, "--child", role, "--file", path], timeout=3600)
    return dict(json.loads(out.strip().splitlines()[-1]))


def _prepare(db: Any, *, generate: bool) -> None:
    orbit(db, "migrate", "--no-input", "--verbosity", "0")
    run(db, [sys.executable, str(Path(__file__).with_name("results_tree.py")), "--child", "units"])
    if generate:
        orbit(db, "generate", "--size", "large", "--seed", str(SEED), "--owner", OWNER, timeout=3600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite (the default) or a postgres:// URL")
    parser.add_argument("--max-growth-mb", type=float, default=64.0)
    parser.add_argument("--min-activities", type=int, default=20_000)
    parser.add_argument("--keep", help="Keep the exported IATI file at this path.")
    parser.add_argument("--skip-import", action="store_true", help="Only the export.")
    parser.add_argument("--import-file", help="Skip the export; import this IATI file (e.g. one kept with --keep).")
    parser.add_argument(
        "--import-limit", type=int, help="Import only the first N activities of the file (a partial measure, said so)."
    )
    parser.add_argument("--child", choices=["export", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        setup_django()
        result = child_export(args.file) if args.child == "export" else child_import(args.file)
        print(json.dumps(result, default=str))
        return 0

    scratch = Path(tempfile.mkdtemp(prefix="orbit-iati-bench-"))
    path = str(scratch / "iati-large.xml")
    ok = True
    if args.import_file:
        ok = _import_half(args, args.import_file, scratch, expected=None)
        shutil.rmtree(scratch, ignore_errors=True)
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    source = create_database(args.database, "iati-export")
    try:
        print(f"Export: {source.label}")
        _prepare(source, generate=True)
        exported = _child(source, "export", path)
    finally:
        drop_database(source)
    growth = exported["rss_max"] - exported["rss_at_2000"]
    early_growth = exported["rss_at_2000"] - exported["rss_before"]
    proportional = early_growth * (exported["activities"] - EARLY) / EARLY
    print(
        f"  {exported['activities']:,} activities, {exported['bytes'] / 1_048_576:.1f} MB written in "
        f"{exported['seconds']:.1f} s: {exported['per_second']:.0f} activities/s "
        f"({'schema, ' if exported['schema'] else 'no schema configured, '}rules and codelists checked; "
        f"{'valid' if exported['valid'] else 'NOT valid: ' + ', '.join(exported['failing'])})"
    )
    print(
        f"  RSS: {exported['rss_before']:.0f} MB before, {exported['rss_at_2000']:.0f} MB after {EARLY:,} activities, "
        f"at most {exported['rss_max']:.0f} MB over the run (peak RSS {exported['peak_at_2000']:.0f} MB at "
        f"{EARLY:,}, {exported['peak_end']:.0f} MB at the end)"
    )
    print(
        f"  growth from {EARLY:,} to {exported['activities']:,} activities: {growth:+.1f} MB "
        f"(bar {args.max_growth_mb:.0f} MB; proportional to the count would be about {proportional:+.0f} MB)"
    )
    if exported["activities"] < args.min_activities:
        print(f"  FAIL: fewer than {args.min_activities:,} activities")
        ok = False
    if growth > args.max_growth_mb:
        print("  FAIL: memory grows with the number of activities")
        ok = False
    if args.keep:
        shutil.copyfile(path, args.keep)
    if not args.skip_import:
        ok = _import_half(args, path, scratch, expected=exported["activities"]) and ok
    shutil.rmtree(scratch, ignore_errors=True)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def _import_half(args: Any, path: str, scratch: Path, *, expected: int | None) -> bool:
    """Import ``path`` (or its first ``--import-limit`` activities) into a fresh database; print the throughput."""
    ok = True
    if args.import_limit:
        part = str(scratch / "first-activities.xml")
        expected = first_activities(path, part, args.import_limit)
        print(f"Import of the first {expected:,} activities only (--import-limit): a partial measure")
        path = part
    target = create_database(args.database, "iati-import")
    try:
        print(f"Import: {target.label}")
        _prepare(target, generate=False)
        imported = _child(target, "import", path)
    finally:
        drop_database(target)
    counts = imported["counts"] if isinstance(imported["counts"], dict) else {}
    summary = ", ".join(
        f"{kind} {int(c.get('created') or 0):,} created" for kind, c in counts.items() if isinstance(c, dict)
    )
    print(
        f"  {imported['activities']:,} activities read in {imported['seconds']:.1f} s: "
        f"{imported['per_second']:.1f} activities/s; status {imported['status']}; {summary}; "
        f"peak RSS {imported['peak_end']:.0f} MB; {imported['events']:,} audit events, "
        f"{imported['events_per_second']:,.0f} per second; load average {imported['load']}"
    )
    refused = int((counts.get("activities") or {}).get("refused") or 0)
    if (expected is not None and imported["activities"] != expected) or refused:
        print(f"  FAIL: {refused} activities refused; e.g. {imported['refused_examples']} {imported['message']}")
        ok = False
    return ok


if __name__ == "__main__":
    sys.exit(main())
