"""``orbit export framework FILE.xlsx [--framework CODE]``: write a results framework to the Excel template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import SYSTEM_USERNAME, resolve_actor
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

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options["actor"])
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
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"{path}: the file name must end in .xlsx")
        data = export_framework(actor, framework)
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{path}: cannot write ({exc.strerror or exc})") from exc
        self.stdout.write(f"Exported {framework.code} to {path}")
