"""`flask processes deploy [FILE...]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.definitions import service
from app.engine.xml import DiagramError
from app.errors import ServiceError

processes_cli = AppGroup("processes", help="Deploy and inspect BPMN processes.")


@processes_cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-activate", is_flag=True, help="Store the versions without making them active.")
def deploy(files: tuple[Path, ...], no_activate: bool) -> None:
    """Deploy FILES (default: every .bpmn and .dmn in processes/); prints 'key version' per process."""
    if not files:
        folder = Path(current_app.config["PROCESSES_DIR"])
        files = tuple(sorted([*folder.glob("*.bpmn"), *folder.glob("*.dmn")]))
    if not files:
        raise click.ClickException("No .bpmn or .dmn files to deploy.")
    try:
        results = service.deploy([(f.name, f.read_bytes()) for f in files], None, activate=not no_activate)
    except DiagramError as exc:
        for problem in exc.problems:
            where = ", ".join(filter(None, [problem.file, problem.element_id and f"element {problem.element_id}",
                                            problem.line and f"line {problem.line}"]))
            click.echo(f"error: {problem.message}" + (f" [{where}]" if where else ""), err=True)
        raise click.ClickException("The deploy was refused; nothing was stored.") from None
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    for result in results:
        if result.definition.kind == "bpmn":
            click.echo(f"{result.definition.key} {result.definition.version}")
