"""``orbit report results --framework ID|CODE [--period 2024] [--unit CODE] [--node ID] [--region R]
[--initiative CODE] [--language zh-hans] --format pdf|docx|xlsx|html -o FILE [--actor USERNAME --reason TEXT]
[--wait | --no-wait]``

By default (and with ``--wait``) the report is produced here, through the same services as the web and the API,
with a progress bar on stderr (redrawn in place on a terminal, one line per step otherwise), and written to
``-o``; the run is kept in the report history.  With ``--no-wait`` it is handed to the background worker and the
run's id is printed.  Bad arguments: one line, exit 2; a report that fails: its message, exit 1.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import SYSTEM_USERNAME, describe, resolve_actor
from orbit.core.context import audit_context
from orbit.core.errors import OrbitError
from orbit.planning.models import RegionalInitiative
from orbit.reporting import services
from orbit.reporting.content import ReportParams
from orbit.reporting.models import ReportFormat, ReportRun
from orbit.results.models import Framework

BAD_ARGUMENTS = 2
REPORT_FAILED = 1


class ProgressBar:
    """A text progress bar on a terminal (redrawn in place); one line per new step anywhere else."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last: tuple[int, str] | None = None

    def __call__(self, percent: int, step: str) -> None:
        if self.last == (percent, step):
            return
        previous_step = self.last[1] if self.last else None
        self.last = (percent, step)
        if self.tty:
            filled = self.WIDTH * percent // 100
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {percent:3d}% {step[:40]:<40}")
        elif step != previous_step:
            self.stream.write(f"{percent:3d}% {step}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.last is not None:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Produce a report (a results report of a framework) into a file, or hand it to the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        results = sub.add_parser("results", help="A results report of a framework, one objective, unit or region.")
        results.add_argument("--framework", required=True, help="Id or code of the results framework.")
        results.add_argument("--period", default="", help="A calendar year such as 2024 (default: the whole cycle).")
        results.add_argument("--node", default=None, help="Id of one node (objective): its subtree only.")
        results.add_argument("--unit", default="", help="Code of a unit: it and the units below it.")
        results.add_argument("--region", default="", help="An ITU region code (AFR, AMS, ARB, ASP, CIS, EUR).")
        results.add_argument("--initiative", default="", help="Code (or id) of a regional initiative.")
        results.add_argument("--language", default="en", help="Language of the report (en, fr, es, ru, zh-hans, ar).")
        results.add_argument(
            "--format", required=True, choices=[value for value, _label in ReportFormat.choices], dest="fmt"
        )
        results.add_argument("-o", "--output", default="", help="The file to write (needed unless --no-wait).")
        results.add_argument(
            "--actor", "--user", dest="actor", default=SYSTEM_USERNAME,
            help=f"Username the report is produced as and recorded under (default: {SYSTEM_USERNAME}); the report "
            "shows what this user may read.",
        )  # fmt: skip
        results.add_argument("--reason", default="", help="Why the report is produced; kept in the audit log.")
        mode = results.add_mutually_exclusive_group()
        mode.add_argument("--wait", action="store_true", help="Produce the report here and write it (the default).")
        mode.add_argument(
            "--no-wait", action="store_true", help="Hand the report to the background worker; print the run's id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["actor"])
        params = self._params(options)
        output = Path(options["output"]) if options["output"] else None
        if not options["no_wait"]:
            if output is None:
                raise CommandError("-o FILE: say where to write the report", returncode=BAD_ARGUMENTS)
            if output.is_dir() or not output.parent.is_dir():
                raise CommandError(f"-o {output}: not a file in an existing folder", returncode=BAD_ARGUMENTS)
        with audit_context(source="cli", reason=options["reason"]):
            try:
                run = services.report_request(
                    actor=actor, params=params, fmt=options["fmt"], reason=options["reason"],
                    enqueue=bool(options["no_wait"]),
                )  # fmt: skip
            except (ValidationError, OrbitError) as exc:
                raise CommandError(describe(exc), returncode=BAD_ARGUMENTS) from exc
            if options["no_wait"]:
                self.stdout.write(f"report #{run.pk} {run.status}")
                return
            bar = ProgressBar(getattr(self.stderr, "_out", sys.stderr))
            try:
                run = services.report_run(actor=actor, run_id=run.pk, progress=bar)
            finally:
                bar.close()
        assert output is not None
        self._finish(run, output)

    def _finish(self, run: ReportRun, output: Path) -> None:
        if run.status != ReportRun.Status.DONE:
            raise CommandError(f"report #{run.pk} failed: {run.error}", returncode=REPORT_FAILED)
        with default_storage.open(run.file.name, "rb") as source, output.open("wb") as target:
            shutil.copyfileobj(source, target)
        self.stdout.write(f"report #{run.pk}: {output} ({run.size} bytes)")

    def _actor(self, username: str) -> Any:
        try:
            return resolve_actor(username)
        except CommandError as exc:
            raise CommandError(str(exc).replace("--actor", "--user"), returncode=BAD_ARGUMENTS) from exc

    def _params(self, options: dict[str, Any]) -> ReportParams:
        framework = self._framework(options["framework"])
        node = options["node"]
        if node is not None and not str(node).isdigit():
            raise CommandError(f"--node {node!r}: give the node's id (a whole number)", returncode=BAD_ARGUMENTS)
        return ReportParams(
            framework_id=framework,
            period=options["period"].strip(),
            node_id=int(node) if node is not None else None,
            unit_code=options["unit"].strip(),
            region=options["region"].strip().upper(),
            initiative_id=self._initiative(options["initiative"].strip()),
            language=options["language"].strip().lower(),
        )

    def _framework(self, value: str) -> int:
        value = value.strip()
        found = Framework.all_objects.filter(code=value).values_list("pk", flat=True).first()
        if found is None and value.isdigit():
            return int(value)  # checked with the actor's scope by the service
        if found is None:
            raise CommandError(f"--framework {value!r}: no results framework with this id or code",
                               returncode=BAD_ARGUMENTS)  # fmt: skip
        return int(found)

    def _initiative(self, value: str) -> int | None:
        if not value:
            return None
        found = RegionalInitiative.all_objects.filter(code=value).values_list("pk", flat=True).first()
        if found is None and value.isdigit():
            return int(value)
        if found is None:
            raise CommandError(f"--initiative {value!r}: no regional initiative with this code",
                               returncode=BAD_ARGUMENTS)  # fmt: skip
        return int(found)

