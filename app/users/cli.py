"""`flask users create` and `flask users token`."""

from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from app.errors import ServiceError
from app.users import service
from app.users.roles import ROLES

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


@users_cli.command("demo")
def demo() -> None:
    """Create (or reset) one demo user per role and print name, role, password and a fresh API token."""
    click.echo(f"{'user':<24} {'role':<18} {'password':<18} api token")
    for role in ROLES:
        username = f"demo_{role}"
        password = secrets.token_urlsafe(9)
        user = service.find_user(username)
        if user is None:
            user = service.create_user(username, [role], password, display_name=f"Demo {ROLES[role][1]}")
        else:
            service.set_password(user, password)
        click.echo(f"{username:<24} {role:<18} {password:<18} {service.issue_token(user)}")
