"""The access matrix: every API endpoint, role and relation of the target unit to the role's unit.

The expected outcome of each cell comes from the small rule table below, not from the
code under test; every cell then runs through the API and the test lists the cells
where the two disagree.  The list must be empty.

Tree (the ``tree`` fixture): ITU → BDT → {DEPT-A → DIV-A1, DEPT-B}.  Unit roles are held
on DEPT-A, so the target unit is DEPT-A (own), DIV-A1 (descendant), DEPT-B (sibling)
or BDT (ancestor).  Each cell runs in a transaction that is rolled back afterwards, so
cells never see each other's writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.services import membership_archive, org_unit_archive, system_actor
from orbit.organisation.tests.factories import grant, make_user

pytestmark = pytest.mark.django_db

# --- the rule table ---------------------------------------------------------------------------

UNIT_ROLES = ("viewer", "contributor", "manager", "admin")
ROLES = (*UNIT_ROLES, "auditor", "none", "superuser")
RELATIONS = ("own", "descendant", "sibling", "ancestor")

#: A unit role's rank, and the rank each right needs.
RANK = {"viewer": 1, "contributor": 2, "manager": 3, "admin": 4}
NEEDS = {"view": 1, "change": 2, "approve": 3, "admin": 4}

#: Roles inherit downwards only: a role on a unit covers the unit and its descendants.
COVERED = {"own": True, "descendant": True, "sibling": False, "ancestor": False}


@dataclass(frozen=True)
class Rule:
    kind: str  # list | read | write | create | users-list | users-create | audit-list
    see: str = "view"  # the right needed to see the target (for create: to see the parent unit)
    do: str = "view"  # the right needed to perform the action


RULES: dict[tuple[str, str], Rule] = {
    ("org-units", "list"): Rule("list"),
    ("org-units", "retrieve"): Rule("read"),
    ("org-units", "history"): Rule("read"),
    ("org-units", "create"): Rule("create", see="view", do="admin"),
    ("org-units", "update"): Rule("write", see="view", do="admin"),
    ("org-units", "archive"): Rule("write", see="view", do="admin"),
    ("org-units", "restore"): Rule("write", see="view", do="admin"),
    # Memberships on a unit are seen and managed by the unit's administrators (and the member).
    ("memberships", "list"): Rule("list", see="admin"),
    ("memberships", "retrieve"): Rule("read", see="admin"),
    ("memberships", "history"): Rule("read", see="admin"),
    ("memberships", "create"): Rule("create", see="view", do="admin"),
    ("memberships", "update"): Rule("write", see="admin", do="admin"),
    ("memberships", "archive"): Rule("write", see="admin", do="admin"),
    ("memberships", "restore"): Rule("write", see="admin", do="admin"),
    # Users: administrators (of any unit) and auditors see every user, others only themselves;
    # administrators create users.  The relation does not matter for users, the cells check that.
    ("users", "list"): Rule("users-list"),
    ("users", "create"): Rule("users-create"),
    # The audit log: auditors and superusers read all of it, nobody else any of it.
    ("audit-events", "list"): Rule("audit-list"),
}


def reads(role: str, right: str, relation: str, dormant: bool) -> bool:
    """The auditor reads everything; a unit role reads what it covers at the needed rank."""
    if role in ("superuser", "auditor"):
        return True
    if role == "none" or dormant:
        return False
    return COVERED[relation] and RANK[role] >= NEEDS[right]


def does(role: str, right: str, relation: str, dormant: bool) -> bool:
    """The auditor changes nothing; a unit role acts where it covers at the needed rank."""
    if role == "superuser":
        return True
    if role in ("auditor", "none") or dormant:
        return False
    return COVERED[relation] and RANK[role] >= NEEDS[right]


def expected(rule: Rule, role: str, relation: str, dormant: bool) -> str:
    """The outcome the rules give: a status with the audit rows written, or listed/hidden for lists.

    ``dormant``: the role's own unit is archived in this cell, and a role on an archived unit
    grants nothing.  Out of view scope → 404 (a body reference to such a unit reads like an
    unknown id → 400); in view scope without the right → 403; allowed → 2xx and one audit row.
    """
    if rule.kind == "list":
        return "listed" if reads(role, rule.see, relation, dormant) else "hidden"
    if rule.kind == "read":
        return "200" if reads(role, rule.see, relation, dormant) else "404"
    if rule.kind in ("write", "create"):
        ok = "201" if rule.kind == "create" else "200"
        if does(role, rule.do, relation, dormant):
            return f"{ok} +1 event"
        if reads(role, rule.see, relation, dormant):
            return "403 +0 events"
        return "400 +0 events" if rule.kind == "create" else "404 +0 events"
    if rule.kind == "users-list":
        return "listed" if role in ("superuser", "auditor", "admin") else "hidden"
    if rule.kind == "users-create":
        return "201 +1 event" if role in ("superuser", "admin") else "403 +0 events"
    if rule.kind == "audit-list":
        return "listed" if role in ("superuser", "auditor") else "hidden"
    raise AssertionError(rule.kind)


# --- the data ---------------------------------------------------------------------------------


@dataclass
class World:
    units: dict[str, OrgUnit]  # relation → target unit
    role_unit: OrgUnit
    actors: dict[str, Any]  # role → user
    tokens: dict[str, str]  # role → API token
    subjects: dict[str, Any]  # relation → a user holding a role on the target unit
    memberships: dict[str, Membership]  # relation → that user's membership
    newcomer: Any  # a user without any role, to be granted one


@pytest.fixture
def world(tree) -> World:
    units = {"own": tree.dept_a, "descendant": tree.div_a1, "sibling": tree.dept_b, "ancestor": tree.bdt}
    actors: dict[str, Any] = {}
    for role in UNIT_ROLES:
        actors[role] = make_user(f"actor-{role}")
        grant(actors[role], tree.dept_a, role)
    actors["auditor"] = make_user("actor-auditor")
    grant(actors["auditor"], None, "auditor")
    actors["none"] = make_user("actor-none")
    actors["superuser"] = make_user("actor-superuser", is_superuser=True)
    subjects = {relation: make_user(f"subject-{relation}") for relation in RELATIONS}
    memberships = {relation: grant(subjects[relation], units[relation], "viewer") for relation in RELATIONS}
    tokens = {role: Token.objects.create(user=user).key for role, user in actors.items()}
    return World(units, tree.dept_a, actors, tokens, subjects, memberships, make_user("newcomer"))


def _archive_subtree(unit: OrgUnit, *, include_self: bool) -> set[int]:
    """Archive ``unit``'s active descendants deepest first (and ``unit`` itself); returns their ids."""
    targets = list(OrgUnit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).order_by("-depth"))
    if include_self:
        targets.append(unit)
    with audit_context(source="cli", reason="access matrix set-up"):
        for target in targets:
            fresh = OrgUnit.all_objects.get(pk=target.pk)
            org_unit_archive(actor=system_actor(), unit=fresh, expected_version=fresh.version, reason="set-up")
    return {target.pk for target in targets}


def prepare(world: World, resource: str, action: str, relation: str) -> set[int]:
    """Bring the target into the state the action needs; returns the ids of units archived."""
    target = world.units[relation]
    if resource == "org-units" and action == "archive":
        return _archive_subtree(target, include_self=False)  # a unit with active children cannot be archived
    if resource == "org-units" and action == "restore":
        return _archive_subtree(target, include_self=True)
    if resource == "memberships" and action == "restore":
        membership = world.memberships[relation]
        with audit_context(source="cli", reason="access matrix set-up"):
            membership_archive(
                actor=system_actor(), membership=membership, expected_version=membership.version, reason="set-up"
            )
    return set()


def _ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def run(world: World, resource: str, action: str, role: str, relation: str) -> str:
    """Call the API for one cell and describe what happened in the rule table's terms."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    unit = world.units[relation]
    membership = world.memberships[relation]
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    if resource == "org-units":
        target: Any = OrgUnit.all_objects.get(pk=unit.pk)
        base = f"/api/org-units/{unit.pk}/"
    else:
        target = Membership.all_objects.get(pk=membership.pk)
        base = f"/api/memberships/{membership.pk}/"
    if_match = {"HTTP_IF_MATCH": f'"{target.version}"'}

    listing = None
    if (resource, action) == ("org-units", "list"):
        listing = (client.get("/api/org-units/", {"page_size": 500}), unit.pk)
    elif (resource, action) == ("memberships", "list"):
        listing = (client.get("/api/memberships/", {"page_size": 500}), membership.pk)
    elif (resource, action) == ("users", "list"):
        listing = (client.get("/api/users/", {"page_size": 500}), world.subjects[relation].pk)
    elif (resource, action) == ("audit-events", "list"):
        response = client.get("/api/audit-events/", {"object_type": "organisation.orgunit", "object_id": str(unit.pk)})
        if response.status_code != 200:
            return str(response.status_code)
        return "listed" if response.json()["results"] else "hidden"
    if listing is not None:
        response, wanted = listing
        if response.status_code != 200:
            return str(response.status_code)
        return "listed" if wanted in _ids(response) else "hidden"

    if action in ("retrieve", "history"):
        response = client.get(base if action == "retrieve" else base + "history/")
        return str(response.status_code)

    if (resource, action) == ("org-units", "create"):
        payload = {"code": "MATRIX-NEW", "name": {"en": "New unit"}, "type": "division", "parent": unit.pk}
        response = client.post("/api/org-units/", payload, format="json")
    elif (resource, action) == ("memberships", "create"):
        payload = {"user": world.newcomer.pk, "unit": unit.pk, "role": "viewer"}
        response = client.post("/api/memberships/", payload, format="json")
    elif (resource, action) == ("users", "create"):
        response = client.post("/api/users/", {"username": "matrix-new-user"}, format="json")
    elif action == "update":
        payload = {"city": "Elsewhere"} if resource == "org-units" else {"role": "contributor"}
        response = client.patch(base, payload, format="json", **if_match)
    elif action == "archive":
        response = client.post(base + "archive/", {"reason": "access matrix"}, format="json", **if_match)
    elif action == "restore":
        response = client.post(base + "restore/", {}, format="json", **if_match)
    else:
        raise AssertionError((resource, action))

    events = list(AuditEvent.objects.filter(seq__gt=before))
    if any(event.source != "api" or event.actor_id != world.actors[role].pk for event in events):
        return f"{response.status_code} with a misattributed audit row"
    return f"{response.status_code} +{len(events)} event{'' if len(events) == 1 else 's'}"


@pytest.mark.parametrize(("resource", "action"), list(RULES), ids=[f"{r}-{a}" for r, a in RULES])
def test_access_matrix(world, resource, action):
    rule = RULES[(resource, action)]
    mismatches = []
    cells = 0
    for role in ROLES:
        for relation in RELATIONS:
            with transaction.atomic():
                archived = prepare(world, resource, action, relation)
                dormant = world.role_unit.pk in archived
                want = expected(rule, role, relation, dormant)
                got = run(world, resource, action, role, relation)
                transaction.set_rollback(True)
            cells += 1
            if got != want:
                mismatches.append(f"{resource} {action} as {role} on {relation}: expected {want}, got {got}")
    assert cells == len(ROLES) * len(RELATIONS)
    print(f"{resource} {action}: {cells} cells, {len(mismatches)} mismatches", *mismatches, sep="\n")
    assert mismatches == [], "\n" + "\n".join(mismatches)


def test_rule_table_covers_every_endpoint_and_action():
    """The matrix must cover each action the brief lists; a new endpoint needs a row here."""
    wanted = {
        ("org-units", action) for action in ("list", "retrieve", "create", "update", "archive", "restore", "history")
    }
    wanted |= {
        ("memberships", action) for action in ("list", "retrieve", "create", "update", "archive", "restore", "history")
    }
    wanted |= {("users", "list"), ("users", "create"), ("audit-events", "list")}
    assert set(RULES) == wanted


def test_the_rule_table_says_what_the_issue_says():
    """A few cells spelt out by hand, so that a slip in the rule functions cannot hide a wrong API."""
    update = RULES[("org-units", "update")]
    assert expected(update, "admin", "descendant", False) == "200 +1 event"
    assert expected(update, "admin", "ancestor", False) == "404 +0 events"
    assert expected(update, "manager", "own", False) == "403 +0 events"
    assert expected(update, "auditor", "sibling", False) == "403 +0 events"
    assert expected(update, "superuser", "ancestor", False) == "200 +1 event"
    assert expected(RULES[("org-units", "retrieve")], "viewer", "sibling", False) == "404"
    assert expected(RULES[("org-units", "list")], "viewer", "descendant", False) == "listed"
    assert expected(RULES[("memberships", "retrieve")], "manager", "own", False) == "404"
    assert expected(RULES[("audit-events", "list")], "admin", "own", False) == "hidden"
