"""An illustrative process inventory for the demo: SAMPLE data, not a description of the ITU's processes.

The processes are the kinds every international organisation runs (recruitment, event and member registration,
meeting documents and translation, procurement, travel, publication); their owners, volumes, dependencies,
pain points and scores are invented to show how Orbit works.  Every record is flagged ``is_sample`` and says
"(sample)" in its name.  Owner units are reference units of the demo, chosen for illustration only.
Written through the services; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from orbit.organisation.models import OrgUnit
from orbit.processes import services
from orbit.processes.models import AssessmentRound, Process
from orbit.results.models import Framework, ResultNode

REASON = "demo data (sample)"
ROUND_NAME = "Quick-win screening (sample)"


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    unit: str
    nature: str
    digitisation: str
    volume: int
    cycle_days: str
    pain: str
    owner: str = ""
    authority: str = "process_owner"
    systems: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


PROCESSES = (
    Spec("S-REC", "Recruitment", "ITU", "support", "partly_digital", 180, "120",
         "Many manual hand-offs between hiring managers and HR; candidates wait for news.", "admin",
         "unit_management", ("E-RECRUIT",), ("JOB-APPLICATION",), ("HIRING-MANAGER", "HR-OFFICER")),
    Spec("S-ONB", "Onboarding of new staff", "ITU", "support", "paper", 150, "20",
         "Paper forms signed in several offices; accounts ready after the first day.", "",
         "unit_management", ("ERP",), (), ("HR-OFFICER",)),
    Spec("S-TRV", "Travel requests and approval", "ITU", "support", "partly_digital", 4000, "9",
         "Approvals by e-mail; tickets bought late and dearer.", "admin", "senior_management", ("ERP",),
         ("TRAVEL-REQUEST",), ("TRAVEL-OFFICER",)),
    Spec("S-PRC", "Procurement of goods and services", "ITU", "support", "partly_digital", 900, "45",
         "Thresholds and forms differ by amount; suppliers re-enter the same data.", "admin",
         "governing_body", ("ERP",), ("PURCHASE-ORDER",), ("PROCUREMENT-OFFICER",)),
    Spec("S-EVT-REG", "Event and meeting registration", "BDT", "core", "digital", 25000, "3",
         "Focal points confirm registrations one by one.", "bdt.manager", "unit_management", ("EVENT-REG",),
         ("REGISTRATION",), ("EVENT-ORGANISER",)),
    Spec("S-EVT-VISA", "Visa support letters for delegates", "BDT", "enabling", "paper", 3000, "10",
         "Letters typed one by one from registration data; delegates miss appointments.", "bdt.manager",
         "process_owner", (), ("VISA-LETTER",), ("EVENT-ORGANISER",)),
    Spec("S-EVT-LOG", "Event logistics (rooms, interpretation)", "BDT", "enabling", "partly_digital", 400, "30",
         "Room and interpretation bookings kept in spreadsheets.", "bdt.manager", "process_owner",
         ("EVENT-REG",), (), ("EVENT-ORGANISER",)),
    Spec("S-FEL", "Fellowships for participants", "BDT", "core", "paper", 1200, "25",
         "Requests on paper forms, re-typed into the travel system.", "bdt.manager", "unit_management",
         ("EVENT-REG",), ("FELLOWSHIP-REQUEST",), ("FELLOWSHIP-OFFICER",)),
    Spec("S-MEM-REG", "Member registration", "ITU", "core", "partly_digital", 150, "60",
         "Applications checked against several lists by hand.", "admin", "governing_body", ("CRM",),
         ("MEMBERSHIP-FILE",), ("MEMBERSHIP-OFFICER",)),
    Spec("S-DOC-SUB", "Meeting document submission", "ITU", "core", "digital", 6000, "2",
         "Late submissions leave translators little time.", "admin", "governing_body", ("DMS",),
         ("MEETING-DOCUMENT",), ("SECRETARIAT",)),
    Spec("S-DOC-TRA", "Translation of meeting documents", "ITU", "enabling", "partly_digital", 5000, "14",
         "Peaks before big meetings; terminology kept in several places.", "admin", "senior_management",
         ("DMS",), ("MEETING-DOCUMENT",), ("TRANSLATOR",)),
    Spec("S-DOC-PUB", "Publication of meeting documents", "ITU", "core", "digital", 6000, "1",
         "Publishing depends on manual checks of every language version.", "", "process_owner", ("DMS",),
         ("MEETING-DOCUMENT",), ("SECRETARIAT",)),
    Spec("S-PUB", "Publications (editing, layout, distribution)", "ITU", "core", "partly_digital", 120, "90",
         "Layout redone for each language; print runs planned by hand.", "admin", "senior_management",
         ("DMS",), ("PUBLICATION",), ("TRANSLATOR", "EDITOR")),
    Spec("S-RO-EVT", "Regional event registration", "RO-AFR", "core", "paper", 2500, "7",
         "Registration lists kept locally, merged with the central list by hand.", "afr.manager",
         "process_owner", (), ("REGISTRATION",), ("EVENT-ORGANISER",)),
)  # fmt: skip

DICTIONARY = {
    "it_systems": {"E-RECRUIT": "E-recruitment system (sample)", "ERP": "ERP (sample)",
                   "EVENT-REG": "Event registration system (sample)", "CRM": "Membership database (sample)",
                   "DMS": "Document management system (sample)"},
    "records": {"JOB-APPLICATION": "Job application (sample)", "TRAVEL-REQUEST": "Travel request (sample)",
                "PURCHASE-ORDER": "Purchase order (sample)", "REGISTRATION": "Registration record (sample)",
                "VISA-LETTER": "Visa support letter (sample)", "FELLOWSHIP-REQUEST": "Fellowship request (sample)",
                "MEMBERSHIP-FILE": "Membership file (sample)", "MEETING-DOCUMENT": "Meeting document (sample)",
                "PUBLICATION": "Publication (sample)"},
    "roles": {"HIRING-MANAGER": "Hiring manager (sample)", "HR-OFFICER": "HR officer (sample)",
              "TRAVEL-OFFICER": "Travel officer (sample)", "PROCUREMENT-OFFICER": "Procurement officer (sample)",
              "EVENT-ORGANISER": "Event organiser (sample)", "FELLOWSHIP-OFFICER": "Fellowship officer (sample)",
              "MEMBERSHIP-OFFICER": "Membership officer (sample)", "SECRETARIAT": "Meeting secretariat (sample)",
              "TRANSLATOR": "Translator (sample)", "EDITOR": "Editor (sample)"},
}  # fmt: skip

#: (source, target, kind, strength, note)
DEPENDENCIES = (
    ("S-REC", "S-ONB", "hands_over", 3, "A selected candidate starts onboarding."),
    ("S-EVT-REG", "S-EVT-VISA", "hands_over", 3, "Letters are drawn from registration data."),
    ("S-EVT-REG", "S-FEL", "hands_over", 2, "Fellowship requests come with registrations."),
    ("S-FEL", "S-TRV", "hands_over", 3, "Fellows' travel is booked as travel requests."),
    ("S-EVT-REG", "S-EVT-LOG", "messages", 2, "Expected numbers for rooms and interpretation."),
    ("S-EVT-LOG", "S-EVT-REG", "messages", 2, "Room capacity limits registration."),
    ("S-RO-EVT", "S-EVT-REG", "calls", 2, "Regional events use the central registration."),
    ("S-MEM-REG", "S-EVT-REG", "shares_data", 2, "The member list decides who may register."),
    ("S-DOC-SUB", "S-DOC-TRA", "hands_over", 3, "Submitted documents go to translation."),
    ("S-DOC-TRA", "S-DOC-PUB", "hands_over", 3, "Translated versions are published."),
    ("S-PUB", "S-DOC-TRA", "shares_role", 1, "The same translators and editors."),
    ("S-TRV", "S-PRC", "shares_system", 1, "Both run in the ERP."),
    ("S-PRC", "S-EVT-LOG", "hands_over", 2, "Contracts for venues and interpretation."),
    ("S-ONB", "S-TRV", "shares_system", 1, "Accounts in the ERP."),
)

#: Value/effort answers of the sample round.
SCORES = {
    "S-EVT-VISA": (8, 2), "S-FEL": (7, 3), "S-ONB": (7, 3), "S-RO-EVT": (6, 2), "S-TRV": (6, 7),
    "S-DOC-TRA": (9, 8), "S-MEM-REG": (4, 2), "S-PRC": (5, 6),
}  # fmt: skip


def load_demo_processes(*, actor: Any) -> str:
    if Process.all_objects.filter(code="S-REC").exists():
        return "sample process inventory: already loaded"
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={s.unit for s in PROCESSES})}
    if len(units) < len({s.unit for s in PROCESSES}):
        return "sample process inventory: skipped (reference units missing)"
    users = {u.username: u for u in get_user_model().objects.filter(username__in={s.owner for s in PROCESSES})}
    entries: dict[str, dict[str, Any]] = {}
    for dictionary, items in DICTIONARY.items():
        entries[dictionary] = {}
        for code, name in items.items():
            entries[dictionary][code] = services.dictionary_entry_create(
                actor=actor, dictionary=dictionary, code=f"S-{code}"[:32], name={"en": name}, is_sample=True,
                source="Sample data", reason=REASON,
            )  # fmt: skip
    processes: dict[str, Process] = {}
    for spec in PROCESSES:
        processes[spec.code] = services.process_create(
            actor=actor,
            owner_unit=units[spec.unit],
            code=spec.code,
            name={"en": f"{spec.name} (sample)"},
            description={"en": "Illustrative process of the sample inventory."},
            nature=spec.nature,
            digitisation=spec.digitisation,
            yearly_volume=spec.volume,
            cycle_time_days=Decimal(spec.cycle_days),
            pain_points=spec.pain,
            process_owner=users.get(spec.owner),
            change_authority=spec.authority,
            it_systems=[entries["it_systems"][c] for c in spec.systems],
            records=[entries["records"][c] for c in spec.records],
            source="Sample data",
            is_sample=True,
            reason=REASON,
        )
        for role in spec.roles:
            services.participant_add(
                actor=actor, process=processes[spec.code], role=entries["roles"][role], raci="R", reason=REASON
            )
    for source, target, kind, strength, note in DEPENDENCIES:
        services.dependency_create(
            actor=actor, source=processes[source], target=processes[target], kind=kind, strength=strength,
            note=note, reason=REASON,
        )  # fmt: skip
    services.change_window_add(
        actor=actor, process=processes["S-DOC-SUB"], kind="freeze", start=dt.date(2026, 10, 1),
        end=dt.date(2026, 11, 30), note="No change while a major conference is prepared (sample dates).",
        reason=REASON,
    )  # fmt: skip
    services.change_window_add(
        actor=actor, process=processes["S-EVT-VISA"], kind="open", start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31), note="Quiet months between events (sample dates).", reason=REASON,
    )  # fmt: skip
    _link_results(actor, processes)
    services.process_kpi_create(
        actor=actor, process=processes["S-EVT-VISA"], code="S-VISA-DAYS",
        title={"en": "Median days to issue a visa support letter (sample)"}, unit_label="days",
        baseline_value=Decimal(10), baseline_date=dt.date(2026, 1, 1), target_value=Decimal(3), target_year=2027,
        data_source="Registration system event log (sample)", reason=REASON,
    )  # fmt: skip
    round_ = services.round_create(
        actor=actor, owner_unit=units["ITU"], name=ROUND_NAME, model_key="value_effort", is_sample=True,
        reason=REASON,
    )  # fmt: skip
    for code, (value, effort) in SCORES.items():
        services.process_score(
            actor=actor, round_=round_, process=processes[code], answers={"value": value, "effort": effort},
            note="Sample scores.", reason=REASON,
        )  # fmt: skip
    scored = AssessmentRound.objects.filter(pk=round_.pk).count()
    return f"sample process inventory: {len(processes)} processes, {len(DEPENDENCIES)} dependencies, {scored} round"


def _link_results(actor: Any, processes: dict[str, Process]) -> None:
    """Illustrative links from sample processes to the outputs of the sample plan (not an official mapping)."""
    plan = Framework.objects.filter(code="BDT-OP-SAMPLE").first()
    if plan is None:
        return
    nodes = list(ResultNode.objects.filter(framework=plan).order_by("path")[:4])
    if not nodes:
        return
    links = (("S-EVT-REG", 0, 3), ("S-EVT-VISA", 0, 2), ("S-FEL", 1, 3), ("S-RO-EVT", 1, 3), ("S-DOC-TRA", 2, 2),
             ("S-MEM-REG", 3, 2), ("S-PUB", 3, 1))  # fmt: skip
    for code, index, rating in links:
        services.impact_set(
            actor=actor, process=processes[code], node=nodes[index % len(nodes)], rating=rating,
            note="Illustrative link in sample data; not an official mapping.", reason=REASON,
        )  # fmt: skip
