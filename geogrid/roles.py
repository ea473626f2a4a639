"""Roles and jurisdictions of API users (no web code: the CLI and the API both use these).

A jurisdiction is an NBS code prefix: a 6-digit district, 9-digit street or 12-digit community
code. Grid codes extend the community code, so "the code starts with the jurisdiction" is the one
rule that decides what a user sees.
"""

from __future__ import annotations

from enum import StrEnum

from geogrid.errors import InputError

JURISDICTION_LENGTHS = {6: "district", 9: "street", 12: "community"}


class Role(StrEnum):
    """What a user may do. Every role reads; writes depend on the role."""

    viewer = "viewer"
    analyst = "analyst"
    planner = "planner"
    dispatcher = "dispatcher"
    admin = "admin"


def parse_role(value: str) -> Role:
    """``value`` as a Role, or InputError naming the roles there are."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {value!r}; use one of {names}", field="role") from None


def check_jurisdiction(code: str) -> str:
    """``code`` if it is a 6-, 9- or 12-digit NBS code, else InputError saying what to give."""
    code = code.strip()
    if not (code.isascii() and code.isdigit() and len(code) in JURISDICTION_LENGTHS):
        raise InputError(
            f"jurisdiction {code!r} is not an NBS code; give a 6-digit district, 9-digit street "
            "or 12-digit community code",
            field="jurisdiction",
        )
    return code
