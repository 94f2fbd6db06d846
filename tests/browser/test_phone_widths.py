"""A site manager's workspace on a 360 px phone: the page never scrolls sideways, taps still land.

QA found the day view 443 px wide (575 px with the larger text): the guardian table pushed
its receipt and void columns off the screen. Wide tables scroll inside their own box instead;
the page itself stays as wide as the phone, at the standard and the larger text size. The
survey button's face icon has to fit the button's icon slot, on the site page and the receipt.

The day is seeded through the public forms (a test client, on the real clock: the live server
cannot be sent back in time), with long names, villages and phone numbers.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from tests.browser_support import PHONE_WIDTH, log_in
from tests.conftest import CONSENT, form_fields
from tests.survey_helpers import answer, make_template, spec, use_at_activity, use_at_site

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

TEXT_SIZES = ["standard", "large"]
CHILDREN = ["阿卜杜热合曼·买买提", "欧阳娜娜·艾尼瓦尔", "王小明"]
GUARDIANS = [
    # name, relation, phone, village, child
    ("古丽米热·阿卜杜拉", "grandmother", "13812345678", "城关镇新华村第三村民小组村", "阿卜杜热合曼·买买提"),
    ("司马长风", "father", "13987654321", "河西社区", "欧阳娜娜·艾尼瓦尔"),
]
PAPER_LINES = [
    "诸葛孔明 爷爷 13800001111 城关镇卧龙岗村第二村民小组村 诸葛瞻",
    "欧阳修文 外婆 13900002222 河西社区 欧阳娜娜·艾尼瓦尔",
    "司马 1380000",  # a line to correct
]
COMMENTS = [
    "讲座内容很实用，希望以后每个月都能办一次，最好安排在周末下午，方便在外打工回来的家长参加。",
    "通知请发到微信群，或加我微信 wxid_guanlaoshi2026 单独告诉我。",  # a word that cannot wrap
]


# --- the day ----------------------------------------------------------------------------


@pytest.fixture
def site(make):
    return make.site(name="城关镇新华村留守儿童之家")


@pytest.fixture
def survey(app, site, lecture):
    """The site's satisfaction survey, asked at the site and after the lecture; two comments."""
    questions = [spec("rating", "您对今天的活动满意吗"), spec("long_text", "意见建议")]
    template_id = make_template(app, questions, site_id=site["id"], title="家长满意度调查")
    site_token = use_at_site(app, template_id, site["id"])
    use_at_activity(app, template_id, lecture["id"])
    for comment in COMMENTS:
        response = answer(app.test_client(), site_token, {"q1": "5", "q2": comment})
        assert response.status_code == 302
    return template_id


@pytest.fixture
def seeded_day(app, site, after_school, lecture, survey):
    """Children and guardians signed in through the public forms, each from their own phone."""
    for name in CHILDREN:
        phone = app.test_client()
        url = f"/a/{after_school['token']}/child"
        fields = form_fields(phone.get(url).data)
        data = {**fields, **CONSENT, "child_name": name, "signed_by": "grandmother"}
        assert phone.post(url, data=data).status_code == 302
    for name, relation, mobile, village, child in GUARDIANS:
        phone = app.test_client()
        url = f"/a/{lecture['token']}/guardian"
        fields = form_fields(phone.get(url).data)
        data = {
            **fields,
            **CONSENT,
            "name": name,
            "relation": relation,
            "phone": mobile,
            "village": village,
            "child_name": child,
        }
        assert phone.post(url, data=data).status_code == 302
    with app.app_context():
        attendance = db.session.execute(select(Attendance).order_by(Attendance.id)).scalars().first()
        signin = db.session.execute(select(AdultSignIn).order_by(AdultSignIn.id)).scalars().first()
        child = db.session.execute(select(Child).where(Child.name == CHILDREN[0])).scalar_one()
        assert len(db.session.execute(select(AdultSignIn)).all()) == len(GUARDIANS)
        return {"attendance_id": attendance.id, "signin_id": signin.id, "child_id": child.id}


@pytest.fixture
def manager(make, site):
    return make.user("xinhua", sites=[site])


# --- helpers ----------------------------------------------------------------------------


def manager_phone(open_phone_with, live_server, manager, text_size):
    """A JavaScript-on 360 px phone, signed in to the workspace, at ``text_size``."""
    phone = open_phone_with(js=True)
    page = phone.page
    log_in(page, live_server, manager)
    set_text_size(page, live_server, text_size)
    return phone


def set_text_size(page, live_server, text_size):
    page.goto(f"{live_server}/text/{text_size}?next=/admin/")
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.classList.contains('large-text')") == (text_size == "large")


def page_width(page) -> int:
    """The page's width in CSS px, measured against the phone's 360, not window.innerWidth.

    A mobile Chromium (is_mobile) zooms a too-wide page out to fit it, and window.innerWidth
    grows with it (443 for a 443 px page): ``scrollWidth <= innerWidth`` would always hold.
    """
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)")


def manager_pages(page, live_server, site, after_school, lecture, seeded_day, survey):
    """Yield (name, page) for every page a site manager opens on the phone."""
    admin = f"{live_server}/admin"
    simple = {
        "day": f"{admin}/sites/{site['id']}",
        "roll-call": f"{admin}/activities/{after_school['id']}/roll-call",
        "review": f"{admin}/sites/{site['id']}/review",
        "roster": f"{admin}/sites/{site['id']}/children",
        "child": f"{admin}/sites/{site['id']}/children/{seeded_day['child_id']}",
        "void-child": f"{admin}/attendances/{seeded_day['attendance_id']}/void",
        "void-guardian": f"{admin}/adult-signins/{seeded_day['signin_id']}/void",
        "paper": f"{admin}/activities/{lecture['id']}/paper",
        "survey-results": f"{admin}/surveys/{survey}/results",
        "replace-poster-qr": f"{admin}/sites/{site['id']}/rotate-token",
        "sites": f"{admin}/sites/",
        "survey-use": f"{admin}/surveys/{survey}/use",
    }
    for name, url in simple.items():
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        yield name, page
    # The paper sheet's preview: a table of what each typed line becomes.
    page.goto(simple["paper"])
    page.locator("textarea[name=lines]").fill("\n".join(PAPER_LINES))
    page.locator("[name=check]").click()
    expect(page.locator(".preview table")).to_be_visible()
    yield "paper-preview", page


# --- the tests --------------------------------------------------------------------------


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_no_manager_page_scrolls_sideways_on_a_phone(
    live_server, open_phone_with, manager, site, after_school, lecture, seeded_day, survey, text_size
):
    phone = manager_phone(open_phone_with, live_server, manager, text_size)
    widths = {}
    for name, page in manager_pages(phone.page, live_server, site, after_school, lecture, seeded_day, survey):
        widths[name] = page_width(page)
        phone.screenshot(f"manager-{name}-{text_size}")
    too_wide = {name: width for name, width in widths.items() if width > PHONE_WIDTH}
    assert too_wide == {}, f"pages wider than the {PHONE_WIDTH} px phone: {too_wide}"


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_every_void_link_on_the_day_view_can_be_tapped_without_scrolling_the_page(
    live_server, open_phone_with, manager, site, seeded_day, text_size
):
    phone = manager_phone(open_phone_with, live_server, manager, text_size)
    page = phone.page
    page.goto(f"{live_server}/admin/sites/{site['id']}")
    void_pages = {
        GUARDIANS[0][0]: f"/admin/adult-signins/{seeded_day['signin_id']}/void",
        CHILDREN[0]: f"/admin/attendances/{seeded_day['attendance_id']}/void",
    }
    for name, void_page in void_pages.items():
        link = page.locator(f'a[href="{void_page}"]')
        expect(link).to_have_text("作废")
        expect(link.locator("xpath=ancestor::tr")).to_contain_text(name)
        link.scroll_into_view_if_needed()
        link.click(trial=True)  # visible, stable, and the topmost element where a finger lands
        assert page.evaluate("() => window.scrollX") == 0, f"{name}: the page scrolled sideways"
        box = link.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE_WIDTH, (name, box)
        assert box["height"] >= 44, (name, box)
    # And the guardian's link really leads to the void page.
    page.locator("tr").filter(has_text=GUARDIANS[0][0]).get_by_role("link", name="作废", exact=True).click()
    expect(page).to_have_url(live_server + void_pages[GUARDIANS[0][0]])
    expect(page.get_by_role("heading", level=1)).to_contain_text("作废")


def survey_icon_inside_its_button(page) -> None:
    button = page.locator(".survey-offer a.big-button").first
    expect(button).to_be_visible()
    slot = button.locator(".icon").first
    face = button.locator("svg").first
    outer, slot_box, face_box = button.bounding_box(), slot.bounding_box(), face.bounding_box()

    def inside(inner, box, what):
        tolerance = 0.5
        assert inner["x"] >= box["x"] - tolerance, what
        assert inner["y"] >= box["y"] - tolerance, what
        assert inner["x"] + inner["width"] <= box["x"] + box["width"] + tolerance, what
        assert inner["y"] + inner["height"] <= box["y"] + box["height"] + tolerance, what

    inside(face_box, outer, f"the face {face_box} hangs out of its button {outer}")
    inside(face_box, slot_box, f"the face {face_box} is bigger than its slot {slot_box}")
    assert face_box["width"] >= slot_box["width"] - 1 and face_box["height"] >= slot_box["height"] - 1, (
        f"the face {face_box} should fill its slot {slot_box}"
    )
    centre = face_box["y"] + face_box["height"] / 2
    assert abs(centre - (outer["y"] + outer["height"] / 2)) <= 1, "the face is not centred in its button"


@pytest.mark.parametrize("text_size", TEXT_SIZES)
def test_the_survey_face_fits_its_button(live_server, open_phone_with, site, lecture, survey, text_size):
    phone = open_phone_with(js=True)
    page = phone.page
    page.goto(f"{live_server}/text/{text_size}?next=/s/{site['token']}")
    expect(page).to_have_url(f"{live_server}/s/{site['token']}")
    expect(page.locator(".survey-offer")).to_contain_text("家长满意度调查")
    survey_icon_inside_its_button(page)
    assert page_width(page) <= PHONE_WIDTH
    phone.screenshot(f"survey-offer-site-{text_size}")

    # A guardian's receipt offers the lecture's survey with the same button.
    page.goto(f"{live_server}/a/{lecture['token']}/guardian")
    page.get_by_label("您的姓名", exact=True).fill("韦丽娟")
    page.locator("label.pill").filter(has=page.get_by_text("奶奶", exact=True)).click()
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    expect(page.locator(".survey-offer")).to_contain_text("家长满意度调查")
    survey_icon_inside_its_button(page)
    assert page_width(page) <= PHONE_WIDTH
    phone.screenshot(f"survey-offer-receipt-{text_size}")
