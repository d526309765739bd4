"""``orbit serve``: gunicorn (2 workers by default) plus the background-task worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Orbit with gunicorn and run the background-task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background-task worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "orbit.settings")
        env["ORBIT_DATA_DIR"] = str(settings.DATA_DIR)
        bind = f"{options['host']}:{options['port']}"
        web_cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "orbit.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        procs = [subprocess.Popen(web_cmd, env=env)]
        names = ["gunicorn"]
        if not options["no_worker"]:
            worker_cmd = [sys.executable, "-m", "orbit.cli", "db_worker", "--interval", "2"]
            procs.append(subprocess.Popen(worker_cmd, env=env))
            names.append("task worker")
        self.stdout.write(f"Orbit is serving at http://{bind}/ (Ctrl-C stops it)")
        self.stdout.flush()

        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        try:
            while True:
                for name, proc in zip(names, procs, strict=True):
                    code = proc.poll()
                    if code is not None:
                        if not stopping:
                            self.stderr.write(f"orbit serve: the {name} exited with {code}; stopping")
                            exit_code = code or 1
                            stop(signal.SIGTERM, None)
                        break
                if stopping:
                    break
                time.sleep(0.5)
        finally:
            deadline = time.monotonic() + 15
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
        if exit_code:
            raise SystemExit(exit_code)
