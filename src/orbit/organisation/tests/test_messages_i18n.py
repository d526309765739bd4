"""The services' refusals come out in the language active when they are raised."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orbit.organisation.services import org_unit_archive

pytestmark = pytest.mark.django_db


def test_archiving_a_unit_with_children_is_refused_in_the_active_language(tree, system_actor, cli_context):
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        org_unit_archive(actor=system_actor, unit=tree.bdt, expected_version=tree.bdt.version, reason="test")
    message = caught.value.message_dict["children"][0]
    assert message == "Archivez d'abord ses 2 unités subordonnées actives."

    with pytest.raises(ValidationError) as caught:  # the same refusal in the default language
        org_unit_archive(actor=system_actor, unit=tree.dept_a, expected_version=tree.dept_a.version, reason="test")
    assert caught.value.message_dict["children"] == ["Archive its 1 active child unit first."]


def test_the_common_refusals_of_require_name_the_right_and_the_record_in_the_active_language(tree):
    from orbit.core.errors import NotFound, PermissionDenied
    from orbit.organisation.access import require
    from orbit.organisation.tests.factories import grant, make_user

    viewer = make_user("fr.viewer")
    grant(viewer, tree.dept_a, "viewer")
    with translation.override("fr"):
        with pytest.raises(PermissionDenied) as denied:
            require(viewer, "change", tree.dept_a.path, noun="process")
        assert str(denied.value) == "Il vous faut ici le droit «\u00a0modification\u00a0» pour faire cela."
        with pytest.raises(NotFound) as missing:
            require(viewer, "change", tree.dept_b.path, noun="activity")
        assert str(missing.value) == "Introuvable\u00a0: activité."
    with pytest.raises(PermissionDenied) as denied:
        require(viewer, "approve", tree.dept_a.path, noun="value")
    assert str(denied.value) == "You need the approve right here to do this."
