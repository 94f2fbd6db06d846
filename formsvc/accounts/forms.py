from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from formsvc.forms import strip_filter
from formsvc.i18n import _l


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(message=_l("Please write your username.")), Length(max=40)],
        filters=[strip_filter],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please write your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass
