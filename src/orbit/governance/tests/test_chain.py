"""Verification of the chain against in-memory alterations (the CLI tests alter the database itself)."""

from __future__ import annotations

import copy

import pytest

from orbit.governance.chain import compute_hmac, verify_events
from orbit.governance.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(tree):
    return list(AuditEvent.objects.order_by("seq")), AuditChainHead.objects.get(pk=1)


def test_intact_chain_verifies(chain):
    events, head = chain
    result = verify_events(events, head)
    assert result.ok
    assert result.count == len(events) == head.seq
    assert result.head_hash == events[-1].hmac


@pytest.mark.parametrize("field,value", [("reason", "forged"), ("actor_username", "mallory"), ("changes_json", "{}")])
def test_altered_row_is_reported_at_its_seq(chain, field, value):
    events, head = chain
    forged = copy.copy(events[2])
    setattr(forged, field, value)
    events[2] = forged
    result = verify_events(events, head)
    assert not result.ok
    assert result.bad_seq == 3


def test_rehashed_row_still_breaks_the_next_link(chain):
    events, head = chain
    forged = copy.copy(events[1])
    forged.reason = "forged"
    forged.hmac = compute_hmac(forged)  # an attacker without the key cannot do this; with it, the link breaks
    events[1] = forged
    result = verify_events(events, head)
    assert result.bad_seq == 3


def test_removed_row_is_reported(chain):
    events, head = chain
    del events[3]
    assert verify_events(events, head).bad_seq == 4


def test_reordered_rows_are_reported(chain):
    events, head = chain
    events[1], events[2] = events[2], events[1]
    assert verify_events(events, head).bad_seq == 2


def test_truncated_tail_is_reported_against_the_head(chain):
    events, head = chain
    result = verify_events(events[:-1], head)
    assert not result.ok
    assert result.bad_seq == head.seq
