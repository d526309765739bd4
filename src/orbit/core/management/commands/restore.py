"""``orbit restore PATH``: load a backup made by ``orbit backup``.

Refuses to overwrite a database that already holds tables unless ``--force`` is given.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from orbit.core.management.commands.backup import pg_args, pg_env


class Command(BaseCommand):
    help = "Restore the database from a backup written by `orbit backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--force", action="store_true", help="Replace a database that is not empty.")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["path"]).expanduser().resolve()
        if not source.is_file():
            raise CommandError(f"{source} is not a file")
        tables = connection.introspection.table_names()
        if tables and not options["force"]:
            raise CommandError(
                f"the database is not empty ({len(tables)} tables); pass --force to replace it with {source.name}"
            )
        vendor = connection.vendor
        if vendor == "sqlite":
            self._restore_sqlite(source)
        elif vendor == "postgresql":
            self._restore_postgresql(source)
        else:
            raise CommandError(f"restores to {vendor} are not supported")
        self.stdout.write(f"restored {source} into the {vendor} database; run `orbit audit verify` to check it")

    def _restore_sqlite(self, source: Path) -> None:
        with source.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise CommandError(f"{source} is not a SQLite backup")
        connection.close()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            try:
                check = src.execute("PRAGMA integrity_check").fetchone()
                tables = {row[0] for row in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.DatabaseError as exc:
                raise CommandError(f"{source} is not a readable SQLite backup: {exc}") from exc
            if not check or check[0] != "ok":
                raise CommandError(f"{source} failed SQLite's integrity check: {check}")
            if not {"django_migrations", "governance_auditevent"} <= tables:
                raise CommandError(f"{source} is a SQLite database but not an Orbit backup")
            dest = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=20)
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()

    def _restore_postgresql(self, source: Path) -> None:
        with source.open("rb") as handle:
            if handle.read(5) != b"PGDMP":
                raise CommandError(f"{source} is not a pg_dump custom-format backup")
        connection.close()
        name = str(settings.DATABASES["default"]["NAME"])
        cmd = [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            name,
            *pg_args(),
            str(source),
        ]
        result = subprocess.run(cmd, env=pg_env(), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
