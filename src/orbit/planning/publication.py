"""Evidence published outside sign-in, and its public address (used by IATI document links).

Nothing is published unless ``ORBIT_PUBLIC_URL`` says where the public reaches this Orbit.  Then an item of
evidence is published while all of these hold (:func:`orbit.planning.selectors.evidence_published`):

* it is publishable: it shows nobody identifiable, or their consent to publish is on file;
* its uploader did not keep the GPS position in the file;
* it and its progress update are not archived, the update is approved, and its activity is not archived.

A photo is published as its thumbnail (at most 480 pixels, no metadata), never the original; documents and
videos as uploaded.  The address carries a token, an HMAC of the evidence's id keyed by the secret key, so the
published items cannot be listed by counting ids; withdrawing publication (archiving the item, or its update)
takes effect at once, and changing the secret key changes every address.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from orbit.planning.models import Evidence

_SALT = "orbit.planning.publication.evidence"


def enabled() -> bool:
    """Whether this Orbit publishes anything outside sign-in (``ORBIT_PUBLIC_URL`` is set)."""
    return bool(getattr(settings, "ORBIT_PUBLIC_URL", ""))


def token(evidence_id: int) -> str:
    return salted_hmac(_SALT, str(evidence_id), algorithm="sha256").hexdigest()[:32]


def token_matches(evidence_id: int, given: str) -> bool:
    return hmac.compare_digest(token(evidence_id), given)


def public_url(evidence: Evidence) -> str:
    """The absolute public address of ``evidence`` (which must be published: the caller checked)."""
    path = reverse("evidence-public", args=[evidence.pk, token(evidence.pk)])
    return f"{settings.ORBIT_PUBLIC_URL}{path}"


def served_type(evidence: Evidence) -> str:
    """The media type of what the public address serves: a photo's thumbnail (JPEG, or PNG when it has
    transparency), else the file's own type."""
    if evidence.kind == Evidence.Kind.PHOTO:
        return "image/png" if evidence.thumbnail.name.endswith(".png") else "image/jpeg"
    return evidence.content_type
