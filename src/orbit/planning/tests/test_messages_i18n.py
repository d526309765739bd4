"""Planning's refusals come out in the language active when they are raised."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orbit.core.context import audit_context
from orbit.organisation.tests.factories import grant, make_user
from orbit.planning import services
from orbit.results.tests.factories import make_framework, make_node

pytestmark = pytest.mark.django_db


def test_a_result_that_is_no_sdg_target_is_refused_in_the_active_language(tree):
    planner = make_user("planner")
    grant(planner, tree.dept_a, "contributor")
    output = make_node(make_framework(tree.bdt, "OP"), "Output")

    def refusal() -> list[str]:
        with audit_context(source="web"), pytest.raises(ValidationError) as caught:
            services.activity_create(
                actor=planner, responsible_unit=tree.dept_a, title={"en": "Workshop"},
                planned_start=dt.date(2025, 1, 1), sdg_targets=[output],
            )  # fmt: skip
        return caught.value.message_dict["sdg_targets"]

    with translation.override("fr"):
        assert refusal() == [f"{output} n'est pas une cible des ODD."]
    assert refusal() == [f"{output} is not an SDG target."]
