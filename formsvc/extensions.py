"""Extension objects, created unbound and bound in ``create_app``."""

from __future__ import annotations

from functools import cached_property
from importlib import import_module

import click
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from formsvc.db import Base


class _MigrateConfig:
    """What Flask-Migrate keeps in ``app.extensions["migrate"]``, with its ``Migrate`` built on first use."""

    def __init__(self, db: SQLAlchemy, directory: str, **configure_args) -> None:
        self.db = db
        self.directory = directory
        self._configure_args = configure_args

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self._configure_args)

    @property
    def configure_args(self) -> dict:
        return self.migrate.alembic_ctx_kwargs

    @property
    def metadata(self):
        return self.db.metadata


class _LazyGroup(click.Group):
    """A command group imported from ``import_path`` ("module:name") only when it is run or listed."""

    def __init__(self, name: str, import_path: str, **kwargs) -> None:
        super().__init__(name, **kwargs)
        self.import_path = import_path

    @cached_property
    def _group(self) -> click.Group:
        module, name = self.import_path.split(":")
        return getattr(import_module(module), name)

    def make_context(self, info_name, args, parent=None, **extra):
        return self._group.make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._group.list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._group.get_command(ctx, cmd_name)


class LazyMigrate:
    """Flask-Migrate, imported only by ``flask db`` and the migration runner.

    Importing it imports Alembic (with Mako and Pygments), a fifth of the app's start-up, which
    no request needs. ``init_app`` leaves what Flask-Migrate's leaves (``app.extensions["migrate"]``
    for ``flask_migrate.upgrade()`` and ``migrations/env.py``, and the ``db`` command group), but
    both import Flask-Migrate on first use.
    """

    def init_app(self, app: Flask, db: SQLAlchemy, *, directory: str, **configure_args) -> None:
        app.extensions["migrate"] = _MigrateConfig(db, directory, **configure_args)
        app.cli.add_command(_LazyGroup("db", "flask_migrate.cli:db", help="Perform database migrations."))


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
babel = Babel()
login_manager = LoginManager()
# Limits are declared on the views (formsvc/ratelimits.py); storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
