"""API keys and the audit log: create, find, list and revoke keys; append audit entries.

A key reads ``gg_<key id>_<secret>``. The key id finds the row; the secret is checked against
a salted SHA-256 (keys are 192-bit random, so a slow hash adds nothing but latency per request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from geogrid.errors import Conflict, NotFound
from geogrid.roles import Role, check_jurisdiction
from geogrid.store._bind import fetch_all
from geogrid.store.access_tables import ApiKey, AuditEntry
from geogrid.store.tables import table_of, utcnow
from geogrid.store.versions import bump_data_version

KEYS_LAYER = "api_keys"
"""The data version moved by every revocation (a process may remember the keys it checked)."""

_KEYS = table_of(ApiKey)
_AUDIT = table_of(AuditEntry)
_PREFIX = "gg"


@dataclass(frozen=True)
class KeyRecord:
    """A key's owner, role and jurisdiction (never the secret)."""

    name: str
    role: Role
    jurisdiction: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def create_api_key(conn: Connection, *, name: str, role: Role, jurisdiction: str) -> str:
    """Store a new key for ``name`` and return it; it is shown once and never stored in clear.

    Raises Conflict when ``name`` already has a key, InputError for a bad jurisdiction.
    """
    jurisdiction = check_jurisdiction(jurisdiction)
    if conn.execute(select(_KEYS.c.id).where(_KEYS.c.name == name)).first():
        raise Conflict(f"user {name!r} already has a key; revoke it first or pick another name")
    key_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(24), secrets.token_hex(16)
    conn.execute(
        insert(_KEYS).values(
            name=name,
            key_id=key_id,
            salt=salt,
            key_hash=_digest(salt, secret),
            role=Role(role).value,
            jurisdiction=jurisdiction,
            created_at=utcnow(),
        )
    )
    return f"{_PREFIX}_{key_id}_{secret}"


def find_api_key(bind: Engine | Connection, key: str) -> KeyRecord | None:
    """The live (not revoked) key record ``key`` belongs to, or None."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        return None
    rows = fetch_all(bind, select(_KEYS).where(_KEYS.c.key_id == parts[1]))
    if not rows:
        return None
    row = rows[0]._mapping
    if row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["key_hash"], _digest(row["salt"], parts[2])):
        return None
    return _record(row)


def _record(row: Any) -> KeyRecord:
    return KeyRecord(
        name=row["name"],
        role=Role(row["role"]),
        jurisdiction=row["jurisdiction"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def list_api_keys(bind: Engine | Connection) -> list[KeyRecord]:
    """Every key ever issued, revoked ones included, by name."""
    return [_record(r._mapping) for r in fetch_all(bind, select(_KEYS).order_by(_KEYS.c.name))]


def revoke_api_key(conn: Connection, name: str) -> None:
    """Revoke the key of ``name`` (kept for the record); NotFound when there is no live key."""
    done = conn.execute(
        update(_KEYS)
        .where(_KEYS.c.name == name, _KEYS.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if not done.rowcount:
        raise NotFound(f"no live API key for user {name!r} (see `geogrid users list`)")
    bump_data_version(conn, KEYS_LAYER)  # processes that remember keys forget them


def append_audit(
    conn: Connection,
    *,
    actor: str,
    role: str,
    jurisdiction: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> None:
    """One audit row, inside the caller's transaction (it commits or rolls back with the write)."""
    conn.execute(
        insert(_AUDIT).values(
            at=utcnow(),
            actor=actor,
            role=role,
            jurisdiction=jurisdiction,
            action=action,
            target=target,
            details=details,
        )
    )


def read_audit(bind: Engine | Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest ``limit`` audit entries, newest first."""
    stmt = select(_AUDIT).order_by(_AUDIT.c.id.desc()).limit(limit)
    return [dict(r._mapping) for r in fetch_all(bind, stmt)]
