"""`flask backup DEST` and `flask restore SRC [--force]` (see app/backups/service.py for what a backup holds)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.backups import service


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup(destination: Path) -> None:
    """Back up the database and the attachments into DESTINATION, a new directory, with a manifest of hashes."""
    try:
        manifest = service.backup(destination)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up the {manifest['database']['kind']} database and {len(manifest['attachments'])} "
               f"attachment files into {destination}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database or attachment folder that is not empty.")
@with_appcontext
def restore(source: Path, force: bool) -> None:
    """Restore the backup in SOURCE into the configured (empty) database and attachment folder."""
    try:
        manifest = service.restore(source, force=force)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored the database and {len(manifest['attachments'])} attachment files from {source}")
