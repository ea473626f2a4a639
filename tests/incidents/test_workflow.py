"""The state machine, without a database: every legal and every illegal transition."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geogrid.errors import IllegalTransition, InputError
from geogrid.incidents.workflow import ACTIONS, State, Status, allowed_actions, apply

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PARAMS = {
    "reject": {"reason": "duplicate"},
    "dispatch": {"department": "城市管理局", "level": "community"},
    "evaluate": {"satisfied": True},
}
# The workflow as the domain describes it, written out here (not read from the implementation):
# (status before, action) -> status after. Every pair not listed must be refused.
TRANSITIONS = {
    ("reported", "accept"): "accepted",
    ("reported", "reject"): "rejected",
    ("accepted", "dispatch"): "dispatched",
    ("dispatched", "escalate"): "dispatched",
    ("handling", "escalate"): "handling",
    ("dispatched", "respond"): "handling",
    ("handling", "finish"): "handled",
    ("handled", "verify"): "verified",
    ("handled", "return_for_rework"): "handling",
    ("verified", "close"): "closed",
    ("closed", "evaluate"): "evaluated",
    ("closed", "reopen"): "accepted",
    ("evaluated", "reopen"): "accepted",
    ("rejected", "reopen"): "reported",
}
STAMPS = {
    "accept": "accepted_at",
    "reject": "closed_at",
    "dispatch": "dispatched_at",
    "respond": "responded_at",
    "finish": "handled_at",
    "verify": "verified_at",
    "close": "closed_at",
    "evaluate": "evaluated_at",
}
STATUSES = [
    "reported", "accepted", "rejected", "dispatched", "handling", "handled", "verified",
    "closed", "evaluated",
]  # fmt: skip
ACTION_NAMES = sorted({action for _, action in TRANSITIONS})
LEGAL = sorted(TRANSITIONS)
ILLEGAL = [(s, a) for s in STATUSES for a in ACTION_NAMES if (s, a) not in TRANSITIONS]


def _state(status: Status) -> State:
    return State(status, level="community", department="城市管理局")


def test_the_implementation_has_exactly_these_states_and_actions() -> None:
    assert [s.value for s in Status] == STATUSES
    assert sorted(ACTIONS) == ACTION_NAMES
    assert len(LEGAL) == 14 and len(ILLEGAL) == 9 * 11 - 14


@pytest.mark.parametrize(("status", "action"), LEGAL)
def test_every_legal_transition_is_applied(status: str, action: str) -> None:
    change = apply(_state(Status(status)), action, at=AT, **PARAMS.get(action, {}))
    expected = TRANSITIONS[(status, action)]
    assert change.after.status == expected
    assert change.values["status"] == expected
    if action in STAMPS:
        assert change.values[STAMPS[action]] == AT


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_illegal_transition_is_refused(status: str, action: str) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot {action} an incident that is {status}"):
        apply(_state(Status(status)), action, at=AT, incident=7, **PARAMS.get(action, {}))


def test_allowed_actions_match_the_table() -> None:
    assert allowed_actions("reported") == ["accept", "reject"]
    assert allowed_actions(Status.HANDLED) == ["verify", "return_for_rework"]
    assert set(allowed_actions("closed")) == {"evaluate", "reopen"}


def test_escalation_moves_up_to_district_and_no_further() -> None:
    state = _state(Status.DISPATCHED)
    street = apply(state, "escalate", at=AT).after
    district = apply(street, "escalate", at=AT).after
    assert (street.level, district.level) == ("street", "district")
    assert district.escalation_count == 2
    with pytest.raises(IllegalTransition, match="already dispatched at district level"):
        apply(district, "escalate", at=AT)


def test_rework_and_reopen_are_counted() -> None:
    handled = _state(Status.HANDLED)
    back = apply(handled, "return_for_rework", at=AT)
    assert back.after.status == Status.HANDLING and back.after.rework_count == 1
    reopened = apply(_state(Status.EVALUATED), "reopen", at=AT)
    assert reopened.after.status == Status.ACCEPTED and reopened.after.reopen_count == 1
    assert reopened.values["closed_at"] is None and reopened.values["satisfied"] is None


@pytest.mark.parametrize(
    ("status", "action", "params", "field"),
    [
        (Status.REPORTED, "reject", {"reason": "boring"}, "reason"),
        (Status.ACCEPTED, "dispatch", {"level": "community"}, "department"),
        (Status.ACCEPTED, "dispatch", {"department": "x", "level": "city"}, "level"),
        (Status.CLOSED, "evaluate", {}, "satisfied"),
        (Status.CLOSED, "fly", {}, "action"),
    ],
)
def test_missing_or_bad_parameters_name_the_field(
    status: Status, action: str, params: dict[str, object], field: str
) -> None:
    state = State(status)
    with pytest.raises(InputError) as info:
        apply(state, action, at=AT, **params)
    assert info.value.field == field
