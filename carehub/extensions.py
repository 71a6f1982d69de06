"""Flask extensions, created unbound so that create_app can bind them."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.error_handler import ErrorSchema
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ErrorOut(ErrorSchema):
    """The error body of DESIGN §5, with the stable code of the refusal when it has one."""

    error = ma.fields.String(
        metadata={"description": "Stable code of the refusal (e.g. stale, id_number_unavailable)"}
    )


class CareHubApi(Api):
    """flask-smorest's Api without its own error handler: carehub.errors answers for API and pages."""

    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self) -> None:
        pass

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(_no_null_format)


def _no_null_format(self, field, ret=None, **_) -> dict:
    """apispec writes ``"format": null`` for a time with a strftime format; JSON Schema forbids it.

    (The field's own ``pattern`` says what it takes.)
    """
    if ret is not None and "format" in ret and ret["format"] is None:
        del ret["format"]
    return {}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
api = CareHubApi()
