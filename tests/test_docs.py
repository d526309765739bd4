"""The documentation describes the code as it is."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (ROOT / "src" / "orbit" / "config.py").read_text(encoding="utf-8")
SETTINGS = (ROOT / "src" / "orbit" / "settings.py").read_text(encoding="utf-8")


def test_every_documented_variable_is_read_and_every_read_variable_is_documented():
    documented = set(re.findall(r"^\| `(ORBIT_[A-Z_]+)` \|", README, flags=re.MULTILINE))
    read = set(re.findall(r"\"(ORBIT_[A-Z_]+)\"", CONFIG + SETTINGS))
    assert documented, "the README lists no variables"
    assert documented == read


def test_every_documented_command_exists():
    documented = set(re.findall(r"^\| `orbit ([a-z_]+)", README, flags=re.MULTILINE))
    documented |= set(re.findall(r"`orbit ([a-z_]+)[ `]", README))
    assert {"serve", "demo", "audit", "backup", "restore", "check"} <= documented
    missing = documented - set(get_commands())
    assert not missing, f"README documents commands that do not exist: {sorted(missing)}"


def _help_text(command: str, sub: str | None) -> str:
    import argparse

    from django.core.management import load_command_class

    parser = load_command_class(get_commands()[command], command).create_parser("orbit", command)
    if sub is not None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and sub in action.choices:
                return str(action.choices[sub].format_help())
    return str(parser.format_help())


def test_every_option_in_the_command_table_is_accepted_by_its_command() -> None:
    """Each row of the README's command table names options its command (or subcommand) really has."""
    rows = re.findall(r"^\| `orbit ([^`]+)` \|", README, flags=re.MULTILINE)
    checked = 0
    for usage in rows:
        words = usage.split()
        command = words[0]
        if command not in get_commands() or command in {"migrate", "shell", "check"}:
            continue
        sub = words[1] if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]) else None
        help_text = _help_text(command, sub)
        for option in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", usage)):
            assert option in help_text, f"README: `orbit {usage}` names {option}, which the command does not accept"
            checked += 1
    assert checked > 20, f"only {checked} options checked: did the table's format change?"
