"""Every write to report runs: request one, produce it (in a background job or in-process), archive it.

Requesting a report checks its parameters field by field (the framework must be one the actor may read), records
the run as queued and enqueues the ``produce_report`` task, which runs :func:`report_run` as the requester with
source ``job``.  Producing a report marks the run running, renders it into a temporary file while writing its
progress (percent and step, at most every half second or when the percent changes: one plain UPDATE, not an
audited change), stores the file and marks the run done; any error marks it failed with a message the user can
read, so a run never stays "running" because its report failed.  The request, the start, the completion or failure
and the archiving are audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from orbit.core.errors import NotFound, PermissionDenied
from orbit.core.i18n import pick
from orbit.governance.services import audited_archive, audited_create, audited_restore, audited_update, require_actor
from orbit.organisation.models import OrgUnit
from orbit.planning.models import ItuRegion, RegionalInitiative
from orbit.reporting.content import ReportError, ReportParams
from orbit.reporting.models import ReportFormat, ReportRun
from orbit.reporting.render import EXTENSIONS, FORMATS, render_report
from orbit.results.models import Framework, ResultNode
from orbit.results.selectors import framework_restrict

log = logging.getLogger(__name__)

#: Progress is written at most this often (seconds) unless the percent changes.
PROGRESS_INTERVAL = 0.5
#: What a failed run tells its reader when the error is not one of the report's own (details go to the log).
UNEXPECTED = gettext_noop(
    "The report could not be produced because of an unexpected error; the administrators can find it in the log."
)

Progress = Callable[[int, str], None]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def report_params_check(*, actor: Any, params: ReportParams, fmt: str) -> Framework:
    """The framework the parameters name, once every parameter is valid for ``actor``; else ValidationError
    naming each bad field (framework, node, unit, region, initiative, period, language, format)."""
    errors: dict[str, str] = {}
    framework: Framework | None = None
    if _is_id(params.framework_id):
        framework = framework_restrict(actor).filter(pk=params.framework_id).first()
    if framework is None:
        errors["framework"] = _("No results framework %(id)s that you may read.") % {"id": params.framework_id}
    if params.node_id is not None and not (
        _is_id(params.node_id)
        and framework is not None
        and ResultNode.objects.filter(pk=params.node_id, framework=framework).exists()
    ):
        errors["node"] = _("No result node %(id)s in this framework.") % {"id": params.node_id}
    if params.unit_code and not OrgUnit.objects.filter(code=params.unit_code).exists():
        errors["unit"] = _("No organisational unit with the code %(code)s.") % {"code": params.unit_code}
    if params.region and params.region not in ItuRegion.values:
        errors["region"] = _("Choose one of the ITU regions: %(regions)s.") % {"regions": ", ".join(ItuRegion.values)}
    if params.initiative_id is not None and not (
        _is_id(params.initiative_id) and RegionalInitiative.objects.filter(pk=params.initiative_id).exists()
    ):
        errors["initiative"] = _("No regional initiative %(id)s.") % {"id": params.initiative_id}
    if params.language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the languages: %(languages)s.") % {
            "languages": ", ".join(code for code, _name in settings.LANGUAGES)
        }
    if framework is not None and re.fullmatch(r"\d{4}", params.period or ""):
        first, last = framework.cycle_start.year, framework.cycle_end.year
        if not first <= int(params.period) <= last:
            errors["period"] = _("Choose a year of the framework's cycle, %(first)s to %(last)s.") % {
                "first": first,
                "last": last,
            }
    if fmt not in FORMATS:
        errors["format"] = _("Choose one of the formats: %(formats)s.") % {"formats": ", ".join(FORMATS)}
    if not errors:
        try:
            ReportParams.from_json(params.to_json())
        except ReportError as exc:
            errors[_report_error_field(exc)] = str(exc)
    if errors:
        raise ValidationError(errors)
    assert framework is not None
    return framework


_PARAMETER_FIELDS = {
    "framework_id": "framework",
    "node_id": "node",
    "unit_code": "unit",
    "initiative_id": "initiative",
    "period": "period",
    "region": "region",
    "language": "language",
}


def _report_error_field(exc: ReportError) -> str:
    """The parameter a ReportError names ("period: give a calendar year ..."), as the form's field name."""
    match = re.match(r"\s*(\w+):", str(exc))
    return _PARAMETER_FIELDS.get(match.group(1), "params") if match else "params"


def report_title(framework: Framework, language: str) -> str:
    with translation.override(language):
        return f"{_('Results report')} — {framework.code} {pick(framework.name, language)}"[:300]


@transaction.atomic
def _create_run(*, actor: Any, params: ReportParams, fmt: str, reason: str) -> ReportRun:
    framework = report_params_check(actor=actor, params=params, fmt=fmt)
    run = ReportRun(
        kind=ReportRun.Kind.RESULTS,
        framework=framework,
        params=params.to_json(),
        format=fmt,
        language=params.language,
        title=report_title(framework, params.language),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    return audited_create(actor=actor, instance=run, reason=reason)


def report_request(
    *, actor: Any, params: ReportParams, fmt: str, reason: str = "", enqueue: bool = True
) -> ReportRun:
    """Record a queued run of a results report and hand it to the background worker (unless ``enqueue`` is
    false: the caller then produces it with :func:`report_run`, as ``orbit report --wait`` does)."""
    require_actor(actor)
    run = _create_run(actor=actor, params=params, fmt=fmt, reason=reason)
    if enqueue:
        from orbit.reporting.tasks import produce_report

        why = reason or _("report #%(id)s requested by %(user)s") % {"id": run.pk, "user": actor.get_username()}
        try:
            result = produce_report.enqueue(run.pk, actor.get_username(), why)
        except Exception as exc:  # the queue refused it: say so on the run rather than leave it queued for ever
            log.error("report #%s could not be queued", run.pk, exc_info=exc)
            with translation.override(run.language):
                return _fail(actor, run, _("The report could not be handed to the background worker; try again."))
        run.task_id = str(result.id)[:64]
        ReportRun.all_objects.filter(pk=run.pk).bulk_update_derived([run], ["task_id"])
        # An immediate backend (tests) has produced the report already: show the run as it is now.
        run = ReportRun.all_objects.select_related("framework__owner_unit", "requested_by").get(pk=run.pk)
    return run


def _safe_file_name(title: str, extension: str) -> str:
    """A file name made of the report's title: letters, digits, dashes; no path, no control characters."""
    text = unicodedata.normalize("NFKC", title)
    text = re.sub(r"[^\w\-]+", "-", text, flags=re.UNICODE).strip("-_")
    text = re.sub(r"-{2,}", "-", text)[:80].strip("-_")
    return f"{text or 'report'}.{extension}"


def _storage_name(run: ReportRun) -> str:
    """reports/<yyyy>/<id>-<random>/<name>: the random part keeps a stored report's location unguessable."""
    extension = EXTENSIONS.get(run.format, run.format).lstrip(".")
    name = _safe_file_name(f"{run.framework.code}-{run.requested_at:%Y%m%d-%H%M}", extension)
    return f"reports/{run.requested_at:%Y}/{run.pk}-{secrets.token_hex(8)}/{name}"


@dataclass
class _ProgressWriter:
    """Writes a run's progress as one UPDATE, at most every PROGRESS_INTERVAL seconds or when the percent changes."""

    run: ReportRun
    echo: Progress | None = None
    last_percent: int = -1
    last_step: str = ""
    last_write: float = field(default=0.0)

    def __call__(self, percent: int, step: str) -> None:
        percent = max(0, min(100, int(percent)))
        step = str(step or "")[:200]
        if self.echo is not None:
            self.echo(percent, step)
        self.store(percent, step)

    def store(self, percent: int, step: str, *, force: bool = False) -> None:
        now = time.monotonic()
        recent = now - self.last_write < PROGRESS_INTERVAL
        unchanged = percent == self.last_percent and (step == self.last_step or recent)
        if unchanged and not force:
            return
        self.last_percent, self.last_step, self.last_write = percent, step, now
        self.run.progress, self.run.step, self.run.progress_at = percent, step, timezone.now()
        ReportRun.all_objects.filter(pk=self.run.pk).bulk_update_derived(
            [self.run], ["progress", "step", "progress_at"]
        )


def _runnable(actor: Any, run_id: int) -> ReportRun:
    run = ReportRun.objects.select_related("framework__owner_unit", "requested_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such report run.")
    if run.requested_by_id != actor.pk and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only the user who requested a report produces it.")
    if run.status != ReportRun.Status.QUEUED:
        raise ValidationError({"status": _("This report was already produced or is being produced.")})
    return run


def _fail(actor: Any, run: ReportRun, message: str) -> ReportRun:
    current = ReportRun.all_objects.get(pk=run.pk)
    return audited_update(
        actor=actor,
        instance=current,
        expected_version=current.version,
        values={"status": ReportRun.Status.FAILED, "finished_at": timezone.now(), "error": message[:2000]},
        action="update",
    )


def report_run(*, actor: Any, run_id: int, progress: Progress | None = None) -> ReportRun:
    """Produce a queued run as ``actor`` (its requester): running → done with its file, or failed with a message.

    ``progress``, if given, is called with every step too (the CLI's progress bar).
    """
    require_actor(actor)
    run = _runnable(actor, run_id)
    run = audited_update(
        actor=actor,
        instance=run,
        expected_version=run.version,
        values={"status": ReportRun.Status.RUNNING, "started_at": timezone.now(), "error": ""},
    )
    writer = _ProgressWriter(run, echo=progress)
    try:
        params = ReportParams.from_json(run.params)
        with tempfile.TemporaryFile() as out:
            with translation.override(run.language):
                report = render_report(user=actor, params=params, fmt=run.format, out=out, progress=writer)
            size = out.seek(0, 2)  # the end, wherever the writer left the position
            out.seek(0)
            with transaction.atomic():
                name = default_storage.save(_storage_name(run), File(out))
                writer.store(100, writer.last_step or _("Done"), force=True)
                current = ReportRun.all_objects.get(pk=run.pk)
                cutoff = getattr(report, "data_cutoff", None) or getattr(report, "cutoff", None)
                title = getattr(report, "title", "") or current.title
                return audited_update(
                    actor=actor,
                    instance=current,
                    expected_version=current.version,
                    values={
                        "status": ReportRun.Status.DONE,
                        "finished_at": timezone.now(),
                        "file": name,
                        "size": size,
                        "data_cutoff": cutoff if isinstance(cutoff, dt.datetime) else run.started_at,
                        "title": str(title)[:300],
                    },
                )
    except BaseException as exc:
        with translation.override(run.language):
            failed = _fail(actor, run, _failure_message(run, exc))
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return failed


def _failure_message(run: ReportRun, exc: BaseException) -> str:
    """What a failed run tells its reader: the report's own explanation, else a general one (details in the log)."""
    if isinstance(exc, ReportError):
        return str(exc) or _("The report could not be produced.")
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return _("The report was interrupted before it was done.")
    log.error("report #%s failed", run.pk, exc_info=exc)
    return _(UNEXPECTED)


def _require_own(actor: Any, run: ReportRun) -> None:
    if run.requested_by_id != actor.pk and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only the user who requested a report, or an administrator, may archive it."))


@transaction.atomic
def report_archive(*, actor: Any, run: ReportRun, expected_version: int, reason: str) -> ReportRun:
    """Take a run out of the history (its file stays; nothing is deleted).  A run in progress is not archived."""
    _require_own(actor, run)
    if run.status in (ReportRun.Status.QUEUED, ReportRun.Status.RUNNING):
        raise ValidationError({"status": _("Wait until the report is done or failed before archiving it.")})
    return audited_archive(actor=actor, instance=run, expected_version=expected_version, reason=reason)


@transaction.atomic
def report_restore(*, actor: Any, run: ReportRun, expected_version: int, reason: str = "") -> ReportRun:
    _require_own(actor, run)
    return audited_restore(actor=actor, instance=run, expected_version=expected_version, reason=reason)


__all__ = [
    "FORMATS",
    "ReportFormat",
    "report_archive",
    "report_params_check",
    "report_request",
    "report_restore",
    "report_run",
]
