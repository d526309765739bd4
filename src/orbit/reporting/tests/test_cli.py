"""``orbit report results``: bad arguments exit 2 with one line, --wait writes the file with progress on stderr,
--no-wait hands the report to the worker, a failed report exits 1 with its message."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.reporting import services
from orbit.reporting.content import ReportError
from orbit.reporting.management.commands.report import Command, ProgressBar
from orbit.reporting.models import ReportRun
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def org(tree, system_actor):
    reader = make_user("a.reader")
    grant(reader, tree.dept_a, "viewer")
    framework = make_framework(tree.dept_a, "REP", tiers=2)
    objective = make_node(framework, "Connect schools")
    make_indicator(objective, "I1", unit_label="schools")
    return SimpleNamespace(tree=tree, framework=framework, objective=objective, reader=reader)


def report(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("report", "results", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_wait_writes_the_file_with_progress_lines_and_keeps_the_run(org, tmp_path):
    target = tmp_path / "report.html"
    out, err = report("--framework", "REP", "--period", "2025", "--format", "html", "-o", str(target),
                      "--user", "a.reader", "--reason", "board meeting", "--wait")  # fmt: skip
    assert "Connect schools" in target.read_text(encoding="utf-8")
    run = ReportRun.objects.get()
    assert out.strip() == f"report #{run.pk}: {target} ({target.stat().st_size} bytes)"
    lines = err.splitlines()
    assert lines and lines[-1].startswith("100%") and all("%" in line for line in lines)  # one line per step
    assert run.status == "done" and run.params["period"] == "2025" and run.requested_by == org.reader
    events = AuditEvent.objects.filter(object_type="reporting.reportrun").order_by("seq")
    assert {(e.source, e.actor_username, e.reason) for e in events} == {("cli", "a.reader", "board meeting")}


def test_by_default_the_report_is_produced_here_as_the_system_account(org, tmp_path):
    target = tmp_path / "r.html"
    report("--framework", str(org.framework.pk), "--format", "html", "-o", str(target))
    assert target.stat().st_size > 0
    assert ReportRun.objects.get().requested_by.username == "orbit-system"


def test_no_wait_hands_the_report_to_the_worker_and_prints_its_id(org):
    out, _err = report("--framework", "REP", "--format", "html", "--no-wait", "--user", "a.reader")
    run = ReportRun.objects.get()
    assert out.strip() == f"report #{run.pk} {run.status}"  # the test backend runs jobs at once
    assert AuditEvent.objects.filter(object_type="reporting.reportrun", source="job").count() == 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--framework", "NOPE", "--format", "html", "-o", "x.html"], "--framework 'NOPE'"),
        (["--framework", "REP", "--format", "html"], "-o FILE"),
        (["--framework", "REP", "--format", "html", "-o", "/no/such/folder/x.html"], "-o /no/such/folder"),
        (["--framework", "REP", "--format", "html", "-o", "x.html", "--period", "1999"], "period:"),
        (["--framework", "REP", "--format", "html", "-o", "x.html", "--unit", "NOPE"], "unit:"),
        (["--framework", "REP", "--format", "html", "-o", "x.html", "--node", "n1"], "--node 'n1'"),
        (["--framework", "REP", "--format", "html", "-o", "x.html", "--initiative", "ZZ9"], "--initiative 'ZZ9'"),
        (["--framework", "REP", "--format", "html", "-o", "x.html", "--user", "ghost"], "--user 'ghost'"),
        (["--framework", "REP", "--format", "html", "-o", "x.html", "--language", "de"], "language:"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(org, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError) as caught:
        report(*args)
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert ReportRun.all_objects.count() == 0


def test_argument_syntax_errors_exit_2(org):
    command = Command()
    command._called_from_command_line = True  # as run_from_argv sets it: argparse errors exit 2
    parser = command.create_parser("orbit", "report")
    for argv in (["results", "--framework", "REP"], ["results", "--framework", "REP", "--format", "odt"], ["nothing"]):
        with pytest.raises(SystemExit) as caught:
            parser.parse_args(argv)
        assert caught.value.code == 2, argv


def test_a_failed_report_exits_1_with_its_message(org, tmp_path, monkeypatch):
    def render(**kwargs):
        kwargs["progress"](20, "Indicators")
        raise ReportError("node_id: the node was archived meanwhile.")

    monkeypatch.setattr(services, "render_report", render)
    target = tmp_path / "r.pdf"
    with pytest.raises(CommandError) as caught:
        report("--framework", "REP", "--format", "pdf", "-o", str(target))
    run = ReportRun.objects.get()
    assert caught.value.returncode == 1
    assert str(caught.value) == f"report #{run.pk} failed: node_id: the node was archived meanwhile."
    assert not target.exists() and run.status == "failed"


def test_the_progress_bar_redraws_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar(screen)
    for percent, step in ((0, "Reading"), (50, "Charts"), (50, "Charts"), (100, "Done")):
        bar(percent, step)
    bar.close()
    text = screen.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "[" + "#" * ProgressBar.WIDTH + "] 100% Done" in text
    plain = io.StringIO()
    lines = ProgressBar(plain)
    for percent, step in ((0, "Reading"), (10, "Reading"), (50, "Charts")):
        lines(percent, step)
    assert plain.getvalue().splitlines() == ["  0% Reading", " 50% Charts"]
