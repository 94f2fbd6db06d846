"""Extension objects, created unbound and bound in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from formsvc.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
# Limits are declared on the views (formsvc/ratelimits.py); storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
