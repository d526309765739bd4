"""Pages of assessment rounds, the heatmap and submissions: they render for members, refuse strangers, write
through the services, show every problem next to its field, and cost the same number of queries however many
processes a round ranks."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import lxml.html
import pytest
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes import services
from orbit.processes.models import Assessment, AssessmentRound, Process, Submission

pytestmark = pytest.mark.django_db

PAGES = [
    ("processes:round-list", False),
    ("processes:round-detail", True),
    ("processes:heatmap", False),
    ("processes:submission-create", False),
    ("processes:submissions-mine", False),
    ("processes:submission-queue", False),
]


@pytest.fixture
def org(tree):
    people = SimpleNamespace(
        a_manager=make_user("a.manager"), a_viewer=make_user("a.viewer"), b_contrib=make_user("b.contrib"),
        b_manager=make_user("b.manager"), owner=make_user("p.owner"),
    )  # fmt: skip
    grant(people.a_manager, tree.dept_a, "manager")
    grant(people.a_viewer, tree.dept_a, "viewer")
    grant(people.b_contrib, tree.dept_b, "contributor")
    grant(people.b_manager, tree.dept_b, "manager")
    grant(people.owner, tree.dept_a, "contributor")
    return SimpleNamespace(tree=tree, dept_a=tree.dept_a, dept_b=tree.dept_b, **people.__dict__)


def make_process(org: Any, name: str, *, owner: bool = True, **values: Any) -> Process:
    with audit_context(source="cli"):
        return services.process_create(
            actor=values.pop("actor", org.a_manager), owner_unit=values.pop("unit", org.dept_a), name={"en": name},
            process_owner=org.owner if owner else None, **values,
        )  # fmt: skip


def depend(org: Any, source: Process, target: Process, kind: str) -> None:
    with audit_context(source="cli"):
        services.dependency_create(actor=org.a_manager, source=source, target=target, kind=kind)


def make_round(org: Any, model_key: str = "value_effort", **values: Any) -> AssessmentRound:
    with audit_context(source="cli"):
        return services.round_create(
            actor=org.a_manager, owner_unit=org.dept_a, name=f"Round {model_key}", model_key=model_key,
            quick_win_min_value=Decimal(6), quick_win_max_effort=Decimal(4), **values,
        )  # fmt: skip


def doc(response: Any) -> Any:
    return lxml.html.fromstring(response.content.decode())


def errors_next_to(response: Any, name: str) -> str:
    """The error messages shown in the same container as the input named ``name`` (its form row or cell)."""
    fields = doc(response).xpath(f"//*[@name='{name}']")
    assert fields, f"no field named {name}"
    lists = fields[0].getparent().xpath(".//ul[contains(@class,'errorlist')]")
    return " ".join(" ".join(ul.itertext()) for ul in lists)


def round_data(org: Any, model_key: str, rows: list[dict[str, str]] | None = None, **extra: str) -> dict[str, str]:
    data = {
        "name": f"Services {model_key}", "owner_unit": str(org.dept_a.pk), "model_key": model_key,
        "quick_win_min_value": "6", "quick_win_max_effort": "4", "criteria-TOTAL_FORMS": "6",
        "criteria-INITIAL_FORMS": "0", "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "20", **extra,
    }  # fmt: skip
    for index in range(6):
        data[f"criteria-{index}-weight"] = "1"
    for index, row in enumerate(rows or []):
        for key, value in row.items():
            data[f"criteria-{index}-{key}"] = value
    return data


def score(client: Any, round_: AssessmentRound, process: Process, note: str = "", **answers: str) -> Any:
    data = {"action": "score", "process": str(process.pk), "note": note}
    data.update({f"answers.{key}": value for key, value in answers.items()})
    return client.post(reverse("processes:round-detail", args=[round_.pk]), data)


# --- every page: members in, strangers out ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "with_round"), PAGES)
def test_each_page_renders_for_a_member_and_sends_anonymous_users_to_log_in(client, org, name, with_round):
    args = [make_round(org).pk] if with_round else []
    url = reverse(name, args=args)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(resolve_url("login") + "?next=")
    client.force_login(org.a_viewer)
    page = client.get(url)
    assert page.status_code == 200, page.content[:1500]


# --- rounds -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_key", "answer_fields"),
    [
        ("value_effort", {"answers.value": ("input", "1", "10"), "answers.effort": ("input", "1", "10")}),
        ("wsjf", {"answers.business_value": ("select", "1", "20"), "answers.job_size": ("select", "1", "20")}),
        ("rice", {"answers.reach": ("input", "0", "10000000"), "answers.impact": ("select", "0.25", "3")}),
    ],
)
def test_a_round_opens_with_each_built_in_model_and_asks_its_questions(client, org, model_key, answer_fields):
    client.force_login(org.a_manager)
    response = client.post(reverse("processes:round-list"), round_data(org, model_key))
    round_ = AssessmentRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("processes:round-detail", args=[round_.pk])
    assert (round_.model_key, round_.owner_unit, round_.criteria) == (model_key, org.dept_a, [])
    page = doc(client.get(response["Location"]))
    for name, (tag, low, high) in answer_fields.items():
        [field] = page.xpath(f"//form//*[@name='{name}']")
        assert field.tag == tag
        if tag == "input":
            shown = (field.get("type"), field.get("min"), field.get("max"), field.get("step"))
            assert shown == ("number", low, high, "any")
        else:
            options = [o.get("value") for o in field.xpath("./option") if o.get("value")]
            assert (options[0], options[-1]) == (low, high)
    if model_key == "wsjf":
        [job_size] = page.xpath("//select[@name='answers.job_size']")
        assert [o.get("value") for o in job_size.xpath("./option")] == ["", "1", "2", "3", "5", "8", "13", "20"]
    listing = client.get(reverse("processes:round-list")).content.decode()
    assert round_.name in listing


def test_a_round_with_custom_criteria_stores_them_and_asks_them(client, org):
    client.force_login(org.a_manager)
    rows = [
        {"key": "reach", "label": "People reached", "minimum": "0", "maximum": "100", "weight": "2", "role": "value"},
        {"key": "cost", "label": "Cost", "minimum": "1", "maximum": "5", "weight": "1", "role": "effort"},
    ]
    response = client.post(reverse("processes:round-list"), round_data(org, "weighted", rows))
    assert response.status_code == 302, errors_next_to(response, "criteria-0-key")
    round_ = AssessmentRound.objects.get()
    assert round_.model_key == "weighted"
    assert [(c["key"], c["label"], c["minimum"], c["maximum"], c["weight"], c["role"]) for c in round_.criteria] == [
        ("reach", "People reached", "0", "100", "2", "value"),
        ("cost", "Cost", "1", "5", "1", "effort"),
    ]
    page = doc(client.get(response["Location"]))
    [reach] = page.xpath("//input[@name='answers.reach']")
    assert (reach.get("min"), reach.get("max")) == ("0", "100")
    # value 50 of 0–100 → 5; cost 3 of 1–5 → 1 + 2/4 × 9 = 5.5; total 5 / 5.5 = 0.909…
    process = make_process(org, "Travel claims")
    assert score(client, round_, process, reach="50", cost="3").status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.value, assessment.effort, assessment.total) == (Decimal(5), Decimal("5.5"), Decimal("0.909091"))


def test_a_bad_custom_definition_shows_each_problem_next_to_its_field_and_saves_nothing(client, org):
    client.force_login(org.a_manager)
    rows = [
        {"key": "bad key", "label": "Reach", "minimum": "0", "maximum": "10", "role": "value"},
        {"key": "speed", "label": "", "minimum": "5", "maximum": "1", "role": "value"},
    ]
    response = client.post(reverse("processes:round-list"), round_data(org, "weighted", rows))
    assert response.status_code == 200
    assert "may only contain letters, digits, hyphens and underscores" in errors_next_to(response, "criteria-0-key")
    assert "a label is required" in errors_next_to(response, "criteria-1-label")
    assert "must be below the maximum 1" in errors_next_to(response, "criteria-1-maximum")
    assert errors_next_to(response, "criteria-0-minimum") == ""
    summary = " ".join(doc(response).xpath("//div[contains(@class,'error-summary')]//text()"))
    assert "At least one criterion must measure effort" in summary
    assert not AssessmentRound.objects.exists()


def test_a_non_numeric_criterion_bound_is_refused_next_to_it(client, org):
    client.force_login(org.a_manager)
    rows = [
        {"key": "reach", "label": "Reach", "minimum": "0", "maximum": "10", "role": "value"},
        {"key": "cost", "label": "Cost", "minimum": "abc", "maximum": "10", "role": "effort"},
    ]
    response = client.post(reverse("processes:round-list"), round_data(org, "weighted", rows))
    assert response.status_code == 200
    assert "Enter a number." in errors_next_to(response, "criteria-1-minimum")
    assert not AssessmentRound.objects.exists()


def test_criteria_rows_with_a_built_in_model_are_refused(client, org):
    client.force_login(org.a_manager)
    rows = [{"key": "reach", "label": "Reach", "minimum": "0", "maximum": "10", "role": "value"}]
    response = client.post(reverse("processes:round-list"), round_data(org, "wsjf", rows))
    assert response.status_code == 200
    assert "only custom weighted criteria use them" in response.content.decode()
    assert not AssessmentRound.objects.exists()


def test_a_viewer_cannot_open_a_round(client, org):
    client.force_login(org.a_viewer)
    page = client.get(reverse("processes:round-list")).content.decode()
    assert "New round" not in page
    assert client.post(reverse("processes:round-list"), round_data(org, "wsjf")).status_code == 403
    assert not AssessmentRound.objects.exists()


# --- scoring, ranking, quick wins -----------------------------------------------------------------------------


@pytest.fixture
def five(org):
    """Five processes of DEPT-A; P3 has no owner; P1 hands over to P2, P4 to P1, P5 shares data with P4."""
    made = SimpleNamespace(
        p1=make_process(org, "Process one"), p2=make_process(org, "Process two"),
        p3=make_process(org, "Process three", owner=False), p4=make_process(org, "Process four"),
        p5=make_process(org, "Process five"),
    )  # fmt: skip
    depend(org, made.p1, made.p2, "hands_over")  # P1 ranks above P2: blocks it
    depend(org, made.p4, made.p1, "hands_over")  # P4 ranks below P1: does not block it
    depend(org, made.p5, made.p4, "shares_data")  # not a directed dependency: never blocks
    return made


def quick_win_codes(response: Any) -> list[str]:
    [section] = doc(response).xpath("//section[@aria-labelledby='quick-wins']")
    assert section.xpath(".//h2[@id='quick-wins']/text()") == ["Quick wins"]
    return [a.text for a in section.xpath(".//li/a")]


def ranking_row(response: Any, process: Process) -> str:
    [row] = doc(response).xpath(f"//tr[@id='process-{process.pk}']")
    return " ".join(" ".join(row.itertext()).split())


def test_scoring_five_processes_lists_the_quick_wins_and_says_why_the_others_are_not(client, org, five):
    round_ = make_round(org)
    client.force_login(org.a_manager)
    # value ÷ effort: P5 5/1 = 5, P1 9/2 = 4.5, P3 7/2 = 3.5, P2 8/3 = 2.67, P4 6/4 = 1.5 (ranks 1 to 5)
    for process, value, effort in ((five.p1, 9, 2), (five.p2, 8, 3), (five.p3, 7, 2), (five.p4, 6, 4), (five.p5, 5, 1)):
        response = score(client, round_, process, value=str(value), effort=str(effort))
        assert response.status_code == 302, response.content[:2000]
    page = client.get(reverse("processes:round-detail", args=[round_.pk]))
    assert quick_win_codes(page) == [f"{five.p1.code} — Process one", f"{five.p4.code} — Process four"]
    assert ranking_row(page, five.p5).startswith("1 ")
    assert "5.00" in ranking_row(page, five.p5) and "Value 5.00 is below 6" in ranking_row(page, five.p5)
    assert ranking_row(page, five.p1).startswith("2 ") and ranking_row(page, five.p1).endswith("yes")
    assert "No owner assigned." in ranking_row(page, five.p3) and "Blocked" not in ranking_row(page, five.p3)
    assert "Blocked upstream by: Process one." in ranking_row(page, five.p2)
    assert "2.67" in ranking_row(page, five.p2)
    assert ranking_row(page, five.p4).startswith("5 ") and ranking_row(page, five.p4).endswith("yes")
    svg = page.content.decode()
    assert svg.count('class="point quick-win"') == 2 and svg.count('class="point"') == 3
    assert f'href="/processes/{five.p1.pk}/"' in svg


def test_scoring_again_replaces_the_score_and_the_quick_wins_follow(client, org, five):
    round_ = make_round(org)
    client.force_login(org.a_manager)
    for process, value, effort in ((five.p1, 9, 2), (five.p2, 8, 3), (five.p4, 6, 4)):
        assert score(client, round_, process, value=str(value), effort=str(effort)).status_code == 302
    url = reverse("processes:round-detail", args=[round_.pk])
    assert quick_win_codes(client.get(url)) == [f"{five.p1.code} — Process one", f"{five.p4.code} — Process four"]
    # P1 now 9/5 = 1.8, below P2 (2.67): too much effort, and no longer upstream of a lower-ranked P2
    prefilled = doc(client.get(url, {"process": five.p1.pk}))
    assert prefilled.xpath("//input[@name='answers.effort']/@value") == ["2"]
    assert score(client, round_, five.p1, value="9", effort="5").status_code == 302
    assert Assessment.objects.filter(round=round_).count() == 3
    page = client.get(url)
    assert quick_win_codes(page) == [f"{five.p2.code} — Process two", f"{five.p4.code} — Process four"]
    assert "Effort 5.00 is above 4" in ranking_row(page, five.p1)
    assert Assessment.objects.get(process=five.p1).total == Decimal("1.8")


def test_a_non_numeric_answer_is_shown_next_to_its_field_and_nothing_is_saved(client, org, five):
    round_ = make_round(org)
    client.force_login(org.a_manager)
    response = score(client, round_, five.p1, value="lots", effort="2")
    assert response.status_code == 200
    assert "“lots” is not a number (a number from 1 to 10)" in errors_next_to(response, "answers.value")
    assert errors_next_to(response, "answers.effort") == ""
    assert doc(response).xpath("//input[@name='answers.value']/@value") == ["lots"]
    assert not Assessment.objects.exists()
    five.p1.refresh_from_db()
    assert five.p1.transformation_status == "documented"


def test_a_wsjf_score_off_the_scale_is_refused_and_one_on_it_is_computed(client, org, five):
    round_ = make_round(org, "wsjf")
    client.force_login(org.a_manager)
    answers = {"business_value": "8", "time_criticality": "5", "risk_reduction": "3"}
    refused = score(client, round_, five.p1, job_size="4", **answers)
    assert refused.status_code == 200 and "Select a valid choice" in errors_next_to(refused, "answers.job_size")
    assert not Assessment.objects.exists()
    assert score(client, round_, five.p1, job_size="2", **answers).status_code == 302
    assert Assessment.objects.get().total == Decimal(8)  # (8 + 5 + 3) ÷ 2


def test_a_viewer_cannot_score_and_sees_no_score_form(client, org, five):
    round_ = make_round(org)
    client.force_login(org.a_viewer)
    page = client.get(reverse("processes:round-detail", args=[round_.pk])).content.decode()
    assert "Score a process" not in page and "Close the round" not in page
    assert score(client, round_, five.p1, value="9", effort="2").status_code == 403
    assert not Assessment.objects.exists()


def test_closing_a_round_stops_scoring_and_a_stale_close_shows_the_conflict(client, org, five):
    round_ = make_round(org)
    client.force_login(org.a_manager)
    url = reverse("processes:round-detail", args=[round_.pk])
    stale = client.post(url, {"action": "close", "version": str(round_.version + 1)})
    assert stale.status_code == 200 and "Changed since you opened it" in stale.content.decode()
    round_.refresh_from_db()
    assert round_.status == "open"
    assert client.post(url, {"action": "close", "version": str(round_.version)}).status_code == 302
    round_.refresh_from_db()
    assert round_.status == "closed"
    page = client.get(url).content.decode()
    assert "This round is closed" in page and 'name="action" value="score"' not in page
    late = score(client, round_, five.p1, value="9", effort="2")
    assert late.status_code == 200 and "The round is closed" in late.content.decode()
    assert not Assessment.objects.exists()


def test_the_round_page_costs_the_same_queries_for_3_and_15_processes(client, org):
    round_ = make_round(org)
    url = reverse("processes:round-detail", args=[round_.pk])
    made: list[Process] = []

    def add(count: int) -> None:
        with audit_context(source="cli"):
            for index in range(len(made), len(made) + count):
                process = make_process(org, f"Process {index}", owner=index % 3 != 0)
                if made:
                    depend(org, made[-1], process, "hands_over")
                services.process_score(actor=org.a_manager, round_=round_, process=process,
                                       answers={"value": 2 + index % 8, "effort": 1 + index % 5})  # fmt: skip
                made.append(process)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    client.force_login(org.a_manager)
    add(3)
    client.get(url)  # warm per-process caches (content types)
    small = count()
    add(12)
    large = count()
    assert Assessment.objects.filter(round=round_).count() == 15
    assert large == small, f"{small} queries with 3 processes scored, {large} with 15"


# --- heatmap --------------------------------------------------------------------------------------------------


def test_the_heatmap_counts_processes_and_links_each_cell_to_the_filtered_inventory(client, org):
    for name in ("Claims", "Payments"):
        make_process(org, name, digitisation="partly_digital")
    make_process(org, "Archive", digitisation="paper")
    make_process(org, "Minutes", digitisation="paper", unit=org.dept_b, actor=org.b_manager)
    client.force_login(org.a_viewer)
    page = doc(client.get(reverse("processes:heatmap")))
    link = f"/processes/?unit={org.dept_a.pk}&digitisation=partly_digital&impact=none"
    [cell] = page.xpath(f"//svg//a[@href='{link}']//*[@data-count]")
    assert cell.get("data-count") == "2"
    [other] = page.xpath(f"//svg//a[@href='/processes/?unit={org.dept_b.pk}&digitisation=paper&impact=none']")
    assert other.xpath(".//*[@data-count]/@data-count") == ["1"]
    assert page.xpath(f"//table//a[@href='{link}']/text()") == ["2"]


# --- submissions ----------------------------------------------------------------------------------------------


def submit(client: Any, org: Any, kind: str = "pain_point", process: Process | None = None, **extra: str) -> Any:
    data = {"kind": kind, "title": f"Title {kind}", "description": "Claims are typed twice.",
            "unit": str(org.dept_a.pk), "process": str(process.pk) if process else "", **extra}  # fmt: skip
    return client.post(reverse("processes:submission-create"), data)


def review(client: Any, submission: Submission, decision: str, outcome: str = "Done.", **extra: str) -> Any:
    data = {"submission": str(submission.pk), "version": str(submission.version), "decision": decision,
            "outcome": outcome, **extra}  # fmt: skip
    return client.post(reverse("processes:submission-queue"), data)


def test_a_submission_appears_in_mine_and_in_the_queue_of_the_unit_managers_only(client, org):
    process = make_process(org, "Travel claims")
    client.force_login(org.b_contrib)
    response = submit(client, org, process=process)
    assert response.status_code == 302 and response["Location"] == reverse("processes:submissions-mine")
    submission = Submission.objects.get()
    assert (submission.unit, submission.process, submission.submitted_by) == (org.dept_a, process, org.b_contrib)
    mine = doc(client.get(reverse("processes:submissions-mine")))
    [row] = mine.xpath(f"//tr[@id='submission-{submission.pk}']")
    assert "Title pain_point" in " ".join(row.itertext()) and "Waiting for review" in " ".join(row.itertext())
    client.force_login(org.a_manager)
    queue = doc(client.get(reverse("processes:submission-queue")))
    assert queue.xpath(f"//article[@id='submission-{submission.pk}']//input[@name='merged_into']/@value") == [
        f"{process.code} — Travel claims"
    ]
    client.force_login(org.b_manager)
    assert f"submission-{submission.pk}" not in client.get(reverse("processes:submission-queue")).content.decode()


def test_a_submission_without_a_title_is_refused_next_to_the_field(client, org):
    client.force_login(org.b_contrib)
    response = submit(client, org, title="")
    assert response.status_code == 200 and "This field is required." in errors_next_to(response, "title")
    assert not Submission.objects.exists()


def test_merging_a_pain_point_adds_it_to_the_process_and_tells_the_submitter(client, org):
    process = make_process(org, "Travel claims")
    client.force_login(org.b_contrib)
    submit(client, org)
    submission = Submission.objects.get()
    client.force_login(org.a_manager)
    response = review(client, submission, "merge", "Added to the travel claims process.", merged_into=process.code)
    assert response.status_code == 302
    submission.refresh_from_db()
    process.refresh_from_db()
    assert (submission.status, submission.merged_into, submission.reviewed_by) == ("merged", process, org.a_manager)
    assert process.pain_points == "Claims are typed twice."
    client.force_login(org.b_contrib)
    [row] = doc(client.get(reverse("processes:submissions-mine"))).xpath(f"//tr[@id='submission-{submission.pk}']")
    text = " ".join(" ".join(row.itertext()).split())
    assert "Merged into the inventory" in text and "Added to the travel claims process." in text
    assert row.xpath(".//a/@href")[-1] == f"/processes/{process.pk}/"


def test_creating_a_process_from_an_idea(client, org):
    client.force_login(org.b_contrib)
    submit(client, org, kind="idea", title="Online room booking")
    submission = Submission.objects.get()
    client.force_login(org.a_manager)
    assert review(client, submission, "create", "New process in the inventory.").status_code == 302
    submission.refresh_from_db()
    created = submission.merged_into
    assert created is not None and str(created.name) == "Online room booking"
    assert (created.owner_unit, created.source) == (org.dept_a, f"Submission {submission.pk}")
    assert submission.status == "merged"


def test_declining_needs_an_outcome_and_merging_needs_a_process(client, org):
    client.force_login(org.b_contrib)
    submit(client, org)
    submission = Submission.objects.get()
    client.force_login(org.a_manager)
    no_outcome = review(client, submission, "decline", "")
    assert "This field is required." in errors_next_to(no_outcome, "outcome")
    no_process = review(client, submission, "merge", "Merged.")
    assert "Name the existing process" in errors_next_to(no_process, "merged_into")
    unknown = review(client, submission, "duplicate", "Known.", merged_into="NOPE-P999")
    assert "No process has the code “NOPE-P999”." in errors_next_to(unknown, "merged_into")
    stale = review(client, submission, "decline", "Out of scope.", version=str(submission.version + 1))
    assert stale.status_code == 200 and "Changed since you opened it" in stale.content.decode()
    submission.refresh_from_db()
    assert submission.status == "new"
    assert review(client, submission, "decline", "Out of scope for this year.").status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.outcome) == ("declined", "Out of scope for this year.")


def test_a_viewer_cannot_review(client, org):
    client.force_login(org.b_contrib)
    submit(client, org)
    submission = Submission.objects.get()
    client.force_login(org.a_viewer)
    page = client.get(reverse("processes:submission-queue")).content.decode()
    assert "you manage no unit" in page and f"submission-{submission.pk}" not in page
    assert review(client, submission, "decline", "No.").status_code == 403
    submission.refresh_from_db()
    assert submission.status == "new"
