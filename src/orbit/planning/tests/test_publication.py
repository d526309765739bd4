"""Evidence published outside sign-in: only with ORBIT_PUBLIC_URL, only what may be published, at an address
that cannot be guessed; a photo as its thumbnail."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orbit.core.context import audit_context
from orbit.organisation.services import system_actor
from orbit.planning import publication, selectors, services
from orbit.planning.models import Evidence
from orbit.planning.tests.factories import make_activity, make_update, move_update, png_upload

pytestmark = pytest.mark.django_db

PUBLIC = "https://orbit.example.org"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ORBIT_PUBLIC_URL = PUBLIC


def add_evidence(update, name="photo.png", upload=None, **values):
    values.setdefault("caption", {"en": f"Caption of {name}"})
    with audit_context(source="cli", reason="test data"):
        return services.evidence_add(actor=system_actor(), update=update, upload=upload or png_upload(name), **values)


def located_photo() -> SimpleUploadedFile:
    """A JPEG whose EXIF holds a GPS position (kept when the uploader asks)."""
    from orbit.planning.tests.test_media import jpeg

    return SimpleUploadedFile("located.jpg", jpeg((320, 240), gps=True), content_type="image/jpeg")


@pytest.fixture
def world(tree, media):
    activity = make_activity(tree.dept_a, "Published work")
    approved = make_update(activity=activity, text="Done")
    shown = add_evidence(approved, "shown.png")
    hidden = add_evidence(approved, "hidden.png", identifiable_people=True)
    consented = add_evidence(approved, "consented.png", identifiable_people=True, consent=True)
    located = add_evidence(approved, "located.jpg", upload=located_photo(), keep_gps=True)
    withdrawn = add_evidence(approved, "withdrawn.png")
    with audit_context(source="cli", reason="test data"):
        services.evidence_archive(actor=system_actor(), evidence=withdrawn, expected_version=1, reason="Not this one")
    approved = move_update(approved, "submit", "approve")
    draft = make_update(activity=activity, text="Not yet")
    unapproved = add_evidence(draft, "draft.png")
    return {"activity": activity, "shown": shown, "hidden": hidden, "consented": consented, "located": located,
            "withdrawn": withdrawn, "unapproved": unapproved}  # fmt: skip


def public_path(evidence: Evidence) -> str:
    return publication.public_url(evidence).removeprefix(PUBLIC)


def test_only_publishable_evidence_of_approved_updates_is_served_without_sign_in(world):
    anonymous = Client()
    shown = world["shown"]
    response = anonymous.get(public_path(shown))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "public, max-age=3600"
    body = b"".join(response.streaming_content)
    with open(shown.thumbnail.path, "rb") as thumbnail:
        assert body == thumbnail.read()  # the thumbnail, never the original
    with open(shown.file.path, "rb") as original:
        assert body != original.read()
    assert anonymous.get(public_path(world["consented"])).status_code == 200
    assert Evidence.all_objects.get(pk=world["located"].pk).gps_kept
    # Nobody's consent, GPS kept, archived before approval, update not approved:
    for name in ("hidden", "located", "withdrawn", "unapproved"):
        assert anonymous.get(public_path(world[name])).status_code == 404, name
    published = selectors.evidence_published_by_activity([world["activity"].pk])
    assert [e.pk for e in published[world["activity"].pk]] == [shown.pk, world["consented"].pk]


def test_the_address_cannot_be_guessed_and_nothing_is_served_without_a_public_url(world, settings):
    shown = world["shown"]
    assert Client().get(f"/public/evidence/{shown.pk}/{'0' * 32}").status_code == 404
    other = world["consented"]
    assert Client().get(f"/public/evidence/{shown.pk}/{publication.token(other.pk)}").status_code == 404
    settings.ORBIT_PUBLIC_URL = ""
    assert not publication.enabled()
    assert Client().get(public_path(shown)).status_code == 404


def test_a_manager_withdraws_approved_evidence_and_publication_stops_at_once(world, tree):
    from orbit.core.errors import PermissionDenied
    from orbit.organisation.tests.factories import grant, make_user

    shown = Evidence.objects.select_related("update").get(pk=world["shown"].pk)  # as a request reads it: approved
    path = public_path(shown)
    assert Client().get(path).status_code == 200
    contributor, manager = make_user("dept-a.contrib"), make_user("dept-a.manager")
    grant(contributor, tree.dept_a, "contributor")
    grant(manager, tree.dept_a, "manager")
    with audit_context(source="cli", reason="test"), pytest.raises(PermissionDenied):
        services.evidence_archive(actor=contributor, evidence=shown, expected_version=1, reason="Mine")

    web = Client()
    web.force_login(manager)
    update_page = web.get(f"/plan/updates/{shown.update_id}/").content.decode()
    assert f"/plan/evidence/{shown.pk}/remove/" in update_page and "Withdraw" in update_page
    page = web.get(f"/plan/evidence/{shown.pk}/remove/").content.decode()
    assert "no longer published" in page
    response = web.post(f"/plan/evidence/{shown.pk}/remove/", {"version": 1, "reason": "Consent withdrawn"})
    assert response.status_code == 302
    withdrawn = Evidence.all_objects.get(pk=shown.pk)
    assert withdrawn.archived_at is not None and withdrawn.archive_reason == "Consent withdrawn"
    assert Client().get(path).status_code == 404  # the public address answers no more
    assert shown.pk not in [e.pk for e in selectors.evidence_published_by_activity([world["activity"].pk])[
        world["activity"].pk]]
