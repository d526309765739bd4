"""``orbit import framework FILE.xlsx [--dry-run]``: create a results framework from the Excel template;
``orbit import activities FILE.xlsx [--dry-run]``: create or update activities of the operational plan;
``orbit import bpmn FILE [FILE...] --unit CODE [--dry-run]``: BPMN models into the process inventory;
``orbit import apqc FILE.xlsx``: APQC's Process Classification Framework as the reference taxonomy;
``orbit import submissions FILE.xlsx [--dry-run]``: process descriptions, pain points and ideas in bulk.

The whole file is checked first; every problem is printed on its own line (sheet!cell (column): message, or
the file with its line and column) and nothing is applied unless the whole file is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from orbit.core.cli_support import add_actor_arguments, describe, resolve_actor
from orbit.core.context import audit_context
from orbit.core.errors import OrbitError
from orbit.organisation.access import require
from orbit.organisation.models import OrgUnit
from orbit.planning.excel import import_activities
from orbit.processes import apqc, bpmn_import, services
from orbit.processes.capture_excel import import_submissions
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
        bpmn = sub.add_parser(
            "bpmn", help="Add BPMN 2.0 models to the process inventory; the files are one upload (calls between "
            "them are resolved)."
        )  # fmt: skip
        bpmn.add_argument("file", nargs="+", help="The .bpmn files.")
        bpmn.add_argument("--unit", required=True, help="Code of the unit that owns the new processes.")
        bpmn.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")
        add_actor_arguments(bpmn)
        pcf = sub.add_parser("apqc", help="Store APQC's Process Classification Framework from APQC's .xlsx workbook.")
        pcf.add_argument("file", help="The PCF workbook, e.g. apqc-pcf-cross-industry-v7.4.xlsx.")
        add_actor_arguments(pcf)
        submissions = sub.add_parser(
            "submissions", help="Create submissions (processes, pain points, ideas) from the .xlsx template."
        )
        submissions.add_argument("file", help="The .xlsx workbook (orbit export submissions-template).")
        submissions.add_argument("--dry-run", action="store_true", help="Check the workbook; change nothing.")
        add_actor_arguments(submissions)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options["actor"])
        if options["what"] == "bpmn":
            self.bpmn([Path(name) for name in options["file"]], actor, options)
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if options["what"] == "activities":
            self.activities(path, actor, options)
            return
        if options["what"] == "apqc":
            self.apqc(path, actor, options)
            return
        if options["what"] == "submissions":
            self.submissions(path, actor, options)
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

    # --- the process inventory ---

    def bpmn(self, paths: list[Path], actor: Any, options: dict[str, Any]) -> None:
        """Plan every file as one upload, print the plan, and apply it all or nothing (unless a dry run)."""
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"--unit {options['unit']!r}: no active organisational unit with that code")
        files: list[tuple[str, bytes]] = []
        seen: dict[str, Path] = {}
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            if path.name in seen:
                # The file name is part of every imported record's key, so two files of one name would collide.
                raise CommandError(f"{path} and {seen[path.name]} have the same name; import them separately")
            seen[path.name] = path
            try:
                files.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        if len(files) > services.MAX_UPLOAD_FILES:
            raise CommandError(f"give at most {services.MAX_UPLOAD_FILES} files at once")
        dry_run = options["dry_run"]
        reason = options["reason"] or "BPMN import: " + ", ".join(name for name, _data in files)
        try:
            with audit_context(source="import", reason=options["reason"]), transaction.atomic():
                require(actor, "change", unit.path, noun="unit")
                plan = bpmn_import.plan_import(files, owner_unit=unit)
                for summary in plan.files:
                    if not summary.refused:
                        self.stdout.write(_file_line(summary))
                if not plan.ok:
                    for summary in plan.refused:
                        self.stderr.write(summary.refused)
                    count = len(plan.refused)
                    raise CommandError(
                        f"{count} of {len(files)} file{'s' if len(files) != 1 else ''} refused; nothing was imported"
                    )
                if not dry_run:
                    bpmn_import.apply_plan(plan, actor=actor, owner_unit=unit, reason=reason)
        except (ValidationError, OrbitError) as exc:
            raise CommandError(describe(exc)) from exc
        self.stdout.write("Would be (dry run, nothing imported):" if dry_run else "Imported:")
        for line in _count_lines(plan, dry_run=dry_run):
            self.stdout.write("  " + line)
        if int(options.get("verbosity", 1)) >= 2:
            for record in plan.records:
                changes = f" ({', '.join(record.changes)})" if record.changes else ""
                self.stdout.write(f"  {record.action} {record.kind} {record.label}{changes}")
        warnings = [issue for issue in plan.issues if issue.get("message")]
        if warnings:
            self.stdout.write(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}:")
            for issue in warnings:
                message, source = issue["message"], issue.get("source") or ""
                self.stdout.write(f"  {message if message.startswith(source) else f'{source}: {message}'}")

    def apqc(self, path: Path, actor: Any, options: dict[str, Any]) -> None:
        try:
            workbook = apqc.read_pcf(path)
        except apqc.PcfError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem) if problem.sheet else f"{path}: {problem}")
            count = len(exc.problems)
            raise CommandError(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was imported") from exc
        try:
            with audit_context(source="import", reason=options["reason"]):
                result = services.pcf_import(
                    actor=actor, workbook=workbook, source_name=path.name,
                    reason=options["reason"] or f"APQC PCF from {path.name}",
                )  # fmt: skip
        except (ValidationError, OrbitError) as exc:
            raise CommandError(describe(exc)) from exc
        except IntegrityError as exc:  # e.g. the same release stored by another import at the same moment
            raise CommandError(f"{path}: the release could not be stored ({exc}); nothing was imported") from exc
        levels = ", ".join(f"level {level}: {count:,}" for level, count in sorted(result.levels.items()))
        # Named as read from the workbook: the title and version APQC prints on it.
        release = f"{workbook.title} {workbook.version}"
        counts = f"{result.elements:,} elements ({levels}) and {result.metrics:,} metric definitions"
        if result.created:
            self.stdout.write(f"Imported {release} from {path}: {counts}.")
        else:
            self.stdout.write(f"{release} is already stored ({counts}); nothing changed.")

    def submissions(self, path: Path, actor: Any, options: dict[str, Any]) -> None:
        report = import_submissions(path, actor=actor, dry_run=options["dry_run"], reason=options["reason"])
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            count = len(report.errors)
            raise CommandError(f"{path}: {count} error{'s' if count != 1 else ''}; nothing was imported")
        if report.dry_run:
            self.stdout.write(f"{path}: no errors (dry run, nothing imported); it would create {report.summary()}")
        else:
            self.stdout.write(f"Imported {path}: {report.summary()} waiting for review")


_KIND_NAMES = {
    "process": "processes", "part": "parts (sub-processes, tasks, calls)", "role": "roles",
    "it_system": "IT systems", "record": "record types", "external_party": "external parties",
    "participant": "participants", "dependency": "dependencies",
}  # fmt: skip


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _file_line(summary: bpmn_import.FileSummary) -> str:
    parts = [
        _plural(summary.processes, "process", "processes"),
        _plural(summary.participants, "pool", "pools"),
        _plural(summary.black_box_pools, "black-box pool", "black-box pools"),
        _plural(summary.lanes, "lane", "lanes"),
        _plural(summary.tasks, "task", "tasks"),
        _plural(summary.call_activities, "call activity", "call activities"),
        _plural(summary.message_flows, "message flow", "message flows"),
    ]
    made_by = f" (made with {summary.exporter})" if summary.exporter else ""
    return f"{summary.name}: {', '.join(parts)}{made_by}"


def _count_lines(plan: bpmn_import.ImportPlan, *, dry_run: bool) -> list[str]:
    counts = plan.counts()
    verbs = ("to create", "to update", "unchanged") if dry_run else ("created", "updated", "unchanged")
    lines = []
    for kind, name in _KIND_NAMES.items():
        if kind in counts:
            c = counts[kind]
            lines.append(f"{name}: {c['create']} {verbs[0]}, {c['update']} {verbs[1]}, {c['unchanged']} {verbs[2]}")
    if not lines:
        lines.append("nothing")
    return lines
