"""Print the PostgreSQL URL the suite should run against.

Exit 0 with the URL when a server answers; exit 3 when none does (a skip on a
developer's machine); exit 1 when none does and ``CI=true`` (a failure in CI).
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlsplit

DEFAULT = "postgres://postgres@127.0.0.1:5432/orbit"


def main() -> int:
    url = os.environ.get("ORBIT_TEST_POSTGRES_URL") or DEFAULT
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError as exc:
        message = f"PostgreSQL at {host}:{port} does not answer ({exc.strerror or exc})"
        if os.environ.get("CI") == "true":
            print(f"{message}; CI=true requires it", file=sys.stderr)
            return 1
        print(message, file=sys.stderr)
        return 3
    print(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
