"""``orbit unit``: list, add, change, archive and restore organisational units from the command line."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orbit.core.cli_support import add_actor_arguments, cli_write, resolve_actor
from orbit.core.errors import NotFound
from orbit.core.i18n import pick
from orbit.organisation import selectors, services
from orbit.organisation.models import OrgUnit, UnitType


def _name(raw: str) -> dict[str, str]:
    """``--name 'Bureau'`` or ``--name '{"en": "Bureau", "fr": "Bureau"}'``."""
    raw = raw.strip()
    if raw.startswith("{"):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--name: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(value, dict):
            raise CommandError("--name: expected a JSON object of language code to text")
        return value
    return {"en": raw}


class Command(BaseCommand):
    help = "Manage organisational units (every change is audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List units in tree order.")
        listing.add_argument("--actor", default="orbit-system")
        listing.add_argument("--archived", action="store_true", help="Include archived units.")

        add = sub.add_parser("add", help="Create a unit.")
        add.add_argument("code")
        add.add_argument("--name", required=True, help="Text, or a JSON object of language code to text.")
        add.add_argument("--type", required=True, choices=UnitType.values)
        add.add_argument("--parent", help="Code of the parent unit.")
        add.add_argument("--region", default="")
        add.add_argument("--city", default="")
        add.add_argument("--country", default="")
        add.add_argument("--sample", action="store_true", help="Mark the unit as sample data.")
        add_actor_arguments(add)

        change = sub.add_parser("set", help="Change a unit's fields.")
        change.add_argument("code")
        change.add_argument("--version", type=int, required=True, help="The version you read (see `list`).")
        change.add_argument("--name")
        change.add_argument("--type", choices=UnitType.values)
        change.add_argument("--parent", help="Code of the new parent unit.")
        change.add_argument("--new-code")
        for field in ("region", "city", "country"):
            change.add_argument(f"--{field}")
        add_actor_arguments(change)

        for verb in ("archive", "restore"):
            p = sub.add_parser(verb, help=f"{verb.capitalize()} a unit.")
            p.add_argument("code")
            p.add_argument("--version", type=int, required=True)
            add_actor_arguments(p)

    def _unit(self, actor: Any, code: str) -> OrgUnit:
        unit = OrgUnit.all_objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"no unit with code {code!r}")
        try:
            return selectors.org_unit_get(actor, unit.pk)
        except NotFound as exc:
            raise CommandError(f"no unit with code {code!r}") from exc

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            actor = resolve_actor(options["actor"])
            for unit in selectors.org_unit_list(actor, include_archived=options["archived"]):
                state = " (archived)" if unit.is_archived else ""
                self.stdout.write(
                    f"{'  ' * unit.depth}{unit.code:<12} v{unit.version:<3} {unit.type:<16} {pick(unit.name)}{state}"
                )
            return
        with cli_write(options) as actor:
            if action == "add":
                parent = self._unit(actor, options["parent"]) if options["parent"] else None
                unit = services.org_unit_create(
                    actor=actor,
                    code=options["code"],
                    name=_name(options["name"]),
                    type=options["type"],
                    parent=parent,
                    region=options["region"],
                    city=options["city"],
                    country=options["country"],
                    is_sample=options["sample"],
                    reason=options["reason"],
                )
            elif action == "set":
                current = self._unit(actor, options["code"])
                values: dict[str, Any] = {}
                if options["name"] is not None:
                    values["name"] = _name(options["name"])
                if options["new_code"] is not None:
                    values["code"] = options["new_code"]
                if options["parent"] is not None:
                    values["parent"] = self._unit(actor, options["parent"])
                for field in ("type", "region", "city", "country"):
                    if options[field] is not None:
                        values[field] = options[field]
                unit = services.org_unit_update(
                    actor=actor,
                    unit=current,
                    expected_version=options["version"],
                    reason=options["reason"],
                    **values,
                )
            elif action == "archive":
                if not options["reason"].strip():
                    raise CommandError("archive needs --reason")
                unit = services.org_unit_archive(
                    actor=actor,
                    unit=self._unit(actor, options["code"]),
                    expected_version=options["version"],
                    reason=options["reason"],
                )
            else:
                unit = services.org_unit_restore(
                    actor=actor,
                    unit=self._unit(actor, options["code"]),
                    expected_version=options["version"],
                    reason=options["reason"],
                )
        self.stdout.write(f"{action}: {unit.code} (version {unit.version})")
