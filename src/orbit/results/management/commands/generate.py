"""``orbit generate --size {small,medium,large} [--seed N]``: a deterministic synthetic plan (sample data).

The results plan comes from :mod:`orbit.results.generate`, its operational plan (activities, milestones,
budget lines, updates and evidence metadata) from :mod:`orbit.planning.generate`, in one transaction with
one audit event.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from orbit.core.cli_support import add_actor_arguments, cli_write
from orbit.organisation.models import OrgUnit
from orbit.planning.generate import generate_operations
from orbit.planning.models import Activity, BudgetLine, Evidence, Milestone, ProgressUpdate
from orbit.results.generate import SIZES, generate_plan

#: Tables the run fills, whose planner statistics are refreshed after it.
FILLED = (
    "results_resultnode", "results_indicator", "results_target", "results_actualvalue",
    *(model._meta.db_table for model in (Activity, Milestone, BudgetLine, ProgressUpdate, Evidence)),
    *(field.through._meta.db_table for field in (Activity.nodes, Activity.contributing_units,
                                                 Activity.initiatives, Activity.sdg_targets)),
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Create a deterministic synthetic results plan GEN-<SIZE>-<seed> and its operational plan (sample data) "
        "with bulk inserts, for tests and benchmarks. Recorded as one audit event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--owner", default="BDT", help="Code of the owning unit; it and its sub-units report.")
        add_actor_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        owner = OrgUnit.objects.filter(code=options["owner"]).first()
        if owner is None:
            raise CommandError(f"--owner {options['owner']!r}: no such unit (run `orbit demo` to load the ITU units)")
        size, seed = options["size"], options["seed"]
        with cli_write(options) as actor:
            operations = partial(generate_operations, actor=actor, size=size, seed=seed)
            report = generate_plan(actor=actor, size=size, seed=seed, owner=owner, extend=operations)
        # Tens of thousands of rows arrived at once: refresh the planner's statistics now rather than leave
        # the database to plan the roll-up queries blind until its next automatic analysis.
        with connection.cursor() as cursor:
            for table in FILLED:
                cursor.execute(f"ANALYZE {table}")
        self.stdout.write(report.summary())
