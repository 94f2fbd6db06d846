"""formsvc: sign-in, survey and tally service for community Children's Homes."""

from __future__ import annotations

from flask import Flask

from formsvc.config import INSTANCE_DIR, PROJECT_ROOT, from_environment
from formsvc.config import check as check_config


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.update(from_environment(INSTANCE_DIR))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "formsvc" / "translations")
    if config:
        app.config.update(config)
    check_config(app.config)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    from formsvc.urls import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_cli(app)
    from formsvc.errors import register_error_handlers

    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from formsvc import models  # noqa: F401  (every table known to metadata and migrations)
    from formsvc.database import configure_engine
    from formsvc.extensions import babel, db, limiter, login_manager, migrate
    from formsvc.i18n import select_locale

    db.init_app(app)
    from formsvc.database import end_session_quietly

    app.teardown_appcontext(end_session_quietly)  # runs before Flask-SQLAlchemy's own (last added, first run)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    from formsvc.accounts.services import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None


def register_blueprints(app: Flask) -> None:
    from formsvc.accounts.admin import bp as users_bp
    from formsvc.accounts.views import bp as accounts_bp
    from formsvc.activities.admin import bp as activities_admin_bp
    from formsvc.attendance.entries_admin import bp as entries_bp
    from formsvc.attendance.kiosk import bp as kiosk_bp
    from formsvc.attendance.manage import bp as manage_bp
    from formsvc.attendance.public import bp as public_bp
    from formsvc.attendance.rollcall import bp as rollcall_bp
    from formsvc.attendance.roster_admin import bp as roster_bp
    from formsvc.attendance.scan import bp as scan_bp
    from formsvc.audit.views import bp as audit_bp
    from formsvc.core import bp as core_bp
    from formsvc.imports.admin import bp as imports_bp
    from formsvc.printables.views import bp as printables_bp
    from formsvc.privacy.public import bp as privacy_public_bp
    from formsvc.privacy.views import bp as privacy_bp
    from formsvc.sites.admin import bp as sites_admin_bp
    from formsvc.surveys.admin import bp as surveys_admin_bp
    from formsvc.surveys.admin_results import bp as survey_results_bp
    from formsvc.surveys.public import bp as survey_public_bp
    from formsvc.tallies.views import bp as tallies_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(scan_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(sites_admin_bp)
    app.register_blueprint(activities_admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(survey_public_bp)
    app.register_blueprint(surveys_admin_bp)
    app.register_blueprint(survey_results_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(privacy_public_bp)
    app.register_blueprint(roster_bp)
    app.register_blueprint(rollcall_bp)
    app.register_blueprint(entries_bp)
    app.register_blueprint(printables_bp)
    app.register_blueprint(tallies_bp)
    app.register_blueprint(imports_bp)


def register_request_hooks(app: Flask) -> None:
    from formsvc.accounts.views import require_password_change
    from formsvc.compression import compress_response
    from formsvc.core import refuse_cross_site_posts, set_response_headers
    from formsvc.forms import check_public_body
    from formsvc.i18n import reuse_wtforms_catalog
    from formsvc.wechat import explain_downloads_in_wechat

    app.before_request(reuse_wtforms_catalog)
    app.before_request(refuse_cross_site_posts)
    app.before_request(check_public_body)
    app.before_request(require_password_change)
    # After-request hooks run last-registered first: WeChat's page replaces a download, then
    # the headers are set, then the body is compressed.
    app.after_request(compress_response)
    app.after_request(set_response_headers)
    app.after_request(explain_downloads_in_wechat)


def register_template_helpers(app: Flask) -> None:
    from formsvc.attendance.daybook import own_time
    from formsvc.core import template_globals
    from formsvc.text import two_places
    from formsvc.timeutil import weekday_words
    from formsvc.wechat import in_wechat

    app.context_processor(template_globals)
    app.add_template_global(in_wechat)  # a function, so imported macros see it too
    app.add_template_global(own_time)
    app.add_template_global(weekday_words)
    app.add_template_filter(two_places)


def register_cli(app: Flask) -> None:
    from formsvc.cli import register

    register(app)
