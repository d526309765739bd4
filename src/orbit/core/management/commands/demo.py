"""``orbit demo``: migrate, load the reference data and the sample users.  Running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from orbit.core.context import audit_context
from orbit.organisation.demo import DEMO_PASSWORD, load_demo_users
from orbit.organisation.reference import load_units
from orbit.organisation.services import system_actor
from orbit.planning.demo import load_demo_plan
from orbit.processes.demo import load_demo_processes
from orbit.results.demo import load_demo_results
from orbit.results.reference import load_reference_frameworks


class Command(BaseCommand):
    help = "Set up Orbit's demo: migrate, load ITU reference units, reference frameworks, sample users and results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        actor = system_actor()
        with audit_context(source="cli", reason="orbit demo"):
            report = load_units(actor=actor)
            plan = load_demo_users(actor=actor)
            frameworks = load_reference_frameworks(actor=actor)
            sample = load_demo_results(actor=actor)
            planning = load_demo_plan(actor=actor)
            processes = load_demo_processes(actor=actor)
        self.stdout.write(
            f"reference units: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        )
        self.stdout.write(frameworks.summary())
        self.stdout.write(sample.summary())
        self.stdout.write(planning.summary())
        self.stdout.write(processes)
        self.stdout.write(f"sample users (password for all: {DEMO_PASSWORD}):")
        for item in plan:
            where = item.unit or "all units"
            self.stdout.write(f"  {item.username:<18} {item.role:<12} {where}")
