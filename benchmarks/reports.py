"""Results report benchmark: the PDF and the Excel report of the large generated plan with 200 photos.

    python benchmarks/reports.py                          # a fresh SQLite database, removed afterwards
    python benchmarks/reports.py --keep                   # keep the prepared data dir (printed) for re-runs
    python benchmarks/reports.py --data-dir /tmp/orbit-bench-reports-xyz   # re-use a prepared one

The script builds a fresh SQLite database as ``results_tree.py`` does (migrate, a small unit tree,
``orbit generate --size large``, ANALYZE), then attaches 200 real photos (JPEGs made with Pillow) to 200
approved progress updates of the plan's activities through the planning services, so that every photo is
checked, stored and thumbnailed as an upload is.  It then renders, each in a process of its own and as a
viewer of the owning unit, the whole-cycle results report as PDF and as Excel, and prints the wall time, the
CPU time of the rendering process and the workers it forks, the peak resident memory of the rendering process
alone and of it and its workers together (sampled every 0.2 s; pages shared between them count twice), the
file size and the report's counts.  The memory bar applies to the total.  Bars: the PDF in at
most 60 s with a peak under 1 GB, the Excel file in at most 20 s.  Exit status 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from fresh_db import Database, create_database, drop_database  # type: ignore[import-not-found]
from results_tree import OWNER, SEED, child, prepare, reader, setup_django  # type: ignore[import-not-found]

PHOTOS = 200
BARS = {"pdf": (60.0, 1024.0), "xlsx": (20.0, None)}  # seconds, peak MB


# --------------------------------------------------------------------------- inside the database's process


def attach_photos(count: int) -> dict[str, Any]:
    """``count`` approved updates, one per activity spread over the plan, each with one real photo."""
    import datetime as dt
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    from orbit.core.context import audit_context
    from orbit.organisation.services import system_actor
    from orbit.planning.models import Activity, Evidence
    from orbit.planning.services import evidence_add, update_create, update_transition
    from orbit.results.generate import plan_code

    actor = system_actor()
    code = plan_code("large", SEED)
    activities = list(Activity.objects.filter(code__startswith=f"{code}-").order_by("code").only("pk", "code"))
    if not activities:
        raise SystemExit(f"no activities of {code}")
    step = max(1, len(activities) // count)
    chosen = activities[::step][:count]
    started = time.perf_counter()
    with audit_context(source="job", reason="reports benchmark photos"):
        for index, activity in enumerate(chosen):
            image = Image.new("RGB", (1600, 1200), ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256))
            draw = ImageDraw.Draw(image)
            for band in range(0, 1600, 80):
                draw.rectangle((band, 0, band + 30, 1200), fill=((band // 7) % 256, 120, (index * 13) % 256))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85)
            update = update_create(
                actor=actor, activity=activity, date=dt.date(2025, 6, 1) + dt.timedelta(days=index % 150),
                narrative={"en": f"Benchmark update {index} with a photo (benchmark data)."},
            )  # fmt: skip
            evidence_add(
                actor=actor, update=update,
                upload=SimpleUploadedFile(f"bench-{index}.jpg", buffer.getvalue(), content_type="image/jpeg"),
                caption={"en": f"Benchmark photo {index} of {activity.code}", "zh-hans": f"基准照片 {index}"},
                credit="Orbit benchmark", identifiable_people=index % 5 == 0, consent=index % 10 == 0,
            )  # fmt: skip
            update = update_transition(actor=actor, update=update, action="submit", expected_version=update.version)
            update_transition(actor=actor, update=update, action="approve", expected_version=update.version)
    real = Evidence.objects.exclude(thumbnail="").count()
    return {"photos": real, "seconds": round(time.perf_counter() - started, 1)}


def _tree_rss_mb() -> float:
    """Resident memory of this process and its children (the PDF renderer's workers), in MB."""
    pids = {str(os.getpid())}
    for task in Path(f"/proc/{os.getpid()}/task").glob("*"):
        try:
            pids.update((task / "children").read_text().split())
        except OSError:
            continue
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return total / 1024


class TreePeak:
    """The highest :func:`_tree_rss_mb` seen, sampled in a thread while the block runs."""

    def __enter__(self) -> TreePeak:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _tree_rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_rss_mb())


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def render(fmt: str, out_dir: str) -> dict[str, Any]:
    """Render the whole-cycle report of the large plan as ``fmt`` into ``out_dir``; time, peak memory, size."""
    from orbit.reporting.content import ReportParams
    from orbit.reporting.render import EXTENSIONS, render_report
    from orbit.results.generate import plan_code
    from orbit.results.models import Framework

    framework = Framework.objects.get(code=plan_code("large", SEED))
    user = reader()
    steps: list[tuple[float, int, str]] = []
    path = Path(out_dir) / f"report-large{EXTENSIONS[fmt]}"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_before = _cpu()
    started = time.perf_counter()
    with path.open("wb") as out, TreePeak() as tree:
        report = render_report(
            user=user, params=ReportParams(framework_id=framework.pk), fmt=fmt, out=out,
            progress=lambda percent, label: steps.append((round(time.perf_counter() - started, 2), percent, label)),
        )  # fmt: skip
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(max(peak, tree.peak), 1),  # the bar's figure: all processes together
        "peak_self_mb": round(peak, 1),
        "peak_child_mb": round(child_peak, 1),  # the largest worker's
        "peak_before_mb": round(before, 1),
        "bytes": path.stat().st_size,
        "nodes": len(report.nodes),
        "indicators": len(report.indicators),
        "photos": len(report.photos),
        "steps": steps,
    }


# --------------------------------------------------------------------------- driver


def prepared(db: Database) -> bool:
    return (db.data_dir / "reports-prepared").exists()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="Keep the prepared data dir for later runs.")
    parser.add_argument("--data-dir", help="Re-use a data dir prepared by an earlier --keep run.")
    parser.add_argument("--formats", default="pdf,xlsx")
    parser.add_argument("--child", choices=["units", "analyze", "photos", "render"], help=argparse.SUPPRESS)
    parser.add_argument("--format", default="pdf", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        setup_django()
        if args.child == "photos":
            result = attach_photos(PHOTOS)
        elif args.child == "render":
            result = render(args.format, args.out)
        else:
            from results_tree import analyze, create_units  # type: ignore[import-not-found]

            result = create_units() if args.child == "units" else analyze()
        print(json.dumps(result))
        return 0

    if args.data_dir:
        data_dir = Path(args.data_dir)
        env_file = data_dir / "reports-env.json"
        if not env_file.exists():
            raise SystemExit(f"{data_dir} was not prepared by this benchmark (no reports-env.json)")
        db = Database("sqlite", json.loads(env_file.read_text()), f"SQLite ({data_dir})", data_dir)
    else:
        db = create_database("sqlite", "bench-reports")
    keep = args.keep or bool(args.data_dir)
    formats = [f for f in args.formats.split(",") if f]
    ok = bool(formats)
    try:
        if not prepared(db):
            print(f"Preparing {db.label}", flush=True)
            prepare(db, ("large",))
            photos = child(__file__, db, "photos")
            print(f"  photos attached: {photos['photos']} in {photos['seconds']} s", flush=True)
            (db.data_dir / "reports-env.json").write_text(json.dumps(db.env))
            (db.data_dir / "reports-prepared").write_text("yes")
        out_dir = db.data_dir / "reports"
        out_dir.mkdir(exist_ok=True)
        print(f"\nResults reports of the large plan ({OWNER}, seed {SEED}), {db.label}")
        for fmt in formats:
            figures = child(__file__, db, "render", "--format", fmt, "--out", str(out_dir))
            bar_s, bar_mb = BARS.get(fmt, (None, None))
            met = (bar_s is None or figures["seconds"] <= bar_s) and (bar_mb is None or figures["peak_mb"] < bar_mb)
            ok = ok and met
            print(
                f"  {fmt:5} {figures['seconds']:7.1f} s (CPU {figures['cpu_seconds']:.1f} s incl. workers)  "
                f"peak {figures['peak_mb']:7.1f} MB all processes (this one {figures['peak_self_mb']:.1f}, "
                f"largest worker {figures['peak_child_mb']:.1f})  "
                f"{figures['bytes'] / 1e6:6.1f} MB file  {figures['nodes']} results, {figures['indicators']} "
                f"indicators, {figures['photos']} photos  bar ≤ {bar_s} s"
                + (f", < {bar_mb:.0f} MB" if bar_mb else "")
                + f": {'met' if met else 'MISSED'}",
                flush=True,
            )
            for at, percent, label in figures["steps"]:
                print(f"        {at:7.1f} s {percent:3d} % {label}")
    finally:
        if keep:
            print(f"\nData dir kept: {db.data_dir} (re-use with --data-dir)")
        else:
            drop_database(db)
            shutil.rmtree(db.data_dir, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nLoad average {load[0]:.1f} on {os.cpu_count()} CPUs (others' work slows the wall times above)")
    print(f"\nResults report bars (PDF ≤ 60 s and < 1 GB, Excel ≤ 20 s): {'MET' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parent))
    sys.exit(main())
