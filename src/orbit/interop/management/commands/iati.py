"""``orbit iati check FILE.xml [--schema DIR] [--today YYYY-MM-DD]``: how an IATI 2.03 activity file fares.

The file is read one activity at a time (:mod:`orbit.interop.iati`); each activity is checked against the
official schema when one is configured (``ORBIT_IATI_SCHEMA_DIR`` or ``--schema``), against the IATI codelists
Orbit ships (:mod:`orbit.interop.codelists`) and against the rules Orbit implements
(:mod:`orbit.interop.iati_rules`), and identifiers must be unique in the file.  Every problem is printed with
its activity, rule id, severity and line.  Exit status 1 when the file is refused or any error is found.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.interop import codelists, iati, iati_rules


class Command(BaseCommand):
    help = "Check an IATI 2.03 activity file: schema, codelists and rules, activity by activity."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        check = sub.add_parser("check", help="Check an IATI activity file (nothing is imported).")
        check.add_argument("file", help="The IATI activities XML file.")
        check.add_argument("--schema", help="Folder of the official IATI 2.03 XSDs (default: ORBIT_IATI_SCHEMA_DIR).")
        check.add_argument("--today", help="The date future dates are judged against (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        schema_dir = Path(options["schema"]) if options.get("schema") else settings.ORBIT_IATI_SCHEMA_DIR
        if schema_dir is not None and not (Path(schema_dir) / "iati-activities-schema.xsd").is_file():
            raise CommandError(f"{schema_dir}: holds no iati-activities-schema.xsd")
        try:
            today = dt.date.fromisoformat(options["today"]) if options.get("today") else dt.date.today()
        except ValueError as exc:
            raise CommandError(f"--today {options['today']!r}: give a date as YYYY-MM-DD") from exc
        schema = iati.load_schema(Path(schema_dir)) if schema_dir is not None else None

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

    def _print(self, problem: iati.Problem) -> None:
        where = f" (line {problem.line})" if problem.line else ""
        who = problem.identifier or "(file)"
        self.stdout.write(f"{who}: {problem.rule} {problem.severity}: {problem.message}{where}")
