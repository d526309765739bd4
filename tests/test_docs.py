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
