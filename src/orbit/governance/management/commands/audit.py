"""``orbit audit verify``: walk the audit chain and report the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.governance.chain import verify_database


class Command(BaseCommand):
    help = "Inspect the tamper-evident audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Verify every row's HMAC and link; print the chain head.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            result = verify_database()
            if result.ok:
                self.stdout.write(f"OK: {result.count} audit events verified")
                self.stdout.write(f"chain head: seq {result.head_seq} hash {result.head_hash}")
                return
            self.stdout.write(f"chain head (last good row): seq {result.head_seq} hash {result.head_hash}")
            raise CommandError(
                f"audit chain broken at seq {result.bad_seq}: {result.problem} ({result.count} rows verified before it)"
            )
