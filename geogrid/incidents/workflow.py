"""The closed loop as an explicit state machine.

reported -> accepted (or rejected as invalid / duplicate) -> dispatched (to a department at
community, street or district level; ``escalate`` moves it up a level) -> handling (the department
has responded) -> handled -> verified by the grid worker (or returned for rework) -> closed ->
evaluated by the reporter. ``reopen`` brings a closed, evaluated or rejected incident back.

:func:`apply` is pure: it checks the action against the current state and returns the change to
store, or raises :class:`~geogrid.errors.IllegalTransition` without touching anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from geogrid.errors import IllegalTransition, InputError
from geogrid.incidents.taxonomy import LEVELS


class Status(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    HANDLED = "handled"
    VERIFIED = "verified"
    CLOSED = "closed"
    EVALUATED = "evaluated"


CLOSED_STATES = frozenset({Status.CLOSED, Status.EVALUATED})
REJECT_REASONS = ("invalid", "duplicate")


@dataclass(frozen=True)
class Action:
    """One kind of transition: where it may start, where it leads, which time it stamps."""

    name: str
    sources: frozenset[Status]
    target: Status | None  # None: the status stays (escalation)
    stamp: str | None = None


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", frozenset({Status.REPORTED}), Status.ACCEPTED, "accepted_at"),
        Action("reject", frozenset({Status.REPORTED}), Status.REJECTED, "closed_at"),
        Action("dispatch", frozenset({Status.ACCEPTED}), Status.DISPATCHED, "dispatched_at"),
        Action("escalate", frozenset({Status.DISPATCHED, Status.HANDLING}), None),
        Action("respond", frozenset({Status.DISPATCHED}), Status.HANDLING, "responded_at"),
        Action("finish", frozenset({Status.HANDLING}), Status.HANDLED, "handled_at"),
        Action("verify", frozenset({Status.HANDLED}), Status.VERIFIED, "verified_at"),
        Action("return_for_rework", frozenset({Status.HANDLED}), Status.HANDLING),
        Action("close", frozenset({Status.VERIFIED}), Status.CLOSED, "closed_at"),
        Action("evaluate", frozenset({Status.CLOSED}), Status.EVALUATED, "evaluated_at"),
        Action(
            "reopen",
            frozenset({Status.CLOSED, Status.EVALUATED, Status.REJECTED}),
            Status.ACCEPTED,
        ),
    )
}


@dataclass(frozen=True)
class State:
    """What the workflow needs to know of an incident."""

    status: Status
    level: str | None = None
    department: str | None = None
    rework_count: int = 0
    reopen_count: int = 0
    escalation_count: int = 0


@dataclass(frozen=True)
class Change:
    """The result of a legal transition: the new state and the columns to write."""

    action: str
    before: State
    after: State
    values: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def allowed_actions(status: Status | str) -> list[str]:
    """The actions legal from ``status``, in workflow order."""
    current = Status(status)
    return [a.name for a in ACTIONS.values() if current in a.sources]


def apply(
    state: State,
    action: str,
    *,
    at: datetime,
    incident: str | int | None = None,
    department: str | None = None,
    level: str | None = None,
    reason: str | None = None,
    satisfied: bool | None = None,
) -> Change:
    """Check ``action`` against ``state`` and return the change; IllegalTransition if refused."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise InputError(
            f"unknown workflow action {action!r}; expected one of {list(ACTIONS)}", field="action"
        )
    who = f"incident {incident}: " if incident is not None else ""
    if state.status not in spec.sources:
        allowed = ", ".join(sorted(s.value for s in spec.sources))
        raise IllegalTransition(
            f"{who}cannot {action} an incident that is {state.status.value}; "
            f"{action} is allowed only from {allowed}"
        )
    after = replace(state, status=spec.target or state.status)
    values: dict[str, Any] = {spec.stamp: at} if spec.stamp else {}
    details: dict[str, Any] = {}
    if action == "reject":
        if reason not in REJECT_REASONS:
            raise InputError(
                f"{who}a rejection needs a reason: one of {REJECT_REASONS}", field="reason"
            )
        details["reason"] = reason
    elif action == "dispatch":
        after, details = _dispatch(state, after, department=department, level=level, who=who)
    elif action == "escalate":
        after, details = _escalate(state, after, who=who)
    elif action == "return_for_rework":
        after = replace(after, rework_count=state.rework_count + 1)
    elif action == "evaluate":
        if satisfied is None:
            raise InputError(f"{who}an evaluation needs satisfied=true or false", field="satisfied")
        values["satisfied"] = bool(satisfied)
        details["satisfied"] = bool(satisfied)
    elif action == "reopen":
        after = replace(after, status=Status.REPORTED) if state.status == Status.REJECTED else after
        after = replace(after, reopen_count=state.reopen_count + 1)
        values |= dict.fromkeys(
            ("handled_at", "verified_at", "closed_at", "evaluated_at", "satisfied")
        )
    values |= {
        "status": after.status.value,
        "dispatch_level": after.level,
        "department": after.department,
        "rework_count": after.rework_count,
        "reopen_count": after.reopen_count,
        "escalation_count": after.escalation_count,
    }
    return Change(action, state, after, values, details)


def _dispatch(
    state: State, after: State, *, department: str | None, level: str | None, who: str
) -> tuple[State, dict[str, Any]]:
    department = department or state.department
    level = level or state.level
    if not department:
        raise InputError(f"{who}a dispatch needs a department", field="department")
    if level not in LEVELS:
        raise InputError(f"{who}dispatch level {level!r} is not one of {LEVELS}", field="level")
    return replace(after, department=department, level=level), {
        "department": department,
        "level": level,
    }


def _escalate(state: State, after: State, *, who: str) -> tuple[State, dict[str, Any]]:
    current = state.level or LEVELS[0]
    index = LEVELS.index(current)
    if index + 1 >= len(LEVELS):
        raise IllegalTransition(
            f"{who}cannot escalate: already dispatched at {current} level, the top"
        )
    upper = LEVELS[index + 1]
    return (
        replace(after, level=upper, escalation_count=state.escalation_count + 1),
        {"from_level": current, "to_level": upper},
    )
