"""`geogrid users add|list|revoke`: API keys with a role and a jurisdiction (stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from geogrid.cli._common import DatabaseUrl, console, load_settings, opened_store, store_transaction
from geogrid.roles import parse_role
from geogrid.store.access import create_api_key, list_api_keys, revoke_api_key


def register(app: typer.Typer) -> None:
    """Add the ``users`` group to ``app``."""
    users = typer.Typer(
        help="API users: keys with a role and a jurisdiction.", no_args_is_help=True
    )
    users.command("add")(users_add)
    users.command("list")(users_list)
    users.command("revoke")(users_revoke)
    app.add_typer(users, name="users")


def users_add(
    name: Annotated[str, typer.Argument(help="User name (unique)")],
    jurisdiction: Annotated[
        str, typer.Option(help="6-digit district, 9-digit street or 12-digit community code")
    ],
    role: Annotated[
        str, typer.Option(help="viewer, analyst, planner, dispatcher or admin")
    ] = "viewer",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key for NAME and print it once (only its salted hash is stored)."""
    parsed = parse_role(role)
    with store_transaction(database_url) as conn:
        key = create_api_key(conn, name=name, role=parsed, jurisdiction=jurisdiction)
    typer.echo(key)
    typer.echo(
        f"user {name}: role {parsed.value}, jurisdiction {jurisdiction}; "
        "keep the key now, it cannot be shown again",
        err=True,
    )


def users_list(database_url: DatabaseUrl = None) -> None:
    """Every user with role, jurisdiction, creation and revocation time (never the key)."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        records = list_api_keys(store.engine)
    table = Table("name", "role", "jurisdiction", "created", "revoked")
    for r in records:
        revoked = f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else ""
        table.add_row(
            r.name, r.role.value, r.jurisdiction, f"{r.created_at:%Y-%m-%d %H:%M}", revoked
        )
    console.print(table)


def users_revoke(
    name: Annotated[str, typer.Argument(help="User whose key to revoke")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke NAME's key: requests with it get 401 from now on."""
    with store_transaction(database_url) as conn:
        revoke_api_key(conn, name)
    typer.echo(f"revoked the key of {name}")
