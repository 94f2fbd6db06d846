from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from formsvc.accounts.models import ROLE_TITLES, Role, User
from formsvc.accounts.services import check_scope, scope_for_role, well_formed_username
from formsvc.errors import DomainError
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


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Please write your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(message=_l("Please write a new password.")),
            Length(min=8, max=200, message=_l("A password needs at least 8 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class CheckboxListField(SelectMultipleField):
    """Checkboxes. A list of them has no groups, so a choice's group (a home's township) is
    written before its label, as a select would show it above (places.home_choices)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def iter_choices(self):
        declared = self._choices_from_input(self.choices) or []
        return [
            choice._replace(label=f"{option.optgroup} · {choice.label}") if option.optgroup else choice
            for choice, option in zip(super().iter_choices(), declared, strict=True)
        ]


# Least power first: a new account left at the first role is a site manager, never a district admin.
ROLE_ORDER = (Role.MANAGER, Role.TOWNSHIP_VIEWER, Role.ADMIN)


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, ROLE_TITLES[role]) for role in ROLE_ORDER]


class UserForm(FlaskForm):
    display_name = StringField(_l("Name shown"), validators=[Length(max=40)], filters=[strip_filter])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    sites = CheckboxListField(_l("Children's Homes (for site managers)"), coerce=int, validate_choice=True)
    township = SelectField(_l("Township (for township viewers)"), coerce=int, validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.role.data not in tuple(Role):
            return valid  # the role field says what is wrong
        sites, township = scope_for_role(
            Role(self.role.data),
            site_ids=self.sites.data or [],
            township_id=self.township.data or None,
        )
        self.sites.data, self.township.data = sites, township or 0
        try:
            check_scope(Role(self.role.data), site_ids=self.sites.data or [], township_id=self.township.data or None)
        except DomainError as error:
            field = self.sites if error.code.startswith("sites_") else self.township
            field.errors.append(error.message)
            return False
        return valid


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("A username is required."))],
        filters=[strip_filter],
        render_kw={"autocapitalize": "none", "maxlength": User.username.type.length},
    )

    def validate_username(self, field) -> None:
        """The accounts service's rule, which ``flask users create`` applies too."""
        try:
            well_formed_username(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from error
