"""``orbit import framework FILE.xlsx [--dry-run]``: create a results framework from the Excel template;
``orbit import activities FILE.xlsx [--dry-run]``: create or update activities of the operational plan.

The whole workbook is checked first; every problem is printed on its own line (sheet!cell (column): message)
and nothing is applied unless the whole file is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import add_actor_arguments, resolve_actor
from orbit.core.context import audit_context
from orbit.planning.excel import import_activities
from orbit.results.excel import ImportReport, import_workbook


def summary(report: ImportReport) -> str:
    counts = report.counts
    parts = [f"{counts.get(name, 0)} {name}" for name in ("nodes", "indicators", "targets", "values", "dimensions")]
    return ", ".join(parts)


class Command(BaseCommand):
    help = "Import data from a file (see docs/excel-template.md for the workbook)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        framework = sub.add_parser("framework", help="Create a results framework from an .xlsx workbook.")
        framework.add_argument("file", help="The .xlsx workbook.")
        framework.add_argument("--dry-run", action="store_true", help="Check the workbook; change nothing.")
        add_actor_arguments(framework)
        activities = sub.add_parser(
            "activities", help="Create or update activities, milestones and budget lines from an .xlsx workbook."
        )
        activities.add_argument("file", help="The .xlsx workbook.")
        activities.add_argument("--dry-run", action="store_true", help="Check the workbook; change nothing.")
        add_actor_arguments(activities)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options["actor"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if options["what"] == "activities":
            self.activities(path, actor, options)
            return
        with audit_context(source="import", reason=options["reason"]):
            report = import_workbook(path, actor=actor, dry_run=options["dry_run"], reason=options["reason"])
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            if report.skipped:
                self.stderr.write(f"{report.skipped} rows depending on rows with errors were not checked.")
            count = len(report.errors)
            raise CommandError(f"{path}: {count} error{'s' if count != 1 else ''}; nothing was imported")
        if report.dry_run:
            self.stdout.write(
                f"{path}: no errors (dry run, nothing imported): {report.framework_code} with {summary(report)}"
            )
        else:
            self.stdout.write(f"Imported {report.framework_code} from {path}: {summary(report)}")

    def activities(self, path: Path, actor: Any, options: dict[str, Any]) -> None:
        with audit_context(source="import", reason=options["reason"]):
            report = import_activities(path, actor=actor, dry_run=options["dry_run"], reason=options["reason"])
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            count = len(report.errors)
            raise CommandError(f"{path}: {count} error{'s' if count != 1 else ''}; nothing was imported")
        if report.dry_run:
            self.stdout.write(f"{path}: no errors (dry run, nothing imported); it would give {report.summary()}")
        else:
            self.stdout.write(f"Imported {path}: {report.summary()}")
