"""`flask users create` and `flask users token`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.errors import ServiceError
from app.users import service

users_cli = AppGroup("users", help="Manage users and API tokens.")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="A role id; repeat for several.")
@click.option("--password", required=True)
@click.option("--display-name", default=None)
def create(name: str, roles: tuple[str, ...], password: str, display_name: str | None) -> None:
    """Create a user with one or more roles."""
    try:
        user = service.create_user(name, list(roles), password, display_name)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.username} ({', '.join(user.roles)})")


@users_cli.command("token")
@click.argument("name")
def token(name: str) -> None:
    """Issue a new API token for a user; prints it as the last line."""
    user = service.find_user(name)
    if user is None:
        raise click.ClickException(f"There is no user '{name}'.")
    click.echo(service.issue_token(user))
