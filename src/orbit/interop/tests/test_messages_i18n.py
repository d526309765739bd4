"""The interop services' refusals come out in the language active when they are raised."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orbit.core.context import audit_context
from orbit.interop import services
from orbit.interop.models import IatiExport
from orbit.organisation.tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def test_an_unknown_organisation_type_is_refused_in_the_active_language(tree):
    reader = make_user("reader")
    grant(reader, tree.bdt, "viewer")

    def refusal() -> list[str]:
        with audit_context(source="web", reason="test"), pytest.raises(ValidationError) as caught:
            services.iati_export_request(
                actor=reader, prefix="XM-DAC-41120", reporting_org_ref="XM-DAC-41120", reporting_org_type="999"
            )
        return caught.value.message_dict["reporting_org_type"]

    with translation.override("fr"):
        assert refusal() == ["'999' n'est pas un type d'organisation IATI."]
    assert refusal() == ["'999' is not an IATI organisation type."]
    assert not IatiExport.objects.exists()
