"""What the next retention purge will touch, for the district admin to see in advance."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from formsvc.accounts.permissions import admin_required
from formsvc.privacy.retention import plan_purge
from formsvc.timeutil import local_today

bp = Blueprint("privacy", __name__, url_prefix="/admin/privacy")


@bp.route("/")
@admin_required
def index():
    period = current_app.config["RETENTION"]
    return render_template("admin/privacy.html", plan=plan_purge(local_today(), period), period=period)
