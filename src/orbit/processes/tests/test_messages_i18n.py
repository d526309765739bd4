"""The inventory's refusals come out in the language active when they are raised, never in the language of
whoever happened to raise them first."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orbit.organisation.services import system_actor
from orbit.processes import services
from orbit.processes.bpmn import BpmnError, parse_bpmn

pytestmark = pytest.mark.django_db


def test_refusals_follow_the_active_language(tree):
    def refusal() -> list[str]:
        with pytest.raises(ValidationError) as caught:
            services.dictionary_entry_create(actor=system_actor(), dictionary="colours", code="RED")
        return caught.value.message_dict["dictionary"]

    with translation.override("fr"):
        assert refusal() == ["Dictionnaire inconnu\u00a0: «\u00a0colours\u00a0»."]
        with pytest.raises(BpmnError) as caught:  # the reader's messages are kept in a table made at import
            parse_bpmn(b"  ", source="vide.bpmn")
        assert str(caught.value) == "vide.bpmn\u00a0: le fichier est vide."
    assert refusal() == ["Unknown dictionary “colours”."]
    with pytest.raises(BpmnError, match=r"^vide\.bpmn: the file is empty\.$"):
        parse_bpmn(b"  ", source="vide.bpmn")
