"""Making the first request as fast as the rest: what the service otherwise builds on first use, built at start.

A gunicorn worker (gunicorn.conf.py, before it takes requests) warms everything: the compiled spec of every
active diagram version, the statements a complaint's page runs most of, every page template and message text,
the forms' and messages' JSON Schemas, the pages' catalogues in both languages with their locale data, and the
diagrams' name catalogues. The timer worker (`flask worker`) warms the specs, which are all its timers need.
Without this the first request of each kind paid for what it was first to use (parsing diagrams, compiling
templates): seconds instead of milliseconds. What it built is then frozen out of the garbage collector's
generations.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers

from app import forms
from app.attachments import service as attachments
from app.database import end_request, start_reading
from app.definitions.models import ProcessDefinition
from app.definitions.service import compiled
from app.extensions import db
from app.forms import messages
from app.notifications import texts
from app.records import service as records
from app.tasks import service as tasks


def warm(app: Flask) -> None:
    """Everything a first request would otherwise build: specs, templates, schemas, catalogues, queries."""
    warm_specs(app)
    _warm_queries(app)
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)
    for key in forms.form_keys():
        forms.json_schema(key)
    for name in messages.MESSAGES:
        messages.json_schema(name)
    for name in texts.template_names():  # the messages to customers and staff, compiled as they are rendered
        for language in texts.LANGUAGES:
            texts.render_stored(name, {}, language, ("", ""))
    _warm_languages(app)
    # What was built here lives as long as the process: out of the collector's sight, a full collection no longer
    # walks a quarter of a million objects in the middle of some request.
    gc.collect()
    gc.freeze()


def warm_specs(app: Flask) -> None:
    """The compiled spec of every active diagram version (a version compiled once serves every complaint on it)."""
    with app.app_context():
        start_reading()  # reads only: no write lock, no writers' queue file opened
        try:
            ids = list(db.session.scalars(select(ProcessDefinition.id).where(
                ProcessDefinition.kind == "bpmn", ProcessDefinition.active.is_(True))))
            for definition_id in ids:
                compiled(definition_id)
        finally:
            db.session.remove()
            end_request()


def _warm_queries(app: Flask) -> None:
    """The mappers, and the statements a complaint's page runs most of (a case file's records: a dozen tables),
    compiled once into SQLAlchemy's statement cache by reading them for a complaint that does not exist."""
    with app.app_context():
        start_reading()
        try:
            configure_mappers()
            records.for_complaint(0)
            attachments.for_complaint(0)
            tasks.open_tasks(0)
        finally:
            db.session.remove()
            end_request()


def _warm_languages(app: Flask) -> None:
    """The pages' catalogues and locale data (dates, money) in each language, and the diagrams' names."""
    from flask_babel import force_locale, format_currency, format_datetime, gettext

    from app.web import i18n

    with app.test_request_context():
        for language in i18n.LANGUAGES:
            with force_locale(language):
                gettext("Complaints")
                format_datetime(datetime.now(UTC))
                format_currency(1, "CNY")
        i18n.locate({"name": "", "element_id": None})
