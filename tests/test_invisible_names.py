"""A name pasted from a chat with invisible characters in it is the same child, not a look-alike.

QA signed in 李思琪, then 李\u200b思琪, 李思琪\u200d … from fresh phones: each was a new child to
review who looked exactly like 李思琪, and the day counted six children instead of one.
"""

from __future__ import annotations

from sqlalchemy import func, select

from formsvc.attendance.models import Attendance, Child
from formsvc.extensions import db
from tests.conftest import CONSENT, clock_stopped_at, form_fields, local

frozen = clock_stopped_at(local(2026, 11, 27, 16, 30))


def sign_in(app, site, name):
    phone = app.test_client()
    location = phone.get(f"/s/{site['token']}").headers["Location"]
    fields = form_fields(phone.get(location).data)
    return phone.post(location, data={**fields, **CONSENT, "child_name": name})


def test_invisible_characters_do_not_make_a_second_child(app, make, frozen):
    site = make.site()
    for name in ("李思琪", "李\u200b思琪", "李思琪\u200d", "\u202d李思琪", "\ufeff李思琪"):
        assert sign_in(app, site, name).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Child.name)).scalars().all() == ["李思琪"]
        assert db.session.execute(select(func.count()).select_from(Attendance)).scalar_one() == 1


def test_a_name_of_only_invisible_characters_is_asked_for_again(app, make, frozen):
    site = make.site()
    response = sign_in(app, site, "\u200b\u200d")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == 0
