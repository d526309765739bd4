"""``orbit member``: grant, change, remove and restore roles from the command line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import add_actor_arguments, cli_write, resolve_actor
from orbit.organisation import selectors, services
from orbit.organisation.models import Membership, OrgUnit, Role


class Command(BaseCommand):
    help = "Manage who holds which role on which unit (every change is audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List memberships.")
        listing.add_argument("--unit", help="Code of a unit.")
        listing.add_argument("--actor", default="orbit-system")

        grant = sub.add_parser("add", help="Give a user a role on a unit (or the global auditor role).")
        grant.add_argument("username")
        grant.add_argument("role", choices=Role.values)
        grant.add_argument("--unit", help="Code of the unit; omit for the auditor role.")
        add_actor_arguments(grant)

        change = sub.add_parser("set", help="Change the role of a membership.")
        change.add_argument("id", type=int)
        change.add_argument("role", choices=Role.values)
        change.add_argument("--version", type=int, required=True)
        add_actor_arguments(change)

        for verb in ("remove", "restore"):
            p = sub.add_parser(verb, help=f"{verb.capitalize()} a membership.")
            p.add_argument("id", type=int)
            p.add_argument("--version", type=int, required=True)
            add_actor_arguments(p)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            actor = resolve_actor(options["actor"])
            unit = OrgUnit.all_objects.filter(code=options["unit"]).first() if options["unit"] else None
            if options["unit"] and unit is None:
                raise CommandError(f"no unit with code {options['unit']!r}")
            for m in selectors.membership_list(actor, unit=unit):
                where = m.unit.code if m.unit else "(global)"
                self.stdout.write(f"{m.pk:<6} v{m.version:<3} {m.user.username:<20} {m.role:<12} {where}")
            return
        with cli_write(options) as actor:
            if action == "add":
                user = get_user_model().objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"no user {options['username']!r}")
                unit = None
                if options["unit"]:
                    unit = OrgUnit.objects.filter(code=options["unit"]).first()
                    if unit is None:
                        raise CommandError(f"no unit with code {options['unit']!r}")
                membership = services.membership_create(
                    actor=actor, user=user, unit=unit, role=options["role"], reason=options["reason"]
                )
            else:
                current: Membership = selectors.membership_get(actor, options["id"], "admin")
                if action == "set":
                    membership = services.membership_update(
                        actor=actor,
                        membership=current,
                        expected_version=options["version"],
                        role=options["role"],
                        reason=options["reason"],
                    )
                elif action == "remove":
                    if not options["reason"].strip():
                        raise CommandError("remove needs --reason")
                    membership = services.membership_archive(
                        actor=actor, membership=current, expected_version=options["version"], reason=options["reason"]
                    )
                else:
                    membership = services.membership_restore(
                        actor=actor, membership=current, expected_version=options["version"], reason=options["reason"]
                    )
        self.stdout.write(f"{action}: membership {membership.pk} (version {membership.version})")
