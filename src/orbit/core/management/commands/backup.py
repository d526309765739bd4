"""``orbit backup PATH``: a consistent copy of the live database.

SQLite: the online backup API (readers and writers may go on meanwhile).
PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot).
The audit key is not in the database: keep ``ORBIT_AUDIT_KEY`` (or the data dir's
``audit.key``) with the backup, or ``orbit audit verify`` cannot check it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


def pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def pg_args() -> list[str]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


class Command(BaseCommand):
    help = "Write a consistent online backup of the database to PATH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--force", action="store_true", help="Overwrite PATH if it exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["path"]).expanduser().resolve()
        if target.exists() and not options["force"]:
            raise CommandError(f"{target} exists; pass --force to overwrite it")
        target.parent.mkdir(parents=True, exist_ok=True)
        vendor = connection.vendor
        if vendor == "sqlite":
            tmp = target.with_name(target.name + ".partial")
            tmp.unlink(missing_ok=True)
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=20)
            try:
                dest = sqlite3.connect(str(tmp))
                try:
                    source.backup(dest)  # one step: a consistent snapshot even while writers go on
                finally:
                    dest.close()
            finally:
                source.close()
            os.replace(tmp, target)
        elif vendor == "postgresql":
            name = str(settings.DATABASES["default"]["NAME"])
            cmd = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *pg_args(), name]
            result = subprocess.run(cmd, env=pg_env(), capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"backups of {vendor} are not supported")
        self.stdout.write(f"backup written to {target} ({target.stat().st_size} bytes, {vendor})")
