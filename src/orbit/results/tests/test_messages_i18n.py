"""The results engine's refusals come out in the language active when they are raised."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orbit.results.services import target_create
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
Y2025 = {"period_type": "annual", "period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31)}


def test_a_target_that_is_not_a_number_is_refused_in_the_active_language(tree, system_actor, cli_context):
    indicator = make_indicator(make_node(make_framework(tree.bdt), "A"))
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        target_create(actor=system_actor, indicator=indicator, value="douze", **Y2025)
    assert caught.value.message_dict["value"] == ["«\u00a0douze\u00a0» n'est pas un nombre."]
    with pytest.raises(ValidationError) as caught:
        target_create(actor=system_actor, indicator=indicator, value="twelve", **Y2025)
    assert caught.value.message_dict["value"] == ["“twelve” is not a number."]
