"""``orbit iati check FILE.xml [--schema DIR] [--today YYYY-MM-DD]``: how an IATI 2.03 activity file fares;
``orbit iati export [--prefix XM-EXAMPLE] [--reporting-org-ref REF] -o FILE.xml [--framework CODE]``: the operational
plan, with its results, as an IATI 2.03 file (:mod:`orbit.interop.iati_export`), each activity checked as it is
written.

The file is read one activity at a time (:mod:`orbit.interop.iati`); each activity is checked against the
official schema when one is configured (``ORBIT_IATI_SCHEMA_DIR`` or ``--schema``), against the IATI codelists
Orbit ships (:mod:`orbit.interop.codelists`) and against the rules Orbit implements
(:mod:`orbit.interop.iati_rules`), and identifiers must be unique in the file.  Every problem is printed with
its activity, rule id, severity and line.  Exit status 1 when the file is refused or any error is found.

``orbit iati import FILE.xml --unit CODE [--framework CODE] [--dry-run] [--actor USER] [--reason TEXT]`` imports the
activities, results, indicators and periods of a file into Orbit (:mod:`orbit.interop.iati_import`) and prints
the report: counts and each problem with its activity, rule and line. Exit status 0 when everything was imported,
1 when the file or an activity was refused, 2 for bad arguments.

The export goes through the same checks; it prints the count, the speed (activities per second) and every problem
by activity code and rule, and exits 1 when any activity has an error (the file is still written, to be inspected).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import SYSTEM_USERNAME, describe, resolve_actor
from orbit.core.context import audit_context
from orbit.core.errors import OrbitError
from orbit.interop import codelists, iati, iati_export, iati_rules, services
from orbit.interop.models import ImportRun
from orbit.organisation.models import OrgUnit
from orbit.results.selectors import framework_restrict


class Command(BaseCommand):
    help = "Check an IATI 2.03 activity file, or export the operational plan as one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        check = sub.add_parser("check", help="Check an IATI activity file (nothing is imported).")
        check.add_argument("file", help="The IATI activities XML file.")
        check.add_argument("--schema", help="Folder of the official IATI 2.03 XSDs (default: ORBIT_IATI_SCHEMA_DIR).")
        check.add_argument("--today", help="The date future dates are judged against (default: today).")
        export = sub.add_parser(
            "export", help="Write the operational plan, with its results, as an IATI 2.03 activity file."
        )
        export.add_argument("-o", "--output", required=True, help="The IATI XML file to write.")
        export.add_argument(
            "--prefix", help="Prefix of the iati-identifiers, e.g. XM-DAC-41120 (default: ORBIT_IATI_PUBLISHER_PREFIX)."
        )
        export.add_argument(
            "--reporting-org-ref",
            help="IATI organisation identifier of the publisher (default: ORBIT_IATI_REPORTING_ORG_REF).",
        )
        export.add_argument(
            "--reporting-org-name", help="Name of the publisher (default: ORBIT_IATI_REPORTING_ORG_NAME, or Orbit)."
        )
        export.add_argument(
            "--reporting-org-type", help="IATI organisation type (default: ORBIT_IATI_REPORTING_ORG_TYPE, or 40)."
        )
        export.add_argument("--framework", help="Only activities serving this results framework (its code).")
        export.add_argument("--schema", help="Folder of the official IATI 2.03 XSDs (default: ORBIT_IATI_SCHEMA_DIR).")
        export.add_argument("--today", help="The date future dates are judged against (default: today).")
        export.add_argument(
            "--actor", default=SYSTEM_USERNAME, help=f"Export what this user may read (default: {SYSTEM_USERNAME})."
        )

        imports = sub.add_parser("import", help="Import the activities and results of an IATI 2.03 activity file.")
        imports.add_argument("file", help="The IATI activities XML file.")
        imports.add_argument("--unit", required=True, help="Code of the unit that will own what is imported.")
        imports.add_argument(
            "--framework", help="Attach the results to this existing framework (default: one per reporting org)."
        )
        imports.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        imports.add_argument(
            "--actor", "--user", dest="actor", default=SYSTEM_USERNAME,
            help=f"Username the import is recorded under (default: {SYSTEM_USERNAME}).",
        )  # fmt: skip
        imports.add_argument("--reason", default="", help="Why the file is imported; kept in the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "export":
            self.export(options)
            return
        if options["what"] == "import":
            self.import_file(options)
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        schema_dir, schema = _schema(options)
        today = _today(options)

        def checks(element: Any) -> list[iati.Problem]:
            return [*iati_rules.check_activity(element, today=today), *codelists.check_codes(element)]

        identifiers: list[str] = []
        lines: list[int | None] = []
        severities: Counter[str] = Counter()
        activities = refused = 0
        try:
            for result in iati.iter_activities(path, name=path.name, schema=schema, check=checks):
                activities += 1
                identifiers.append(result.identifier)
                lines.append(result.activity.line if result.activity is not None else None)
                refused += result.activity is None
                for problem in result.problems:
                    severities[problem.severity] += 1
                    self._print(problem)
        except iati.IatiError as exc:
            raise CommandError(f"{path.name}: refused: {exc}") from exc
        for problem in iati_rules.check_file_identifiers(identifiers, lines):
            severities[problem.severity] += 1
            self._print(problem)
        schema_note = f"schema {schema_dir}" if schema_dir is not None else "no schema configured"
        summary = (
            f"{path.name}: {activities} activities ({refused} not readable), "
            f"{severities['critical']} critical, {severities['error']} errors, {severities['warning']} warnings "
            f"({schema_note})"
        )
        if severities["critical"] or severities["error"] or refused:
            raise CommandError(summary)
        self.stdout.write(summary)

    def export(self, options: dict[str, Any]) -> None:
        actor = resolve_actor(options["actor"])
        schema_dir, schema = _schema(options)
        today = _today(options)
        framework = None
        if options.get("framework"):
            framework = framework_restrict(actor).filter(code=options["framework"]).first()
            if framework is None:
                raise CommandError(f"--framework {options['framework']!r}: no results framework with that code")
        publisher = {key: options.get(key) or value for key, value in services.iati_publisher_defaults().items()}
        for key, variable in (
            ("prefix", "ORBIT_IATI_PUBLISHER_PREFIX"),
            ("reporting_org_ref", "ORBIT_IATI_REPORTING_ORG_REF"),
        ):
            if not publisher[key]:
                raise CommandError(f"--{key.replace('_', '-')} is required (or configure {variable})")
        path = Path(options["output"])
        if not path.parent.is_dir():
            raise CommandError(f"{path}: the folder {path.parent} does not exist")
        started = time.perf_counter()
        with open(path, "wb") as stream:
            report = iati_export.export_activities(
                stream,
                user=actor,
                framework=framework,
                prefix=publisher["prefix"],
                reporting_org_ref=publisher["reporting_org_ref"],
                reporting_org_name=publisher["reporting_org_name"],
                reporting_org_type=publisher["reporting_org_type"],
                today=today,
                schema=schema,
            )
        seconds = time.perf_counter() - started
        severities: Counter[str] = Counter()
        for code, problem in report.all_problems():
            severities[problem.severity] += 1
            where = f" (line {problem.line})" if problem.line else ""
            self.stdout.write(f"{code or '(file)'}: {problem.rule} {problem.severity}: {problem.message}{where}")
        rate = report.activities / seconds if seconds > 0 else 0.0
        schema_note = f"schema {schema_dir}" if schema_dir is not None else "no schema configured"
        summary = (
            f"{path.name}: {report.activities} activities written in {seconds:.2f} s ({rate:.0f} activities/s), "
            f"{severities['critical']} critical, {severities['error']} errors, {severities['warning']} warnings "
            f"({schema_note})"
        )
        if not report.valid:
            failing = sorted({code for code, p in report.all_problems() if p.severity in iati_export.BLOCKING})
            raise CommandError(f"{summary}; not publishable: fix activities {', '.join(failing)}")
        self.stdout.write(summary)

    def import_file(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        try:
            actor = resolve_actor(options["actor"])
        except CommandError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"--unit {options['unit']!r}: no active unit with that code", returncode=2)
        framework = None
        if options.get("framework"):
            framework = (
                framework_restrict(actor).select_related("owner_unit").filter(code=options["framework"]).first()
            )
            if framework is None:
                raise CommandError(
                    f"--framework {options['framework']!r}: no results framework with that code", returncode=2
                )
        try:
            with audit_context(source="cli", reason=options["reason"]), open(path, "rb") as stream:
                run = services.iati_import(
                    actor=actor, stream=stream, name=path.name, unit=unit, framework=framework,
                    dry_run=options["dry_run"], reason=options["reason"],
                )  # fmt: skip
        except (ValidationError, OrbitError) as exc:
            raise CommandError(describe(exc), returncode=2) from exc
        for problem in run.problems:
            where = f" (line {problem['line']})" if problem.get("line") else ""
            who = problem.get("identifier") or "(file)"
            self.stdout.write(f"{who}: {problem['rule']} {problem['severity']}: {problem['message']}{where}")
        self.stdout.write(f"{'kind':<12}{'created':>9}{'updated':>9}{'unchanged':>11}{'refused':>9}")
        for kind, counts in run.counts.items():
            self.stdout.write(
                f"{kind:<12}{counts['created']:>9}{counts['updated']:>9}{counts['unchanged']:>11}{counts['refused']:>9}"
            )
        rate = run.activities_read / run.seconds if run.seconds > 0 else 0.0
        dry = " (dry run, nothing written)" if run.dry_run else ""
        verdict = f"{path.name}: {run.get_status_display().lower()}{dry}"
        summary = f"{verdict}: {run.activities_read} activities read in {run.seconds:.2f} s ({rate:.0f} activities/s)"
        refused = run.status == ImportRun.Status.REFUSED or any(c["refused"] for c in run.counts.values())
        if refused:
            raise CommandError(f"{summary}. {run.message}", returncode=1)
        self.stdout.write(summary)

    def _print(self, problem: iati.Problem) -> None:
        where = f" (line {problem.line})" if problem.line else ""
        who = problem.identifier or "(file)"
        self.stdout.write(f"{who}: {problem.rule} {problem.severity}: {problem.message}{where}")


def _schema(options: dict[str, Any]) -> tuple[Path | None, Any]:
    """The schema folder (``--schema`` or ``ORBIT_IATI_SCHEMA_DIR``) and the schema built from it, or None."""
    raw = options.get("schema")
    schema_dir = Path(raw) if raw else settings.ORBIT_IATI_SCHEMA_DIR
    if schema_dir is None:
        return None, None
    if not (Path(schema_dir) / "iati-activities-schema.xsd").is_file():
        raise CommandError(f"{schema_dir}: holds no iati-activities-schema.xsd")
    return Path(schema_dir), iati.load_schema(Path(schema_dir))


def _today(options: dict[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(options["today"]) if options.get("today") else dt.date.today()
    except ValueError as exc:
        raise CommandError(f"--today {options['today']!r}: give a date as YYYY-MM-DD") from exc
