"""`flask users create` without --password: every argument is checked before the password is asked for."""

from __future__ import annotations

import pytest

from formsvc.accounts.models import User
from formsvc.accounts.services import user_by_username
from formsvc.extensions import db
from tests.conftest import form_fields, page_text
from tests.test_cli_robust import in_cli_language, refused, user_count
from tests.workspace_helpers import EN, signed_in_client

TYPED_TWICE = "long-enough-1\nlong-enough-1\n"


def create(runner, *args: str, typed: str = ""):
    return runner.invoke(args=["users", "create", *args], input=typed)


def password_prompt(app) -> str:
    return in_cli_language(app, "Password") + ":"


def asked_for_a_password(app, output: str) -> bool:
    """Whether the output shows the password prompt, in the command line's language or click's own English."""
    return password_prompt(app) in output or "Password:" in output


# A scope that does not fit the role is said in terms of the options, not of the account form's
# check boxes ("…or untick them").
SCOPE_REFUSALS = [
    (["--role", "manager"], "Error: A site manager needs at least one --site."),
    (["--role", "township_viewer"], "Error: A township viewer needs --township."),
    (
        ["--role", "admin", "--site", "{site}"],
        "Error: --site is only for --role manager: leave it out, or use --role manager.",
    ),
    (
        ["--role", "manager", "--site", "{site}", "--township", "{township}"],
        "Error: --township is only for --role township_viewer: leave it out, or use --role township_viewer.",
    ),
]


@pytest.mark.parametrize(("args", "said"), SCOPE_REFUSALS)
def test_a_scope_that_does_not_fit_the_role_is_said_in_the_options_words(app, runner, make, args, said):
    site = make.site()
    args = [arg.format(site=site["id"], township=site["township_id"]) for arg in args]
    # Were the password asked for first, these lines would be typed and the scope refused after.
    result = create(runner, "--username", "amy", *args, typed=TYPED_TWICE)
    assert refused(result) == said
    assert not asked_for_a_password(app, result.output)
    assert user_count(app) == 0


@pytest.mark.parametrize(
    ("args", "msgid", "values"),
    [
        (["--role", "manager", "--site", "4242"], "No site with id {ids}.", {"ids": "4242"}),
        (["--role", "township_viewer", "--township", "999"], "No township with id {id}.", {"id": "999"}),
        (["--role", "manager", "--site", "3000000000"], "No site with id {ids}.", {"ids": "3000000000"}),
    ],
)
def test_a_wrong_scope_is_said_before_the_password_is_asked_for(app, runner, make, args, msgid, values):
    make.site()
    result = create(runner, "--username", "amy", *args, typed=TYPED_TWICE)
    refused(result, in_cli_language(app, msgid, **values))
    assert not asked_for_a_password(app, result.output)
    assert user_count(app) == 0


# The account form refuses these; the command line made accounts of them. The last starts with the
# Kelvin sign, which lower() turns into an ASCII "k".
NOT_USERNAMES = ["bad name!", "王专干", "amy@home", "\u212aelvin"]
USERNAME_RULE = "A username can have only letters, digits, dots, dashes and underscores."


@pytest.mark.parametrize("username", NOT_USERNAMES)
def test_the_command_line_refuses_the_usernames_the_form_refuses(app, runner, username):
    result = create(runner, "--username", username, "--role", "admin", typed=TYPED_TWICE)
    refused(result, in_cli_language(app, USERNAME_RULE))
    assert not asked_for_a_password(app, result.output)
    assert user_count(app) == 0


@pytest.mark.parametrize("username", NOT_USERNAMES)
def test_the_form_refuses_them_by_the_same_rule(app, make, username):
    client = signed_in_client(app, make.user("boss", role="admin"))
    fields = {**form_fields(client.get("/admin/users/new").data), "username": username, "role": "admin"}
    response = client.post("/admin/users/new", data=fields, headers=EN)
    assert response.status_code == 200 and USERNAME_RULE in page_text(response.data)
    assert user_count(app) == 1  # boss


def test_a_username_of_letters_digits_dots_dashes_and_underscores_is_taken_in_lower_case(app, runner):
    result = create(runner, "--username", " Wang.Li-2_b ", "--role", "admin", "--password", "long-enough-1")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert user_by_username("wang.li-2_b") is not None
        db.session.rollback()


def test_a_taken_username_is_said_before_the_password_is_asked_for(app, runner, make):
    make.user(username="amy", role="admin")
    result = create(runner, "--username", "Amy ", "--role", "admin", typed=TYPED_TWICE)
    refused(result, in_cli_language(app, "That username is taken."))
    assert not asked_for_a_password(app, result.output)
    assert user_count(app) == 1


def test_with_the_arguments_right_the_password_is_asked_for_twice(app, runner, make):
    site = make.site()
    result = create(runner, "--username", "amy", "--role", "manager", "--site", str(site["id"]), typed=TYPED_TWICE)
    assert result.exit_code == 0, result.output
    assert password_prompt(app) in result.output and in_cli_language(app, "The password again") in result.output
    assert "long-enough-1" not in result.output  # not echoed
    with app.app_context():
        user: User = user_by_username("amy")
        assert user.check_password("long-enough-1") and [s.id for s in user.sites] == [site["id"]]
        db.session.rollback()


def test_a_password_too_easy_to_guess_is_refused_and_asked_again(app, runner):
    result = create(runner, "--username", "amy", "--role", "admin", typed="short\n" + TYPED_TWICE)
    assert result.exit_code == 0, result.output
    assert in_cli_language(app, "A password needs at least 8 characters.") in result.output
    with app.app_context():
        assert user_by_username("amy").check_password("long-enough-1")
        db.session.rollback()


def test_a_password_given_as_an_option_is_not_asked_for(app, runner):
    result = create(runner, "--username", "amy", "--role", "admin", "--password", "long-enough-1")
    assert result.exit_code == 0, result.output
    assert not asked_for_a_password(app, result.output)
    assert user_count(app) == 1


def test_a_weak_password_given_as_an_option_is_refused(app, runner):
    result = create(runner, "--username", "amy", "--role", "admin", "--password", "short")
    refused(result, in_cli_language(app, "A password needs at least 8 characters."))
    assert user_count(app) == 0
