"""The web pages' Flask extensions, created unbound."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.session_protection = "strong"
