"""The ``orbit`` command: a thin layer over Django's management commands.

``orbit serve``, ``orbit demo``, ``orbit audit verify``, ``orbit backup`` and
``orbit restore`` are Orbit's own commands; every other Django command passes
through (``orbit migrate``, ``orbit shell -c ...``, ``orbit check --deploy``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orbit.settings")
    from orbit.config import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        print(f"orbit: configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a broken database URL or an unreadable data dir
        print(f"orbit: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(["orbit", *args])
    except KeyboardInterrupt:
        return 130
    except OperationalError as exc:  # the database is unreachable or refuses: one line, no traceback
        if "--traceback" in args:
            raise
        lines = str(exc).strip().splitlines()
        print(f"orbit: database error: {lines[0] if lines else type(exc).__name__}", file=sys.stderr)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
