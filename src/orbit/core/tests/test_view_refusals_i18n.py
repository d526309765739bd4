"""A view's own refusal reaches the 403 answer in the reader's language, not in English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from orbit.organisation.tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_viewer(client, tree):
    """A viewer of DEPT-A (no change or admin right anywhere) who chose French in the language switcher."""
    user = make_user("dept-a-viewer")
    grant(user, tree.dept_a, "viewer")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    return client


def refusal(response) -> str:
    """The message the 403 handler received (Django passes it to the 403 template as ``exception``), which the
    page shows to the reader."""
    assert response.status_code == 403
    message = str(response.context["exception"])
    assert f'<p class="notice" id="refusal">{escape(message)}</p>' in response.content.decode()
    return message


def test_the_process_import_page_refuses_in_french(french_viewer):
    message = refusal(french_viewer.get(reverse("processes:upload")))
    assert message == "Il vous faut le droit « modification » sur une unité pour importer des processus."


def test_a_refusal_naming_the_unit_is_french_around_the_unit_code(french_viewer, tree):
    message = refusal(french_viewer.get(reverse("organisation:unit-edit", args=[tree.dept_a.pk])))
    assert message == "Il vous faut le droit « administration » sur DEPT-A pour la modifier."


def test_the_same_refusal_stays_english_for_an_english_reader(client, tree):
    user = make_user("dept-a-viewer")
    grant(user, tree.dept_a, "viewer")
    client.force_login(user)
    message = refusal(client.get(reverse("processes:upload")))
    assert message == "You need the change right on a unit to import processes."
