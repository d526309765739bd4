"""Planning pages benchmark: the main dashboard and the plan list, rendered on the server, on generated plans.

    python benchmarks/planning_pages.py                     # SQLite, and PostgreSQL if one answers
    python benchmarks/planning_pages.py --database sqlite --runs 10

For each database the script builds a fresh one as ``results_tree.py`` does (migrate, a small unit tree,
``orbit generate --size small`` and ``--size large``, ANALYZE), then renders, through the Django test client
as a viewer of the owning unit, ``/plan/dashboard/?framework=<plan>`` and ``/plan/?framework=<plan>`` (the
first page of the plan) for each generated plan: warm-up requests first, then N timed ones.  It prints the
median and 95th percentile in ms, the SQL query count and the page size, and whether the bar is met: at most
500 ms for each page on the large plan, cold (derived data computed afresh, as after any write) and warm,
and the same query count for the small and the large plan.
Exit status 1 when it is not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from results_tree import (  # type: ignore[import-not-found]  # the sibling benchmark: same fresh databases
    SEED,
    child,
    create_database,
    databases,
    drop_database,
    percentile,
    prepare,
    reader,
    setup_django,
)

BAR_MS = 500.0
PAGES = (("dashboard", "/plan/dashboard/?framework={pk}"), ("plan list", "/plan/?framework={pk}"))


def measure(runs: int, warmup: int) -> dict[str, Any]:
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from orbit.planning.models import Activity, Evidence, ProgressUpdate
    from orbit.results.generate import plan_code
    from orbit.results.models import Framework

    # Pages name their static files; the throw-away data dir has no collected manifest, so plain static URLs.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    storages = {**settings.STORAGES, "staticfiles": plain}
    override_settings(STORAGES=storages).enable()
    user = reader()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    figures: dict[str, Any] = {
        "activities": Activity.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "evidence": Evidence.objects.count(),
        "pages": {},
    }
    for size in ("small", "large"):
        framework = Framework.objects.filter(code=plan_code(size, SEED)).first()
        if framework is None:
            continue
        for name, pattern in PAGES:
            url = pattern.format(pk=framework.pk)
            for _ in range(warmup):
                assert client.get(url).status_code == 200, url
            samples, cold = [], []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
            for _ in range(runs):  # derived data (the KPI breakdown) computed afresh, as after any write
                caches["derived"].clear()
                started = time.perf_counter()
                response = client.get(url)
                cold.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, url
            figures["pages"][f"{size} {name}"] = {
                "size": size,
                "page": name,
                "median_ms": statistics.median(samples),
                "p95_ms": percentile(samples, 0.95),
                "cold_median_ms": statistics.median(cold),
                "cold_p95_ms": percentile(cold, 0.95),
                "queries": len(captured),
                "bytes": len(response.content),
            }
    return figures


def report(label: str, figures: dict[str, Any]) -> bool:
    print(f"\nPlanning pages on {label}: {figures['activities']} activities, {figures['updates']} updates, "
          f"{figures['evidence']} evidence records in the database")  # fmt: skip
    print(f"  {'page':<22}{'queries':>9}{'size':>10}{'cold med':>10}{'cold p95':>10}{'warm med':>10}{'warm p95':>10}")
    pages = figures["pages"]
    for key, f in pages.items():
        print(f"  {key:<22}{f['queries']:>9}{f['bytes'] / 1e3:>8.0f}kB{f['cold_median_ms']:>8.1f}ms"
              f"{f['cold_p95_ms']:>8.1f}ms{f['median_ms']:>8.1f}ms{f['p95_ms']:>8.1f}ms")  # fmt: skip
    print("  cold: derived data computed afresh (the first read after any write); warm: nothing written since")
    checks = []
    for name in ("dashboard", "plan list"):
        large, small = pages.get(f"large {name}"), pages.get(f"small {name}")
        if large:
            checks.append((f"large plan {name}, cold, median ≤ {BAR_MS:.0f} ms", large["cold_median_ms"] <= BAR_MS,
                           f"{large['cold_median_ms']:.1f} ms (p95 {large['cold_p95_ms']:.1f} ms)"))  # fmt: skip
            checks.append((f"large plan {name}, warm, median ≤ {BAR_MS:.0f} ms", large["median_ms"] <= BAR_MS,
                           f"{large['median_ms']:.1f} ms (p95 {large['p95_ms']:.1f} ms)"))  # fmt: skip
        if large and small:
            checks.append((f"{name}: same query count small and large", large["queries"] == small["queries"],
                           f"{small['queries']} and {large['queries']}"))  # fmt: skip
    for name, ok, detail in checks:
        print(f"  {'MET ' if ok else 'MISSED'} {name}: {detail}")
    return bool(checks) and all(ok for _, ok, _ in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="all", help="sqlite, a postgres:// URL, or all (the default)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--child", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        setup_django()
        print(json.dumps(measure(args.runs, args.warmup)))
        return 0

    ok = True
    for database in databases(args.database):
        db = create_database(database, "bench-planning")
        try:
            print(f"\nPreparing {db.label}", flush=True)
            prepare(db, ("small", "large"))
            figures = child(__file__, db, "measure", "--runs", str(args.runs), "--warmup", str(args.warmup))
            ok = report(db.label, figures) and ok
        finally:
            drop_database(db)
    print(f"\nPlanning pages bar (≤ {BAR_MS:.0f} ms each on the large plan, same query count small/large): "
          f"{'MET' if ok else 'MISSED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
