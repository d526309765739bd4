"""``orbit export framework FILE.xlsx [--framework CODE]``: write a results framework to the Excel template;
``orbit export activities FILE.xlsx [--unit CODE]``: write activities of the operational plan to theirs;
``orbit export processes -o FILE.xlsx [--unit CODE]``: the process inventory, with its dependencies and KPIs;
``orbit export archi DIR [--unit CODE]``: the process inventory in Archi's CSV exchange format;
``orbit export submissions-template -o FILE.xlsx``: the empty workbook ``orbit import submissions`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import SYSTEM_USERNAME, resolve_actor
from orbit.core.errors import OrbitError
from orbit.organisation.models import OrgUnit
from orbit.planning.excel import export_activities
from orbit.processes.capture_excel import template_workbook
from orbit.processes.exports import archi_csv, inventory_workbook
from orbit.processes.selectors import ProcessFilters
from orbit.results.excel import export_framework
from orbit.results.selectors import framework_restrict


class Command(BaseCommand):
    help = "Export data to a file (see docs/excel-template.md for the workbook)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        framework = sub.add_parser("framework", help="Write a results framework to an .xlsx workbook.")
        framework.add_argument("file", help="The .xlsx file to write.")
        framework.add_argument(
            "--framework", dest="code", help="Code of the framework (needed when there are several)."
        )
        framework.add_argument(
            "--actor", default=SYSTEM_USERNAME, help=f"Export what this user may read (default: {SYSTEM_USERNAME})."
        )
        activities = sub.add_parser(
            "activities", help="Write activities with their milestones and budget lines to an .xlsx workbook."
        )
        activities.add_argument("file", help="The .xlsx file to write.")
        activities.add_argument("--unit", help="Code of a unit: only its activities and those of the units below it.")
        activities.add_argument(
            "--actor", default=SYSTEM_USERNAME, help=f"Export what this user may read (default: {SYSTEM_USERNAME})."
        )
        processes = sub.add_parser(
            "processes", help="Write the process inventory, its dependencies and KPIs to an .xlsx workbook."
        )
        processes.add_argument("-o", "--output", required=True, help="The .xlsx file to write.")
        processes.add_argument("--unit", help="Code of a unit: only the processes it owns.")
        processes.add_argument(
            "--actor", default=SYSTEM_USERNAME, help=f"Export what this user may read (default: {SYSTEM_USERNAME})."
        )
        archi = sub.add_parser(
            "archi", help="Write the process inventory as Archi's CSV files (elements, relations, properties)."
        )
        archi.add_argument("directory", help="The folder to write elements.csv, relations.csv and properties.csv in.")
        archi.add_argument("--unit", help="Code of a unit: only the processes it owns.")
        archi.add_argument("--name", default="", help="Name of the model in Archi (default: Orbit process inventory).")
        archi.add_argument(
            "--actor", default=SYSTEM_USERNAME, help=f"Export what this user may read (default: {SYSTEM_USERNAME})."
        )
        template = sub.add_parser(
            "submissions-template", help="Write the empty .xlsx workbook for orbit import submissions."
        )
        template.add_argument("-o", "--output", required=True, help="The .xlsx file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "submissions-template":
            path = _xlsx_path(options["output"])
            _write(path, template_workbook())
            self.stdout.write(f"Wrote the submissions template to {path}")
            return
        actor = resolve_actor(options["actor"])
        if options["what"] == "activities":
            self.activities(actor, options)
            return
        if options["what"] in ("processes", "archi"):
            self.inventory(actor, options)
            return
        frameworks = framework_restrict(actor)
        code = options["code"]
        if code:
            framework = frameworks.filter(code=code).first()
            if framework is None:
                raise CommandError(f"--framework {code!r}: no results framework with that code")
        else:
            found = list(frameworks.order_by("code")[:21])
            if len(found) != 1:
                listing = ", ".join(f.code for f in found[:20]) or "none"
                raise CommandError(f"give --framework CODE; the frameworks are: {listing}")
            framework = found[0]
        path = _xlsx_path(options["file"])
        _write(path, export_framework(actor, framework))
        self.stdout.write(f"Exported {framework.code} to {path}")

    def activities(self, actor: Any, options: dict[str, Any]) -> None:
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"--unit {options['unit']!r}: no organisational unit with that code")
        path = _xlsx_path(options["file"])
        _write(path, export_activities(actor, unit))
        self.stdout.write(f"Exported the activities{f' of {unit.code}' if unit else ''} to {path}")

    def inventory(self, actor: Any, options: dict[str, Any]) -> None:
        filters = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"--unit {options['unit']!r}: no organisational unit with that code")
            filters = ProcessFilters(unit=unit.pk)
        try:
            if options["what"] == "processes":
                path = _xlsx_path(options["output"])
                _write(path, inventory_workbook(actor, filters))
                self.stdout.write(f"Exported the process inventory to {path}")
                return
            files = archi_csv(actor, filters, **({"model_name": options["name"]} if options["name"] else {}))
        except OrbitError as exc:
            raise CommandError(str(exc)) from exc
        directory = Path(options["directory"])
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory}: not a folder")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"{directory}: cannot create the folder ({exc.strerror or exc})") from exc
        for name, data in files.items():
            _write(directory / name, data)
        self.stdout.write(f"Exported the process inventory for Archi to {directory}: {', '.join(files)}")


def _xlsx_path(name: str) -> Path:
    path = Path(name)
    if path.suffix.lower() != ".xlsx":
        raise CommandError(f"{path}: the file name must end in .xlsx")
    return path


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write ({exc.strerror or exc})") from exc
