"""The review workflow shared by progress updates and indicator values.

    draft ──submit──▶ submitted ──approve──▶ approved
      ▲                  │  ▲                    │
      │               return│  │submit            │reopen (manager)
      │                  ▼  │                    ▼
      └──────────────── returned ◀──────────── draft

A contributor of the responsible unit writes and submits; a manager of that unit returns (with a note
saying what to fix) or approves; a manager may reopen an approved record, which sends it back to draft.
Records in a locked period refuse every transition and edit until a manager unlocks the period.

The table below is the whole rule: each transition names the right it needs on the record's unit
(``change`` for contributors, ``approve`` for managers) and whether the reviewer's note is required.
Services of each context call :func:`check_transition` and then write through the audited helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    right: str
    note_required: bool = False


TRANSITIONS: Final[dict[str, Transition]] = {
    t.name: t
    for t in (
        Transition("submit", (ReviewStatus.DRAFT, ReviewStatus.RETURNED), ReviewStatus.SUBMITTED, "change"),
        Transition("return", (ReviewStatus.SUBMITTED,), ReviewStatus.RETURNED, "approve", note_required=True),
        Transition("approve", (ReviewStatus.SUBMITTED,), ReviewStatus.APPROVED, "approve"),
        Transition("reopen", (ReviewStatus.APPROVED, ReviewStatus.RETURNED), ReviewStatus.DRAFT, "approve"),
    )
}

#: How each transition reads once done ("only draft records can be submitted").
DONE: Final = {
    "submit": _("submitted"),
    "return": _("returned"),
    "approve": _("approved"),
    "reopen": _("reopened"),
}

#: Statuses in which the author may still edit the content.
EDITABLE: Final = frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED})


def check_transition(name: str, current: str, note: str = "") -> Transition:
    """The transition ``name`` from ``current``, or a ValidationError naming what is wrong."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(
            {"action": _("Unknown action %(name)s; use one of: %(names)s.") % {"name": name,
                                                                               "names": ", ".join(TRANSITIONS)}}
        )  # fmt: skip
    if current not in transition.sources:
        allowed = ", ".join(str(ReviewStatus(s).label).lower() for s in transition.sources)
        raise ValidationError(
            {"status": _("This record is %(state)s: only %(allowed)s records can be %(done)s.")
             % {"state": str(ReviewStatus(current).label).lower(), "allowed": allowed, "done": DONE[name]}}
        )  # fmt: skip
    if transition.note_required and not (note or "").strip():
        raise ValidationError({"note": _("Say what needs to change: the author sees your note.")})
    return transition


def available_transitions(current: str) -> list[str]:
    return [t.name for t in TRANSITIONS.values() if current in t.sources]
