"""Write stress: several writer processes edit the same few records at once.

    python benchmarks/stress_writes.py --database sqlite --seconds 20 --writers 8 [--records 5]
    python benchmarks/stress_writes.py --database postgres://user@127.0.0.1:5432/any --seconds 20 --writers 8

The script sets up a fresh database (SQLite: a new temporary data dir; PostgreSQL:
a new uniquely named database on the given server, dropped at the end), migrates
it, creates a few organisational units through the services, then starts the
writer processes.  Each writer repeatedly picks one of the same records, reads
it, and updates it through ``org_unit_update(expected_version=...)``; a stale
write is re-read and retried.  At the end the script checks that

* no update was lost: for every record, final version - 1 == commits the writers
  reported for it == its ``update`` audit events, and every committed version
  was committed once, with the value its writer wrote;
* no writer saw "database is locked" and none failed otherwise;
* the audit rows of the records == their creates + committed writes;
* the audit chain verifies.

It prints commits per second and PASS or FAIL, and exits 1 on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fresh_db import Database, create_database, drop_database  # type: ignore[import-not-found]

LOCKED_TEXT = "database is locked"
STARTUP_TIMEOUT = 120.0


# --------------------------------------------------------------------------- database set-up


def make_target(database: str) -> Database:
    try:
        return create_database(database, "stress")
    except SystemExit as exc:
        raise SystemExit(f"stress_writes: {exc}") from None


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def migrate(target: Database) -> None:
    env = {**os.environ, **target.env}
    result = subprocess.run(
        [sys.executable, "-m", "orbit.cli", "migrate", "--verbosity", "0", "--no-input"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"stress_writes: `orbit migrate` failed:\n{result.stdout}{result.stderr}")


def create_records(count: int) -> tuple[list[int], int]:
    """Create a root organisation and ``count`` departments under it; return the departments' ids."""
    from orbit.core.context import audit_context
    from orbit.organisation.models import UnitType
    from orbit.organisation.services import org_unit_create, system_actor

    actor = system_actor()
    with audit_context(source="job", reason="write stress benchmark set-up"):
        root = org_unit_create(
            actor=actor,
            code="STRESS",
            name={"en": "Stress test organisation (benchmark data)"},
            type=UnitType.ORGANISATION,
            is_sample=True,
        )
        ids = []
        for index in range(1, count + 1):
            unit = org_unit_create(
                actor=actor,
                code=f"STRESS-{index}",
                name={"en": f"Stress test unit {index} (benchmark data)"},
                type=UnitType.DEPARTMENT,
                parent=root,
                is_sample=True,
            )
            ids.append(unit.pk)
    return ids, count + 1


# --------------------------------------------------------------------------- writers


def writer_main(
    index: int,
    env: dict[str, str],
    record_ids: list[int],
    seconds: float,
    barrier: Any,
    result_path: str,
) -> None:
    """One writer process: read a record, update it with the version read, retry when stale."""
    result: dict[str, Any] = {
        "writer": index,
        "commits": [],
        "conflicts": 0,
        "locked": 0,
        "errors": 0,
        "error_samples": [],
        "elapsed": 0.0,
    }
    try:
        setup_django(env)
        from django.db import OperationalError, connection

        from orbit.core.context import audit_context
        from orbit.core.errors import StaleVersion
        from orbit.organisation.models import OrgUnit
        from orbit.organisation.services import org_unit_update, system_actor

        actor = system_actor()
        connection.ensure_connection()
        rng = random.Random(f"{index}-{os.getpid()}")
        barrier.wait(timeout=STARTUP_TIMEOUT)
        started = time.monotonic()
        deadline = started + seconds
        sequence = 0
        with audit_context(source="job", reason="write stress benchmark"):
            while time.monotonic() < deadline:
                record_id = rng.choice(record_ids)
                while time.monotonic() < deadline:
                    sequence += 1
                    token = f"w{index}-{sequence}"
                    try:
                        unit = OrgUnit.objects.get(pk=record_id)
                        updated = org_unit_update(actor=actor, unit=unit, expected_version=unit.version, city=token)
                    except StaleVersion:
                        result["conflicts"] += 1
                        continue  # re-read the record and try again
                    except OperationalError as exc:
                        if LOCKED_TEXT in str(exc).lower():
                            result["locked"] += 1
                        else:
                            result["errors"] += 1
                            if len(result["error_samples"]) < 5:
                                result["error_samples"].append(f"{type(exc).__name__}: {exc}")
                        break
                    except Exception as exc:
                        result["errors"] += 1
                        if len(result["error_samples"]) < 5:
                            result["error_samples"].append(f"{type(exc).__name__}: {exc}")
                        break
                    result["commits"].append([record_id, updated.version, token])
                    break
        result["elapsed"] = time.monotonic() - started
    except Exception:
        result["errors"] += 1
        result["error_samples"].append(traceback.format_exc(limit=5))
        barrier.abort()  # let the others (and the parent) stop waiting
    finally:
        Path(result_path).write_text(json.dumps(result), encoding="utf-8")


# --------------------------------------------------------------------------- checks and report


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    results: list[dict[str, Any]]
    checks: list[Check] = field(default_factory=list)
    per_record: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def check_results(
    results: list[dict[str, Any]], record_ids: list[int], created: int, exit_codes: list[int | None]
) -> Report:
    import json as json_module

    from orbit.governance.chain import verify_database
    from orbit.governance.models import AuditEvent
    from orbit.organisation.models import OrgUnit

    report = Report(results)
    checks = report.checks
    commits = [tuple(item) for result in results for item in result["commits"]]
    total_commits = len(commits)
    locked = sum(r["locked"] for r in results)
    errors = sum(r["errors"] for r in results)

    bad_exits = [f"writer {i} exit code {code}" for i, code in enumerate(exit_codes) if code != 0]
    checks.append(
        Check(
            "every writer finished",
            not bad_exits and len(results) == len(exit_codes),
            ", ".join(bad_exits) or f"{len(results)} of {len(exit_codes)} reported",
        )
    )
    checks.append(Check("writes committed", total_commits > 0, f"{total_commits} commits"))
    checks.append(Check('no "database is locked"', locked == 0, f"{locked} seen"))
    checks.append(Check("no other write errors", errors == 0, f"{errors} seen"))

    object_type = OrgUnit._meta.label_lower
    keys = [str(pk) for pk in record_ids]
    finals = dict(OrgUnit.all_objects.filter(pk__in=record_ids).values_list("pk", "version"))
    cities = dict(OrgUnit.all_objects.filter(pk__in=record_ids).values_list("pk", "city"))
    events = list(
        AuditEvent.objects.filter(object_type=object_type, object_id__in=keys).values_list(
            "object_id", "action", "object_version", "changes_json"
        )
    )
    updates_by_record: Counter[str] = Counter(e[0] for e in events if e[1] == "update")
    creates_by_record: Counter[str] = Counter(e[0] for e in events if e[1] == "create")
    written: dict[tuple[str, int], str] = {}
    for object_id, action, version, changes_json in events:
        if action == "update":
            city = json_module.loads(changes_json).get("city", [None, None])[1]
            written[(object_id, int(version or 0))] = city

    reported: Counter[int] = Counter(record_id for record_id, _version, _token in commits)
    version_counts = Counter((record_id, version) for record_id, version, _token in commits)
    duplicates = [key for key, n in version_counts.items() if n > 1]
    last_token: dict[int, tuple[int, str]] = {}
    mismatched_values = 0
    for record_id, version, token in commits:
        if written.get((str(record_id), version)) != token:
            mismatched_values += 1
        if record_id not in last_token or version > last_token[record_id][0]:
            last_token[record_id] = (version, token)

    lost = []
    for pk in record_ids:
        final = finals.get(pk, 0)
        n_reported = reported[pk]
        n_events = updates_by_record[str(pk)]
        report.per_record.append((pk, final, n_reported, n_events))
        if not (final - 1 == n_reported == n_events):
            lost.append(f"record {pk}: final version {final}, {n_reported} commits, {n_events} update events")
        elif n_reported and cities.get(pk) != last_token[pk][1]:
            lost.append(f"record {pk}: stored city {cities.get(pk)!r} is not the last committed value")
    checks.append(
        Check(
            "no lost updates (final version - 1 == commits == update events)",
            not lost,
            "; ".join(lost) or f"{len(record_ids)} records consistent",
        )
    )
    checks.append(
        Check(
            "each committed version unique",
            not duplicates,
            f"{len(duplicates)} duplicated" if duplicates else f"{total_commits} distinct",
        )
    )
    checks.append(
        Check(
            "each audit event holds the value its writer committed",
            mismatched_values == 0,
            f"{mismatched_values} mismatched",
        )
    )

    record_rows = len(events)
    expected_rows = sum(creates_by_record.values()) + total_commits
    creates_ok = all(creates_by_record[k] == 1 for k in keys)
    checks.append(
        Check(
            "audit rows of the records == creates + committed writes",
            creates_ok and record_rows == len(keys) + total_commits,
            f"{record_rows} rows, {len(keys)} creates + {total_commits} writes = {expected_rows}",
        )
    )
    all_rows = AuditEvent.objects.count()
    checks.append(
        Check(
            "audit rows in the database == all creates + committed writes",
            all_rows == created + total_commits,
            f"{all_rows} rows, expected {created} + {total_commits}",
        )
    )
    verified = verify_database()
    checks.append(
        Check(
            "audit chain verifies",
            verified.ok,
            f"{verified.count} rows, head seq {verified.head_seq}"
            if verified.ok
            else f"broken at seq {verified.bad_seq}: {verified.problem}",
        )
    )
    return report


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def print_report(report: Report, target: Database, args: argparse.Namespace, wall: float) -> None:
    results = sorted(report.results, key=lambda r: r["writer"])
    rows = []
    for r in results:
        rows.append([f"writer {r['writer']}", len(r["commits"]), r["conflicts"], r["locked"], r["errors"]])
    total_commits = sum(len(r["commits"]) for r in results)
    conflicts = sum(r["conflicts"] for r in results)
    locked = sum(r["locked"] for r in results)
    errors = sum(r["errors"] for r in results)
    rows.append(["total", total_commits, conflicts, locked, errors])
    elapsed = max((r["elapsed"] for r in results), default=0.0) or wall
    rate = total_commits / elapsed if elapsed else 0.0

    print()
    print(f"Orbit write stress on {target.label}")
    print(f"{args.writers} writer processes, {args.records} records, {args.seconds:g} s")
    print()
    print(table(["", "commits", "conflicts", "locked", "errors"], rows))
    print()
    print(
        table(
            ["record", "final version", "commits", "update events"],
            [[pk, final, n, e] for pk, final, n, e in report.per_record],
        )
    )
    print()
    print(
        table(
            ["figure", "value"],
            [
                ["commits/second", f"{rate:.1f}"],
                ["commits", total_commits],
                ["conflicts (stale, retried)", conflicts],
                ['"database is locked"', locked],
                ["errors", errors],
                ["measured seconds", f"{elapsed:.2f}"],
            ],
        )
    )
    print()
    for check in report.checks:
        print(f"[{'PASS' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
    for r in results:
        for sample in r["error_samples"]:
            print(f"  writer {r['writer']} error: {sample.strip()}")
    print()
    print(f"commits/second: {rate:.1f}")
    print("RESULT: PASS" if report.ok else "RESULT: FAIL")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", default="sqlite", help="'sqlite' or a postgres:// URL of a server")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--records", type=int, default=5)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.writers < 1 or args.records < 1:
        parser.error("--seconds, --writers and --records must be positive")
    return args


def run(args: argparse.Namespace) -> int:
    target = make_target(args.database)
    try:
        migrate(target)
        setup_django(target.env)
        from django.db import connections

        record_ids, created = create_records(args.records)
        connections.close_all()

        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(args.writers + 1)
        result_dir = target.data_dir / "results"
        result_dir.mkdir()
        paths = [result_dir / f"writer-{i}.json" for i in range(args.writers)]
        procs = [
            ctx.Process(
                target=writer_main,
                args=(i, target.env, record_ids, args.seconds, barrier, str(paths[i])),
                name=f"orbit-stress-writer-{i}",
            )
            for i in range(args.writers)
        ]
        for proc in procs:
            proc.start()
        try:
            barrier.wait(timeout=STARTUP_TIMEOUT)
        except Exception:
            print("stress_writes: the writers did not all start", file=sys.stderr)
        started = time.monotonic()
        for proc in procs:
            proc.join(timeout=args.seconds + STARTUP_TIMEOUT)
            if proc.is_alive():
                proc.terminate()
                proc.join(10)
        wall = time.monotonic() - started
        results = [json.loads(p.read_text(encoding="utf-8")) for p in paths if p.exists()]
        report = check_results(results, record_ids, created, [proc.exitcode for proc in procs])
        connections.close_all()
        print_report(report, target, args, wall)
        return 0 if report.ok else 1
    finally:
        with contextlib.suppress(Exception):  # Django is not set up when migrate failed
            from django.db import connections

            connections.close_all()
        drop_database(target)


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
