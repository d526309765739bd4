"""Reads of the inventory: the cached dependency graph and its invalidation, impact analysis, query counts."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orbit.core.context import audit_context
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes import selectors, services

pytestmark = pytest.mark.django_db


def make_process(unit, code, **values):
    with audit_context(source="cli", reason="test data"):
        return services.process_create(actor=system_actor(), owner_unit=unit, code=code, name={"en": code}, **values)


def link(source, target, kind="hands_over"):
    with audit_context(source="cli", reason="test data"):
        return services.dependency_create(actor=system_actor(), source=source, target=target, kind=kind)


def test_the_graph_is_kept_until_a_write_and_rebuilt_after_it(tree):
    a, b, c = (make_process(tree.dept_a, code) for code in "ABC")
    link(a, b)
    first = selectors.load_graph()
    assert selectors.load_graph() is first  # nothing written since: the same object
    with CaptureQueriesContext(connection) as queries:
        selectors.load_graph()
    assert len(queries.captured_queries) == 1  # only the audit chain's head
    link(b, c)
    second = selectors.load_graph()
    assert second is not first
    assert [r.node for r in second.impact(a.pk).downstream] == [b.pk, c.pk]
    assert [r.node for r in first.impact(a.pk).downstream] == [b.pk]


def test_archived_processes_leave_the_graph(tree):
    a, b = make_process(tree.dept_a, "A"), make_process(tree.dept_a, "B")
    dependency = link(a, b)
    with audit_context(source="cli", reason="test"):
        services.dependency_archive(actor=system_actor(), dependency=dependency, expected_version=1, reason="gone")
    assert selectors.load_graph().impact(a.pk).downstream == []
    with audit_context(source="cli", reason="test"):
        services.process_archive(actor=system_actor(), process=b, expected_version=1, reason="gone")
    assert b.pk not in selectors.load_graph()


def test_impact_analysis_costs_the_same_queries_for_a_few_or_many_processes(tree):
    reader = make_user("reader")
    grant(reader, tree.dept_b, "viewer")
    processes = [make_process(tree.dept_a, f"P{i}") for i in range(30)]
    link(processes[0], processes[1])
    selectors.impact_analysis(user=reader, process=processes[0])  # the reader's units, read once per request
    with CaptureQueriesContext(connection) as few:
        impact, found = selectors.impact_analysis(user=reader, process=processes[0])
    assert [r.node for r in impact.downstream] == [processes[1].pk] and len(found) == 2
    for source, target in itertools.pairwise(processes[1:]):
        link(source, target)
    selectors.load_graph()
    with CaptureQueriesContext(connection) as many:
        impact, found = selectors.impact_analysis(user=reader, process=processes[0])
    assert len(impact.downstream) == 29 and len(found) == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_user_without_a_unit_reads_nothing(tree):
    from orbit.core.errors import PermissionDenied

    make_process(tree.dept_a, "A")
    with pytest.raises(PermissionDenied):
        list(selectors.process_list(user=make_user("nobody")))


def test_process_detail_query_count_does_not_grow_with_what_hangs_from_it(tree):
    reader = make_user("reader")
    grant(reader, tree.dept_a, "viewer")
    hub = make_process(tree.dept_a, "HUB")
    make_process(tree.dept_a, "X")
    selectors.process_detail(user=reader, pk=hub.pk)  # the reader's units, read once per request
    with CaptureQueriesContext(connection) as small:
        selectors.process_detail(user=reader, pk=hub.pk)
    for index in range(8):
        other = make_process(tree.dept_b, f"O{index}")
        link(hub, other)
        link(other, hub, "messages")
        make_process(tree.dept_a, f"HUB.{index}", parent=hub, level=4)
    with CaptureQueriesContext(connection) as large:
        detail = selectors.process_detail(user=reader, pk=hub.pk)
    assert len(detail.dependencies_out) == 8 and len(detail.children) == 8
    assert len(large.captured_queries) == len(small.captured_queries)
