"""Template filters that make the audit log readable."""

from __future__ import annotations

from django.utils import translation

from orbit.core.templatetags.orbit_tags import field_label, object_type_label


def test_changed_fields_show_their_translated_names():
    assert field_label("is_sample", "organisation.orgunit") == "sample data"
    assert field_label("time_aggregation", "results.indicator") == "aggregation over time"
    with translation.override("zh-hans"):
        assert field_label("code", "organisation.orgunit") != "code"
    assert field_label("archived", "organisation.orgunit") == "archived"  # a pseudo-field keeps its name
    assert field_label("x", "nowhere.model") == "x"


def test_object_types_fall_back_to_the_models_name():
    assert object_type_label("results.resultnode") == "result node"
    assert object_type_label("nowhere.model") == "nowhere.model"
