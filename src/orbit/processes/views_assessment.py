"""Pages of assessment rounds (scores, ranking, quick wins, the value/effort matrix), the digitisation heatmap
and bottom-up submissions.  Reads go through the process selectors, writes through the services.

Every page works without a script: each form posts to the page that shows it, which shows it again with the
errors next to their fields, or redirects when the write is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from orbit.core.errors import NotFound, PermissionDenied, StaleVersion
from orbit.core.views import web_errors
from orbit.core.web import submit_form
from orbit.organisation.access import can, can_anywhere
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_restrict
from orbit.processes import charts, scoring, selectors, services
from orbit.processes.forms_assessment import (
    DECISIONS,
    CloseRoundForm,
    ProcessLookup,
    ReviewForm,
    RoundForm,
    ScoreForm,
    SubmissionForm,
    answers_initial,
    model_label,
)
from orbit.processes.models import AssessmentRound, Digitisation, Process, StrategicImpact, Submission

GET_POST = require_http_methods(["GET", "POST"])


def process_url_maker() -> Callable[[int], str]:
    """The page of a process by id: ``processes:process-detail`` when the inventory has it, else its path.

    Reversed once per page with a placeholder id, so a ranking of any length costs one reverse.
    """
    try:
        pattern = reverse("processes:process-detail", args=[987654321])
    except NoReverseMatch:
        pattern = reverse("processes:inventory") + "987654321/"
    head, tail = pattern.split("987654321", 1)
    return lambda pk: f"{head}{pk}{tail}"


def _round_url(round_: AssessmentRound | int) -> str:
    return reverse("processes:round-detail", args=[round_ if isinstance(round_, int) else round_.pk])


def _process_or_error(user: Any, pk: int, field: str) -> Process:
    """The chosen process, or a ValidationError on ``field`` (it may have been archived since the page loaded)."""
    try:
        return selectors.process_get(user=user, pk=pk)
    except NotFound as exc:
        raise ValidationError({field: _("This process is not in the inventory (any more).")}) from exc


# --- rounds -----------------------------------------------------------------------------------------------------


@login_required
@GET_POST
@web_errors
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds with their model, status and number scored, and the form that opens a new one."""
    rounds = list(selectors.round_list(user=request.user))
    units = org_unit_restrict(request.user, "change").order_by("path")
    may_create = can_anywhere(request.user, "change")
    form = RoundForm(request.POST or None, units=units)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied(_("You need the change right on a unit to open an assessment round."))
        saved, form, _c = submit_form(form, lambda f: services.round_create(actor=request.user, **f.service_values()))
        if saved is not None:
            messages.success(request, _("Round “%(name)s” opened for scoring.") % {"name": saved.name})
            return HttpResponseRedirect(_round_url(saved))
    return render(
        request,
        "processes/assessment/round_list.html",
        {
            "rounds": [(r, model_label(r.model_key)) for r in rounds],
            "form": form,
            "may_create": may_create,
            "models": [(key, _(model.label), _(model.description)) for key, model in scoring.MODELS.items()],
        },
    )


@login_required
@GET_POST
@web_errors
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick wins, the value/effort matrix, the ranking with the reasons a process is not a quick win, the score
    form (re-scoring a process replaces its score) and the close button."""
    round_ = selectors.round_get(user=request.user, pk=pk)
    model = selectors.round_scoring_model(round_)
    is_open = round_.status == AssessmentRound.Status.OPEN
    may_change = can(request.user, "change", round_.owner_unit.path)
    choices = selectors.processes_for_choice(user=request.user)
    score_form: ScoreForm | None = None
    close_form = CloseRoundForm(initial={"version": round_.version})
    conflict: StaleVersion | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "close":
            close_form = CloseRoundForm(request.POST)
            saved, close_form, conflict = submit_form(
                close_form,
                lambda f: services.round_close(
                    actor=request.user, round_=round_, expected_version=f.cleaned_data["version"],
                    reason=f.cleaned_data["reason"],
                ),
            )  # fmt: skip
            if saved is not None:
                messages.success(request, _("Round closed: its ranking stays as it is."))
                return HttpResponseRedirect(_round_url(round_))
        elif action == "score":
            score_form = ScoreForm(request.POST, model=model, processes=choices)

            def perform(f: ScoreForm) -> Any:
                process = _process_or_error(request.user, f.cleaned_data["process"], "process")
                return services.process_score(
                    actor=request.user, round_=round_, process=process, answers=f.cleaned_data["answers"],
                    note=f.cleaned_data["note"],
                )  # fmt: skip

            saved, score_form, _c = submit_form(score_form, perform)
            if saved is not None:
                messages.success(request, _("Score of %(code)s saved.") % {"code": saved.process.code})
                return HttpResponseRedirect(_round_url(round_) + "#ranking")
        else:
            return HttpResponseBadRequest(_("Unknown action: score a process or close the round."))

    ranking = selectors.round_ranking(user=request.user, round_=round_)
    if score_form is None and is_open and may_change:
        initial: dict[str, Any] = {}
        wanted = request.GET.get("process", "")
        scored = next((row for row in ranking if str(row.process.pk) == wanted), None)
        if scored is not None:
            initial = {"process": scored.process.pk, "note": scored.assessment.note,
                       **answers_initial(model, scored.assessment.answers)}  # fmt: skip
        elif wanted.isdigit():
            initial = {"process": int(wanted)}
        score_form = ScoreForm(initial=initial, model=model, processes=choices)

    process_url = process_url_maker()
    rule = scoring.QuickWinRule(min_value=round_.quick_win_min_value, max_effort=round_.quick_win_max_effort)
    rows: list[dict[str, Any]] = [
        {
            "ranked": row,
            "href": process_url(row.process.pk),
            "blocking": [(p, process_url(p.pk)) for p in row.blocking],
        }
        for row in ranking
    ]
    points = [
        charts.MatrixPoint(
            id=row.process.pk,
            label=f"{row.process.code} — {row.process.name}",
            value=row.assessment.value,
            effort=row.assessment.effort,
            href=process_url(row.process.pk),
            quick_win=row.quick_win,
            rank=row.rank,
        )
        for row in ranking
    ]
    matrix = mark_safe(  # noqa: S308  # every text in it is escaped by charts
        charts.value_effort_svg(
            points,
            title=_("Value and effort of the processes scored in %(name)s") % {"name": round_.name},
            description=_("Each point is a process: effort across, value up, both from 0 to 10. The shaded "
                          "corner holds the quick wins, numbered and listed beside the plot."),
            rule=rule,
            labels=charts.MatrixLabels(
                x_label=_("Effort"), y_label=pgettext("assessment", "Value"), quick_wins=_("Quick wins"),
                major_projects=_("Major projects"),
                fill_ins=_("Fill-ins"), thankless=_("Thankless tasks"), quick_win=_("Quick win"),
                other=_("Other process"), no_data=_("No process scored yet"),
            ),
        )
    )  # fmt: skip
    return render(
        request,
        "processes/assessment/round_detail.html",
        {
            "round": round_,
            "model": model,
            "model_name": model_label(round_.model_key),
            "criteria": [(c, _(c.label) if c.label else c.key) for c in model.criteria],
            "rows": rows,
            "quick_wins": [row for row in rows if row["ranked"].quick_win],
            "matrix": matrix,
            # A refused score stays on the page with its errors, even when the round closed meanwhile.
            "score_form": score_form if (is_open and may_change) or (score_form and score_form.is_bound) else None,
            "close_form": close_form if is_open and may_change else None,
            "conflict": conflict,
            "is_open": is_open,
            "may_change": may_change,
        },
    )


# --- heatmap ----------------------------------------------------------------------------------------------------

IMPACT_KEYS = ("none", "low", "medium", "high")


def _impact_levels() -> list[tuple[str, str]]:
    names = {"low": StrategicImpact.Rating.LOW.label, "medium": StrategicImpact.Rating.MEDIUM.label,
             "high": StrategicImpact.Rating.HIGH.label}  # fmt: skip
    return [("none", _("None")), *((key, str(names[key])) for key in IMPACT_KEYS[1:])]


@login_required
@require_GET
@web_errors
def heatmap(request: HttpRequest) -> HttpResponse:
    """Level-3 processes by unit, digitisation and highest strategic impact; each cell lists its processes."""
    units, counts, unit_ids = selectors.digitisation_heatmap(user=request.user)
    inventory = reverse("processes:inventory")
    digitisation_levels = [(str(key), str(label)) for key, label in Digitisation.choices]
    impact_levels = _impact_levels()

    def href(unit: str, digitisation: str, impact: str) -> str:
        return f"{inventory}?unit={unit_ids[unit]}&digitisation={digitisation}&impact={impact}"

    cells = [
        charts.HeatCell(unit=unit, digitisation=d, impact=i, count=count, href=href(unit, d, i))
        for (unit, d, i), count in sorted(counts.items())
    ]
    svg = mark_safe(  # noqa: S308  # every text in it is escaped by charts
        charts.heatmap_svg(
            cells,
            units=units,
            digitisation_levels=digitisation_levels,
            impact_levels=impact_levels,
            title=_("Processes by digitisation and strategic impact, per unit"),
            description=_("For each unit, a row per digitisation level and a column per highest strategic impact; "
                          "each cell counts the processes there and links to their list."),
            labels=charts.HeatmapLabels(unit=_("Unit"), digitisation=_("Digitisation"),
                                        impact=_("Strategic impact"), legend=_("Processes"),
                                        no_data=_("No process yet")),
        )
    )  # fmt: skip
    table = [
        {
            "unit": unit,
            "rows": [
                (label, [(counts.get((unit, d, i), 0), href(unit, d, i)) for i, _l in impact_levels])
                for d, label in digitisation_levels
            ],
        }
        for unit in units
    ]
    return render(
        request,
        "processes/assessment/heatmap.html",
        {"svg": svg, "table": table, "impact_levels": impact_levels, "total": sum(counts.values())},
    )


# --- submissions ------------------------------------------------------------------------------------------------


def _submission_units() -> Any:
    """Any active unit may be the one concerned: people often see the problems of the units they deal with."""
    return OrgUnit.objects.order_by("path")


@login_required
@GET_POST
@web_errors
def submission_create(request: HttpRequest) -> HttpResponse:
    """The short form any member uses to describe a process, a pain point or an idea."""
    choices = selectors.processes_for_choice(user=request.user)
    form = SubmissionForm(request.POST or None, units=_submission_units(), processes=choices)
    if request.method == "POST":

        def perform(f: SubmissionForm) -> Any:
            data = f.cleaned_data
            process = _process_or_error(request.user, data["process"], "process") if data["process"] else None
            return services.submission_create(
                actor=request.user, kind=data["kind"], title=data["title"], description=data["description"],
                unit=data["unit"], process=process,
            )  # fmt: skip

        saved, form, _c = submit_form(form, perform)
        if saved is not None:
            messages.success(request, _("Thank you: “%(title)s” was sent to the managers of %(unit)s.")
                             % {"title": saved.title, "unit": saved.unit.code})  # fmt: skip
            return HttpResponseRedirect(reverse("processes:submissions-mine"))
    return render(request, "processes/submissions/form.html", {"form": form})


@login_required
@require_GET
@web_errors
def submissions_mine(request: HttpRequest) -> HttpResponse:
    """What I submitted, its status and what became of it."""
    submissions = list(selectors.submission_list(user=request.user, mine=True))
    process_url = process_url_maker()

    def href(pk: int | None) -> str:
        return process_url(pk) if pk else ""

    rows = [(s, href(s.merged_into_id), href(s.process_id)) for s in submissions]
    return render(request, "processes/submissions/mine.html", {"rows": rows})


#: Decided submissions listed under the queue, most recent first.
RECENT_DECISIONS = 50


def _review_form(submission: Submission, lookup: ProcessLookup, data: Any = None) -> ReviewForm:
    initial: dict[str, Any] = {"version": submission.version}
    if submission.process_id:
        initial["merged_into"] = lookup.text_of.get(submission.process_id, "")
    return ReviewForm(data, initial=initial, lookup=lookup, auto_id=f"id_s{submission.pk}_%s")


@login_required
@GET_POST
@web_errors
def submission_queue(request: HttpRequest) -> HttpResponse:
    """Submissions waiting for a decision in the units I approve for, each with its review form."""
    may_review = can_anywhere(request.user, "approve")
    lookup = ProcessLookup(selectors.processes_for_choice(user=request.user))
    bound: ReviewForm | None = None
    active: int | None = None
    conflict: StaleVersion | None = None
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied(_("Only managers of a unit review its submissions."))
        try:
            active = int(request.POST.get("submission", ""))
        except ValueError as exc:
            raise NotFound("No such submission.") from exc
        submission = selectors.submission_get(user=request.user, pk=active)

        def perform(f: ReviewForm) -> Any:
            status, create = DECISIONS[f.cleaned_data["decision"]]
            target_pk = f.cleaned_data["merged_into"]
            keeps_target = f.cleaned_data["decision"] in ("merge", "duplicate")
            target = _process_or_error(request.user, target_pk, "merged_into") if target_pk and keeps_target else None
            return services.submission_review(
                actor=request.user, submission=submission, expected_version=f.cleaned_data["version"], status=status,
                outcome=f.cleaned_data["outcome"], merged_into=target, create_process=create,
            )  # fmt: skip

        saved, bound, conflict = submit_form(
            _review_form(submission, lookup, request.POST), perform,
            rebind={"lookup": lookup, "auto_id": f"id_s{submission.pk}_%s"},
        )  # fmt: skip
        if saved is not None:
            done = {
                Submission.Status.MERGED: _("“%(title)s” merged into %(code)s."),
                Submission.Status.DECLINED: _("“%(title)s” declined."),
                Submission.Status.DUPLICATE: _("“%(title)s” marked as a duplicate of %(code)s."),
            }[saved.status]
            code = saved.merged_into.code if saved.merged_into_id else ""
            messages.success(request, done % {"title": saved.title, "code": code})
            return HttpResponseRedirect(reverse("processes:submission-queue"))
    pending = list(selectors.submission_list(user=request.user, status=Submission.Status.NEW))
    decided = list(
        selectors.submission_list(user=request.user).exclude(status=Submission.Status.NEW)[:RECENT_DECISIONS]
    )
    if bound is not None and active not in {s.pk for s in pending}:
        # Decided meanwhile (by someone else): the form has no row left to stand in, so its errors go on top.
        problems = [str(e) for errors in bound.errors.values() for e in errors]
        messages.error(request, " ".join(problems) or _("This submission is no longer waiting for review."))
    process_url = process_url_maker()
    rows = [
        {
            "submission": s,
            "form": bound if bound is not None and s.pk == active else _review_form(s, lookup),
            "conflict": conflict if s.pk == active else None,
            "process_href": process_url(s.process_id) if s.process_id else "",
        }
        for s in pending
    ]
    return render(
        request,
        "processes/submissions/queue.html",
        {
            "rows": rows,
            "decided": [(s, process_url(s.merged_into_id) if s.merged_into_id else "") for s in decided],
            "processes": lookup.choices if rows else [],
            "may_review": may_review,
        },
    )
