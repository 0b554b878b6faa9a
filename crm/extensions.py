"""Extensions created unbound here and bound to the app in ``create_app``."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from crm.database import include_in_autogenerate, metadata

db = SQLAlchemy(metadata=metadata)
migrate = Migrate(render_as_batch=True, compare_type=True, include_object=include_in_autogenerate)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
