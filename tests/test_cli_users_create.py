"""`flask users create` without --password: every argument is checked before the password is asked for."""

from __future__ import annotations

import pytest

from formsvc.accounts.models import User
from formsvc.accounts.services import user_by_username
from formsvc.extensions import db
from tests.test_cli_robust import in_cli_language, refused, user_count

TYPED_TWICE = "long-enough-1\nlong-enough-1\n"


def create(runner, *args: str, typed: str = ""):
    return runner.invoke(args=["users", "create", *args], input=typed)


def password_prompt(app) -> str:
    return in_cli_language(app, "Password") + ":"


def asked_for_a_password(app, output: str) -> bool:
    """Whether the output shows the password prompt, in the command line's language or click's own English."""
    return password_prompt(app) in output or "Password:" in output


@pytest.mark.parametrize(
    ("args", "msgid", "values"),
    [
        (["--role", "manager"], "Choose at least one Children's Home for a site manager.", {}),
        (["--role", "township_viewer"], "Choose the township this viewer may see.", {}),
        (
            ["--role", "admin", "--site", "{site}"],
            "Children's Homes are ticked only for a site manager. Choose the role “Site manager”, or untick them.",
            {},
        ),
        (["--role", "manager", "--site", "4242"], "No site with id {ids}.", {"ids": "4242"}),
        (["--role", "township_viewer", "--township", "999"], "No township with id {id}.", {"id": "999"}),
        (["--role", "manager", "--site", "3000000000"], "No site with id {ids}.", {"ids": "3000000000"}),
    ],
)
def test_a_wrong_scope_is_said_before_the_password_is_asked_for(app, runner, make, args, msgid, values):
    site = make.site()
    args = [arg.format(site=site["id"]) for arg in args]
    # Were the password asked for first, these lines would be typed and the scope refused after.
    result = create(runner, "--username", "amy", *args, typed=TYPED_TWICE)
    refused(result, in_cli_language(app, msgid, **values))
    assert not asked_for_a_password(app, result.output)
    assert user_count(app) == 0


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
