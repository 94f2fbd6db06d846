"""Demo data for a first start: two townships, six Children's Homes, rosters, today's lecture."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select

from formsvc.accounts.models import Role
from formsvc.accounts.services import create_user
from formsvc.activities.models import ActivityKind
from formsvc.activities.services import ensure_daily_opening, schedule_activity
from formsvc.attendance.models import (
    BOY,
    GIRL,
    AdultRole,
    AdultSignIn,
    Attendance,
    Child,
    ChildCategory,
    ChildCategoryPeriod,
    ChildStatus,
    Relation,
    Source,
)
from formsvc.extensions import db
from formsvc.sites.models import Site, SiteLevel
from formsvc.sites.services import create_site
from formsvc.surveys.defaults import ensure_parent_satisfaction
from formsvc.surveys.services import attach_to_activity
from formsvc.text import name_key
from formsvc.timeutil import local_to_utc, local_today

DEMO_PASSWORD = "demo-pass-2026"

DEMO_SITES = [
    ("城关镇", "城关镇东门社区儿童之家", "东门社区", SiteLevel.CITY_MODEL),
    ("城关镇", "城关镇新华村儿童之家", "新华村", SiteLevel.STANDARD),
    ("城关镇", "城关镇河西村儿童之家", "河西村", SiteLevel.STANDARD),
    ("那坡乡", "那坡乡那坡村儿童之家", "那坡村", SiteLevel.REGION_MODEL),
    ("那坡乡", "那坡乡百合村儿童之家", "百合村", SiteLevel.STANDARD),
    ("那坡乡", "那坡乡龙湾村儿童之家", "龙湾村", SiteLevel.STANDARD),
]
DEMO_CHILDREN = ["王小明", "李思琪", "黄子轩", "韦丽娟", "覃海燕", "陆一鸣", "蒙佳怡", "农浩然", "䶮儿", "吉𠮷"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    sites: str


def has_data() -> bool:
    return bool(db.session.execute(select(func.count(Site.id))).scalar())


def seed_demo() -> list[DemoLogin]:
    today = local_today()
    sites = []
    for index, (township, name, village, level) in enumerate(DEMO_SITES):
        site = create_site(township_name=township, name=name, village=village, level=level)
        sites.append(site)
        for offset, child_name in enumerate(DEMO_CHILDREN[index % 3 :] + DEMO_CHILDREN[: index % 3]):
            db.session.add(
                Child(
                    site_id=site.id,
                    name=child_name,
                    name_key=name_key(child_name),
                    status=ChildStatus.ACTIVE,
                    gender=GIRL if offset % 2 else BOY,
                    birth_year=2013 + offset % 6,
                    guardian_relation=Relation.GRANDMOTHER,
                )
            )
        # The demo's day runs around the clock, so whoever tries it at night still sees a
        # working sign-in; real daily openings follow DAILY_OPENS / DAILY_CLOSES.
        daily = ensure_daily_opening(site, today)
        daily.opens_at, daily.closes_at = local_to_utc(today, time(0, 0)), local_to_utc(today, time(23, 59))
    db.session.flush()
    _seed_history(sites, today)
    lecture = schedule_activity(
        sites[0],
        kind=ActivityKind.PARENT_TRAINING,
        title="家庭教育讲座：如何陪伴留守儿童",
        day=today,
        opens="00:00",
        closes="23:59",
        for_guardians=True,
    )
    # The receipt of a guardian's sign-in then offers the ready-made parent survey.
    attach_to_activity(ensure_parent_satisfaction(), lecture, opens_before_close=None)
    schedule_activity(
        sites[3],
        kind=ActivityKind.VOLUNTEER,
        title="周末志愿辅导",
        day=today,
        opens="00:00",
        closes="23:59",
        for_children=True,
        for_volunteers=True,
    )
    create_user(username="admin", password=DEMO_PASSWORD, role=Role.ADMIN, display_name="区妇联管理员")
    create_user(
        username="manager1",
        password=DEMO_PASSWORD,
        role=Role.MANAGER,
        site_ids=[sites[0].id, sites[1].id],
        display_name="东门社区专干",
    )
    create_user(
        username="manager2",
        password=DEMO_PASSWORD,
        role=Role.MANAGER,
        site_ids=[sites[3].id],
        display_name="那坡村妇联主席",
    )
    db.session.flush()
    return [
        DemoLogin("admin", DEMO_PASSWORD, "district admin", "all sites"),
        DemoLogin("manager1", DEMO_PASSWORD, "site manager", f"{sites[0].name}, {sites[1].name}"),
        DemoLogin("manager2", DEMO_PASSWORD, "site manager", sites[3].name),
    ]


HISTORY_WEEKS = 10
DEMO_GUARDIANS = ["王建国", "李秀英", "黄桂兰", "韦志强", "覃美玲", "陆德华", "蒙春燕", "农永福"]


def _seed_history(sites: list[Site], today: date) -> None:
    """Ten weeks of after-school visits and one past lecture, so the dashboard and tallies have
    something to show on the first start. Seeded randomness: the same demo every time."""
    chance = random.Random(2026)
    for site in sites:
        children = list(db.session.execute(select(Child).where(Child.site_id == site.id)).scalars())
        for child in children[::3]:
            db.session.add(ChildCategoryPeriod(child_id=child.id, category=ChildCategory.LEFT_BEHIND, since=None))
        for child in children[1::5]:
            db.session.add(ChildCategoryPeriod(child_id=child.id, category=ChildCategory.DIFFICULT, since=None))
        busy = 0.2 if site.name.endswith("龙湾村儿童之家") else 0.6
        for back in range(1, HISTORY_WEEKS * 7):
            day = today - timedelta(days=back)
            if day.isoweekday() > 5 or site.name.endswith("龙湾村儿童之家") and back < 35:
                continue  # weekends closed; one home has gone quiet for five weeks
            daily = ensure_daily_opening(site, day)
            for child in children:
                if chance.random() < busy:
                    minute = chance.randrange(0, 90)
                    db.session.add(
                        Attendance(
                            activity_id=daily.id,
                            child_id=child.id,
                            source=Source.QR if chance.random() < 0.8 else Source.ROLL_CALL,
                            signed_in_at=local_to_utc(day, time(16 + minute // 60, minute % 60)),
                        )
                    )
    lecture_day = today - timedelta(days=14)
    past = schedule_activity(
        sites[0],
        kind=ActivityKind.PARENT_TRAINING,
        title="家长学校：隔代教育",
        day=lecture_day,
        opens="09:00",
        closes="11:30",
        for_guardians=True,
    )
    for index, name in enumerate(DEMO_GUARDIANS):
        db.session.add(
            AdultSignIn(
                activity_id=past.id,
                role=AdultRole.GUARDIAN,
                name=name,
                name_key=name_key(name),
                relation=Relation.GRANDMOTHER if index % 2 else Relation.GRANDFATHER,
                village=sites[0].village,
                source=Source.QR,
                signed_in_at=local_to_utc(lecture_day, time(9, 5 + index)),
            )
        )
