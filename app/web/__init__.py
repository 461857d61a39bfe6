"""Staff web pages: the same service functions as the JSON API, behind a session login.

`init_web(app)` registers the `web` blueprint with Flask-Login (session cookie),
Flask-WTF (CSRF on every form of these pages; the bearer-token API is not
affected), Flask-Babel (Chinese by default, English on request) and the security headers and
session cookie of app/web/security.py (for every response).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.web.extensions import babel, csrf, login_manager
from app.web.header import init_header
from app.web.security import init_security


def init_web(app: Flask) -> None:
    from app.web import account as _account  # noqa: F401  (tokens, sessions, second factor)
    from app.web import admin as _admin  # noqa: F401  (users and incidents)
    from app.web import assignment as _assignment  # noqa: F401  (assign tasks, cancel complaints)
    from app.web import attachments as _attachments  # noqa: F401  (adds its routes to the blueprint)
    from app.web import casefile as _casefile  # noqa: F401  (case-file export, audit verification, reads log)
    from app.web import dmn_editor as _dmn_editor  # noqa: F401  (the decision tables' editor)
    from app.web import escalations as _escalations  # noqa: F401  (the inbox's escalated view)
    from app.web import i18n
    from app.web import legal_register as _legal_register  # noqa: F401  (the escalation register's pages)
    from app.web import legal_reviews as _legal_reviews  # noqa: F401  (legal's sign-off of versions)
    from app.web import migrations as _migrations  # noqa: F401  (moving running complaints to a new version)
    from app.web import modeler as _modeler  # noqa: F401  (the process owners' workbench)
    from app.web import monthly_review as _monthly_review  # noqa: F401  (the monthly review's PDF)
    from app.web import notifications as _notifications  # noqa: F401  (its routes too)
    from app.web import purges as _purges  # noqa: F401  (legal's page of purge runs)
    from app.web import reports as _reports  # noqa: F401  (the monthly review's dashboard and heat maps)
    from app.web import settings_pages as _settings_pages  # noqa: F401  (time limits and the calendar)
    from app.web import subject_requests as _subject_requests  # noqa: F401  (data subjects, legal holds)
    from app.web import versions as _versions  # noqa: F401  (activate, roll back, upload, download, compare)
    from app.web import waits as _waits  # noqa: F401  (waits on the pages, recording an answer)
    from app.web.public import bp as public_bp
    from app.web.views import bp, register_error_pages

    # CSRF is checked by the web blueprint itself (bearer-token API calls carry no cookie to forge).
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).resolve().parent.parent / "translations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_page_gettext(app)
    init_security(app)
    init_header(app)
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    register_error_pages(app)
