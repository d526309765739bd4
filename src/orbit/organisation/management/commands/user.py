"""``orbit user add``: create a login through the audited service."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import add_actor_arguments, cli_write


class Command(BaseCommand):
    help = "Create users (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create a user.")
        add.add_argument("username")
        add.add_argument("--email", default="")
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument("--superuser", action="store_true")
        add.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input (one line)."
        )
        add_actor_arguments(add)

    def handle(self, *args: Any, **options: Any) -> None:
        from orbit.organisation.services import user_create

        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password (empty for none): ") or None
        if password is not None and len(password) < 8:
            raise CommandError("the password must have at least 8 characters")
        with cli_write(options) as actor:
            user = user_create(
                actor=actor,
                username=options["username"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                password=password,
                is_superuser=options["superuser"],
                reason=options["reason"],
            )
        self.stdout.write(f"add: user {user.username} (id {user.pk})")
