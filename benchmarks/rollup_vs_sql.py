"""Roll-up cost against one hand-written SQL aggregate, on the large generated plan.

    python benchmarks/rollup_vs_sql.py                      # SQLite, and PostgreSQL if one answers
    python benchmarks/rollup_vs_sql.py --database sqlite --runs 10 [--explain]

For each database the script builds a fresh one (as ``results_tree.py`` does), runs
``orbit generate --size large --seed 1`` and then times, after a warm-up:

* **roll-up**: :func:`orbit.results.rollup.evaluate_targets` over every target of the plan, all
  periods (one statement plus the achievement and status arithmetic per target), and — shown
  apart — the node roll-up on top of it (current results and :func:`roll_up_nodes`);
* **SQL**: ONE hand-written aggregate over the same values: ``SUM`` and ``COUNT`` of the actual
  values of each target's indicator within the target's period, grouped by target.

Shown apart too, for diagnosis only: the statement ``evaluate_targets`` runs, run and fetched on its own (the
rest of the roll-up's time is its arithmetic per target in Python).

It prints both medians and their ratio; the bar is a ratio of at most 2.  ``--explain`` prints the
query plans of both statements (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN ANALYZE`` on PostgreSQL).
Exit status 1 when the bar is missed.
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
    setup_django,
)

BAR_RATIO = 2.0

#: The hand-written comparison: per target of the plan, the sum and count of its indicator's values in its period.
AGGREGATE_SQL = """
SELECT t.id, SUM(a.value), COUNT(a.id)
FROM results_target t
JOIN results_indicator i ON i.id = t.indicator_id
JOIN results_resultnode n ON n.id = i.node_id
JOIN results_actualvalue a ON a.indicator_id = t.indicator_id
     AND a.period_start >= t.period_start AND a.period_end <= t.period_end
WHERE n.framework_id = %s AND t.archived_at IS NULL AND t.dimension_id IS NULL
  AND a.archived_at IS NULL AND a.dimension_id IS NULL
GROUP BY t.id
"""


def _timed(fn: Any, runs: int, warmup: int) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def _explain(sql: str, params: list[Any]) -> list[str]:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return [" | ".join(str(c) for c in row) for row in cursor.fetchall()]


def measure(runs: int, warmup: int, explain: bool) -> dict[str, Any]:
    from django.db import connection
    from django.utils.dateparse import parse_date

    from orbit.results import rollup
    from orbit.results.generate import plan_code
    from orbit.results.models import Framework, Indicator, ResultNode
    from orbit.results.selectors import indicator_rules

    framework = Framework.objects.get(code=plan_code("large", SEED))
    indicators = list(Indicator.objects.filter(node__framework=framework))
    rules = indicator_rules(indicators, framework)
    node_paths = dict(ResultNode.objects.filter(framework=framework).values_list("pk", "path"))
    indicator_nodes = {i.pk: i.node_id for i in indicators if i.node_id is not None}
    as_of = parse_date("2025-06-30")
    assert as_of is not None

    def evaluate() -> list[rollup.TargetResult]:
        return rollup.evaluate_targets(framework_ids=[framework.pk], rules=rules)

    def evaluate_and_roll_up() -> dict[int, rollup.NodeResult]:
        current = rollup.current_results(evaluate(), as_of)
        return rollup.roll_up_nodes(
            node_paths=node_paths,
            indicator_nodes=indicator_nodes,
            current=current,
            on_track=framework.on_track_threshold,
            at_risk=framework.at_risk_threshold,
        )

    def aggregate() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(AGGREGATE_SQL, [framework.pk])
            return cursor.fetchall()

    rollup_ms, results = _timed(evaluate, runs, warmup)
    nodes_ms, _ = _timed(evaluate_and_roll_up, runs, warmup)
    sql_ms, rows = _timed(aggregate, runs, warmup)

    # Diagnostic, after the timings above: the statement(s) evaluate_targets runs, run and fetched on their own
    # (the rest of the roll-up's time is the arithmetic per target in Python).
    statements: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        evaluate()

    def statement() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    statement_ms, _ = _timed(statement, runs, warmup)
    figures: dict[str, Any] = {
        "framework": framework.code,
        "indicators": len(indicators),
        "targets": len(results),
        "aggregate_rows": len(rows),
        "values": sum(int(r[2]) for r in rows),
        "rollup_ms": statistics.median(rollup_ms),
        "rollup_p95_ms": percentile(rollup_ms, 0.95),
        "nodes_ms": statistics.median(nodes_ms),
        "statement_ms": statistics.median(statement_ms),
        "statements": len(statements),
        "sql_ms": statistics.median(sql_ms),
        "sql_p95_ms": percentile(sql_ms, 0.95),
        "runs": runs,
    }
    if explain:
        captured: list[tuple[str, Any]] = []

        def grab(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(grab):  # the statement evaluate_targets runs, exactly as it runs it
            evaluate()
        figures["explain_rollup"] = _explain(*captured[-1])
        figures["explain_sql"] = _explain(AGGREGATE_SQL, [framework.pk])
    return figures


def report(label: str, f: dict[str, Any]) -> bool:
    ratio = f["rollup_ms"] / f["sql_ms"] if f["sql_ms"] else float("inf")
    print(f"\nRoll-ups of {f['framework']} on {label}: {f['indicators']} indicators, {f['targets']} targets, "
          f"{f['values']} value-in-target-period pairs, {f['runs']} runs")  # fmt: skip
    print(f"  roll-up   evaluate_targets, every target and period  median {f['rollup_ms']:8.1f} ms"
          f"  p95 {f['rollup_p95_ms']:8.1f} ms")  # fmt: skip
    if "statement_ms" in f:  # a diagnostic, timed after the rest
        what = f"the statement{'' if f['statements'] == 1 else 's'} alone, run and fetched"
        print(f"  of which  {what:<46}median {f['statement_ms']:8.1f} ms")
    print(f"  roll-up   + current results and node roll-ups         median {f['nodes_ms']:8.1f} ms")
    print(f"  SQL       one SUM/COUNT aggregate per target          median {f['sql_ms']:8.1f} ms"
          f"  p95 {f['sql_p95_ms']:8.1f} ms")  # fmt: skip
    ok = ratio <= BAR_RATIO
    print(f"  {'MET ' if ok else 'MISSED'} roll-up / SQL = {ratio:.2f} (bar ≤ {BAR_RATIO:.0f}×)")
    for key, title in (("explain_rollup", "roll-up statement"), ("explain_sql", "hand-written aggregate")):
        if key in f:
            print(f"  plan of the {title}:")
            for line in f[key]:
                print(f"    {line}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="all", help="sqlite, a postgres:// URL, or all (the default)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--explain", action="store_true", help="Print both query plans.")
    parser.add_argument("--child", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        setup_django()
        print(json.dumps(measure(args.runs, args.warmup, args.explain)))
        return 0

    ok = True
    for database in databases(args.database):
        db = create_database(database, "bench-rollup")
        try:
            print(f"\nPreparing {db.label}", flush=True)
            prepare(db, ("large",))
            extra = ["--runs", str(args.runs), "--warmup", str(args.warmup), *(["--explain"] if args.explain else [])]
            ok = report(db.label, child(__file__, db, "measure", *extra)) and ok
        finally:
            drop_database(db)
    print(f"\nRoll-up bar (≤ {BAR_RATIO:.0f}× one SQL aggregate): {'MET' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
