"""`flask users create`, `flask users token`, `flask users reset-second-factor` and `flask users demo`."""

from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from app.database import start_reading
from app.errors import ServiceError
from app.users import passwords, second_factor, service
from app.users.roles import ROLES

users_cli = AppGroup("users", help="Manage users and API tokens.")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="A role id; repeat for several.")
@click.option("--password", required=True,
              help=f"At least {passwords.MIN_LENGTH} characters, not a common or easily guessed password.")
@click.option("--display-name", default=None)
@click.option("--email", default=None, help="Where notifications to the user's roles and to the user are sent.")
def create(name: str, roles: tuple[str, ...], password: str, display_name: str | None, email: str | None) -> None:
    """Create a user with one or more roles."""
    try:
        user = service.create_user(name, list(roles), password, display_name, email)
    except ServiceError as exc:
        raise click.ClickException(_explained(exc)) from None
    click.echo(f"created {user.username} ({', '.join(user.roles)})")


def _explained(exc: ServiceError) -> str:
    """The error's message with each field's problems, as the command line shows it."""
    fields = exc.extra.get("errors")
    if not isinstance(fields, dict):
        return exc.message
    return " ".join([exc.message, *(f"{name}: {' '.join(map(str, problems))}" for name, problems in fields.items())])


@users_cli.command("token")
@click.argument("name")
def token(name: str) -> None:
    """Issue a new API token for a user; prints it as the last line."""
    user = service.find_user(name)
    if user is None:
        raise click.ClickException(f"There is no user '{name}'.")
    click.echo(service.issue_token(user))


@users_cli.command("reset-second-factor")
@click.argument("name")
def reset_second_factor(name: str) -> None:
    """Remove a user's second factor (a lost phone and lost recovery codes): they enrol again at the next log-in."""
    user = service.find_user(name)
    if user is None:
        raise click.ClickException(f"There is no user '{name}'.")
    click.echo(f"removed the second factor of {name}" if second_factor.reset(user) else f"{name} had no second factor")


def _demo_password(username: str) -> str:
    """A random password that passes the rule (a random string can, rarely, look like a pattern)."""
    while True:
        password = secrets.token_urlsafe(12)
        if not passwords.problems(password, username):
            return password


@users_cli.command("demo")
def demo() -> None:
    """Create (or reset) one demo user per role and print name, role, password and a fresh API token."""
    click.echo(f"{'user':<24} {'role':<18} {'password':<18} api token")
    for role in ROLES:
        start_reading()  # the look-up must not begin the write transaction: the slow hashing comes before it
        username = f"demo_{role}"
        password = _demo_password(username)
        user = service.find_user(username)
        if user is None:
            user = service.create_user(username, [role], password, display_name=f"Demo {ROLES[role][1]}")
        else:
            service.set_password(user, password)
        click.echo(f"{username:<24} {role:<18} {password:<18} {service.issue_token(user)}")
